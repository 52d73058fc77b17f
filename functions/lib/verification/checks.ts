// The checks, in the order a person would read them. Each names the checks it needs to have passed
// first; adding a check is adding an entry here (or in its own module, listed here).
import type { RedirectUri } from '#lib/authentik/providers.ts';
import { COGNITO_PROVIDER } from '#lib/cognito.ts';
import { hostedUiLoginUrl } from './login-url.ts';
import { managedLoginCheck } from './managed-login.ts';
import { testLoginCheck } from './test-login.ts';
import type { CheckAnswer, CheckContext, FederationCheck } from './types.ts';

/** The scopes of the guide's login URL. */
export const LOGIN_SCOPES = ['openid', 'email', 'profile'] as const;

const pass = (message: string): CheckAnswer => ({ status: 'pass', message });

const notProvisioned = (what: string): CheckAnswer => ({
  status: 'fail',
  reason: 'NOT_PROVISIONED',
  message: `no ${what} is recorded for this tenant: provision it first`,
  expected: what,
  actual: null,
});

export const identityProviderCheck: FederationCheck = {
  id: 'identity-provider',
  async run(context) {
    const { userPoolId, identityProviderName } = context.target;
    if (!userPoolId) return notProvisioned('user pool');
    const provider = await context.identityProvider();
    if (!provider) {
      return {
        status: 'fail',
        reason: 'IDENTITY_PROVIDER_MISSING',
        message: `user pool ${userPoolId} has no identity provider named ${identityProviderName}: run provisioning again to create it`,
        expected: identityProviderName,
        actual: null,
      };
    }
    if (provider.ProviderType !== 'OIDC') {
      return {
        status: 'fail',
        reason: 'IDENTITY_PROVIDER_MISSING',
        message: `identity provider ${identityProviderName} in ${userPoolId} is a ${provider.ProviderType} provider, not OIDC`,
        expected: 'OIDC',
        actual: provider.ProviderType ?? null,
      };
    }
    return pass(`user pool ${userPoolId} has the OIDC identity provider ${identityProviderName}`);
  },
};

export const discoveryCheck: FederationCheck = {
  id: 'discovery',
  async run(context) {
    const result = await context.discovery();
    if (!result.ok) {
      return {
        status: 'fail',
        reason: result.reason,
        message:
          result.reason === 'ISSUER_HOST_MISMATCH'
            ? `${result.message}: check the recorded issuer against authentik.baseUrl`
            : `${result.message}; Cognito reads it to sign users in, so check that Authentik is up and the application ${context.spec.authentik.applicationSlug} exists`,
        expected: 'a reachable discovery document',
        actual: result.url ?? context.target.issuer,
      };
    }
    if (typeof result.document.issuer !== 'string') {
      return {
        status: 'fail',
        reason: 'DISCOVERY_UNREACHABLE',
        message: `the discovery document at ${result.url} has no issuer`,
        expected: 'an issuer',
        actual: null,
      };
    }
    return pass(`Authentik serves the discovery document at ${result.url}`);
  },
};

export const issuerCheck: FederationCheck = {
  id: 'issuer',
  needs: ['identity-provider', 'discovery'],
  async run(context) {
    const result = await context.discovery();
    const provider = await context.identityProvider();
    const published = result.ok ? String(result.document.issuer) : '';
    const configured = provider?.ProviderDetails?.oidc_issuer;
    if (configured === published) {
      return pass(`Cognito's oidc_issuer is exactly the issuer Authentik publishes (${published})`);
    }
    const slashOnly =
      configured !== undefined && configured.replace(/\/+$/, '') === published.replace(/\/+$/, '');
    return {
      status: 'fail',
      reason: 'ISSUER_MISMATCH',
      message:
        `identity provider ${context.target.identityProviderName} has oidc_issuer "${configured ?? ''}", ` +
        `but Authentik publishes "${published}"` +
        (slashOnly ? ': they differ in the trailing slash, which Cognito does not forgive' : '') +
        '; run provisioning again to set the issuer Authentik publishes',
      expected: published,
      actual: configured ?? null,
    };
  },
};

export const appClientCheck: FederationCheck = {
  id: 'app-client',
  async run(context) {
    const { userPoolId, appClientId, identityProviderName } = context.target;
    if (!userPoolId || !appClientId) return notProvisioned('app client');
    const client = await context.appClient();
    if (!client) {
      return {
        status: 'fail',
        reason: 'APP_CLIENT_MISSING',
        message: `app client ${appClientId} does not exist in user pool ${userPoolId}`,
        expected: appClientId,
        actual: null,
      };
    }
    const listed = client.SupportedIdentityProviders ?? [];
    const expected = [COGNITO_PROVIDER, identityProviderName];
    if (!listed.includes(identityProviderName)) {
      return {
        status: 'fail',
        reason: 'IDP_NOT_ENABLED',
        message: `app client ${appClientId} does not list the identity provider ${identityProviderName}, so the hosted UI cannot send users to Authentik; run provisioning again to enable it`,
        expected,
        actual: listed,
      };
    }
    if (!listed.includes(COGNITO_PROVIDER)) {
      return {
        status: 'fail',
        reason: 'COGNITO_NOT_ENABLED',
        message: `app client ${appClientId} no longer lists COGNITO, so the pool's own users cannot sign in; add it back`,
        expected,
        actual: listed,
      };
    }
    return pass(`app client ${appClientId} lists ${identityProviderName} and COGNITO`);
  },
};

