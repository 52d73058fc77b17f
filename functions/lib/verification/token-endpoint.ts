// Authentik's token endpoint, asked as Cognito asks it: with the client id and secret Cognito holds
// for the identity provider (what a sign-in really sends), in the request body
// (client_secret_post). The secret goes into that one request body and nowhere else.
import { type AuthentikAnswer, jsonObject, requestAuthentik } from './authentik-http.ts';
import { listsRedirectUri } from './checks.ts';
import type { CheckAnswer, CheckContext, FederationCheck } from './types.ts';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The OIDC client Cognito holds (DescribeIdentityProvider's ProviderDetails), if complete. */
export async function cognitoClient(context: CheckContext): Promise<ClientCredentials | undefined> {
  const details = (await context.identityProvider())?.ProviderDetails ?? {};
  const { client_id: clientId, client_secret: clientSecret } = details;
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

export async function tokenRequest(
  context: CheckContext,
  credentials: ClientCredentials,
  code: string,
): Promise<{ url: string; answer: AuthentikAnswer } | { refused: string }> {
  const discovery = await context.discovery();
  const url = discovery.ok ? discovery.document.token_endpoint : undefined;
  if (typeof url !== 'string') return { refused: 'the discovery document names no token_endpoint' };
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: context.target.redirectUri ?? '',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
  const answer = await requestAuthentik(
    url,
    context.spec.authentik.baseUrl,
    {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    },
    {
      fetch: context.http,
      ...(context.clients.timeoutMs ? { timeoutMs: context.clients.timeoutMs } : {}),
    },
  );
  return { url, answer };
}

/** The OAuth error code of a token endpoint answer (`invalid_grant`, `invalid_client`, …). */
export function oauthError(body: string): string | undefined {
  const error = jsonObject(body)?.error;
  return typeof error === 'string' ? error : undefined;
}

/**
 * A code that cannot exist authenticates the client without signing anybody in: a server that
 * knows the client answers `invalid_grant` (the code), one that does not `invalid_client`.
 */
export const tokenEndpointCheck: FederationCheck = {
  id: 'token-endpoint',
  needs: ['identity-provider', 'discovery'],
  async run(context): Promise<CheckAnswer> {
    const credentials = await cognitoClient(context);
    if (!credentials) {
      return {
        status: 'fail',
        reason: 'SECRET_MISMATCH',
        message: `Cognito's identity provider ${context.target.identityProviderName} has no client_id or client_secret: run provisioning again to set them`,
        expected: 'client_id and client_secret',
        actual: 'missing',
      };
    }
    const sent = await tokenRequest(context, credentials, `not-a-code-${Date.now().toString(36)}`);
    if ('refused' in sent) {
      return { status: 'fail', reason: 'TOKEN_ENDPOINT_UNREACHABLE', message: sent.refused };
    }
    const { url, answer } = sent;
    if (!answer.ok) {
      return {
        status: 'fail',
        reason: 'TOKEN_ENDPOINT_UNREACHABLE',
        message: `the token endpoint ${url} ${answer.why}`,
      };
    }
    const error = oauthError(answer.body);
    if (error === 'invalid_grant') {
      return {
        status: 'pass',
        message: `Authentik's token endpoint accepts the client id and secret Cognito holds (it refused only the made-up code)`,
      };
    }
    if (error === 'invalid_client' || answer.status === 401) {
      // Authentik checks the redirect URI before the code and answers a mismatch with
      // invalid_client too (TokenParams.__check_redirect_uri, authentik/providers/oauth2/views/
      // token.py): when the provider no longer lists Cognito's idpresponse URL, that is the cause,
      // and a new secret would not help.
      const provider = await context.provider().catch(() => undefined);
      const redirectUri = context.target.redirectUri;
      if (provider && redirectUri && !listsRedirectUri(provider.redirect_uris ?? [], redirectUri)) {
        return {
          status: 'fail',
          reason: 'REDIRECT_URI_MISSING',
          message: `Authentik's token endpoint refuses the code exchange (invalid_client) because provider "${provider.name}" no longer allows the redirect URI ${redirectUri} Cognito sends; run provisioning again to add it`,
          expected: redirectUri,
          actual: (provider.redirect_uris ?? []).map((uri) => uri.url),
        };
      }
      return {
        status: 'fail',
        reason: 'CLIENT_CREDENTIALS_REJECTED',
        message: `Authentik's token endpoint refuses the client id and secret Cognito holds for ${context.target.identityProviderName} (invalid_client), so every sign-in fails at the code exchange; run provisioning again to give Cognito the provider's current secret`,
        expected: 'invalid_grant (client accepted)',
        actual: error ?? `HTTP ${answer.status}`,
      };
    }
    return {
      status: 'fail',
      reason: 'TOKEN_ENDPOINT_UNREACHABLE',
      message: `the token endpoint ${url} answered HTTP ${answer.status}${error ? ` (${error})` : ''} to a client-authenticated request`,
      expected: 'invalid_grant',
      actual: error ?? `HTTP ${answer.status}`,
    };
  },
};