/** The guide's login URL, or the failing answer saying why it cannot be built. */
export async function loginUrlOf(context: CheckContext): Promise<{ url: string } | CheckAnswer> {
  const client = await context.appClient();
  const { domain, appClientId, identityProviderName } = context.target;
  if (!domain) return notProvisioned('user pool domain');
  if (!client || !appClientId) return notProvisioned('app client');
  if (
    client.AllowedOAuthFlowsUserPoolClient !== true ||
    !(client.AllowedOAuthFlows ?? []).includes('code') ||
    !(client.AllowedOAuthScopes ?? []).includes('openid')
  ) {
    return {
      status: 'fail',
      reason: 'OAUTH_NOT_CONFIGURED',
      message: `app client ${appClientId} does not allow the authorization code flow with the openid scope, which the hosted UI login needs`,
      expected: { AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], scope: 'openid' },
      actual: {
        AllowedOAuthFlowsUserPoolClient: client.AllowedOAuthFlowsUserPoolClient ?? false,
        AllowedOAuthFlows: client.AllowedOAuthFlows ?? [],
        AllowedOAuthScopes: client.AllowedOAuthScopes ?? [],
      },
    };
  }
  const registered = client.CallbackURLs ?? [];
  // The spec's first callback the app client has, else the client's own first one.
  const callback = context.spec.cognito.callbackUrls.find((url) => registered.includes(url)) ?? registered[0];
  if (!callback) {
    return {
      status: 'fail',
      reason: 'CALLBACK_URL_MISSING',
      message: `app client ${appClientId} has no callback URL, so the hosted UI has nowhere to send users back to`,
      expected: 'a callback URL',
      actual: [],
    };
  }
  const allowed = client.AllowedOAuthScopes ?? [];
  return {
    url: hostedUiLoginUrl({
      domain,
      identityProviderName,
      redirectUri: callback,
      appClientId,
      scopes: LOGIN_SCOPES.filter((scope) => allowed.includes(scope)),
    }),
  };
}

export const loginUrlCheck: FederationCheck = {
  id: 'login-url',
  needs: ['app-client'],
  async run(context) {
    const built = await loginUrlOf(context);
    return 'url' in built ? pass(`open ${built.url} to sign in through Authentik`) : built;
  },
};

export function listsRedirectUri(uris: readonly RedirectUri[], wanted: string): boolean {
  return uris.some((uri) => {
    // Logout redirect URIs do not admit an authorization response.
    if (uri.redirect_uri_type === 'logout') return false;
    if (uri.matching_mode === 'strict') return uri.url === wanted;
    try {
      // Authentik matches regex redirect URIs against the whole URI (re.fullmatch).
      return new RegExp(`^(?:${uri.url})$`).test(wanted);
    } catch {
      return false;
    }
  });
}

export const redirectUriCheck: FederationCheck = {
  id: 'redirect-uri',
  async run(context) {
    const { redirectUri } = context.target;
    const name = context.spec.authentik.providerName;
    if (!redirectUri) return notProvisioned('user pool domain');
    const provider = await context.provider();
    if (!provider) {
      return {
        status: 'fail',
        reason: 'PROVIDER_MISSING',
        message: `Authentik has no OAuth2 provider "${name}" for this tenant: run provisioning again to create it`,
        expected: name,
        actual: null,
      };
    }
    const uris = provider.redirect_uris ?? [];
    if (!listsRedirectUri(uris, redirectUri)) {
      return {
        status: 'fail',
        reason: 'REDIRECT_URI_MISSING',
        message: `Authentik provider "${provider.name}" does not allow the redirect URI ${redirectUri}, so Authentik refuses to send users back to Cognito; run provisioning again to add it`,
        expected: redirectUri,
        actual: uris.map((uri) => uri.url),
      };
    }
    return pass(`Authentik provider "${provider.name}" allows the redirect URI ${redirectUri}`);
  },
};

export const hostedUiLoginCheck: FederationCheck = {
  id: 'hosted-ui-login',
  async run() {
    return {
      status: 'not-applicable',
      reason: 'NOT_AUTOMATED',
      message:
        "the sign-in through Cognito's hosted UI (authorize → Authentik → idpresponse → token) is not automated yet: open the login URL to try it",
    };
  },
};

/** Every check of a verification, in reading order. */
export const federationChecks: readonly FederationCheck[] = [
  identityProviderCheck,
  discoveryCheck,
  issuerCheck,
  appClientCheck,
  managedLoginCheck,
  loginUrlCheck,
  redirectUriCheck,
  testLoginCheck,
  hostedUiLoginCheck,
];
