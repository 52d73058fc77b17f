// Checks that hold the two sides against each other: the OIDC client Cognito holds against the one
// Authentik holds, the attribute mapping, every domain of the pool against Authentik's redirect
// URIs, and the test user against the application's access policy.
import { createHash, timingSafeEqual } from 'node:crypto';
import { checkApplicationAccess } from '#lib/authentik/applications.ts';
import { unlessNotFound } from '#lib/authentik/http-errors.ts';
import { prefixDomainHost, redirectUriFor, userPoolRegion } from '#lib/cognito.ts';
import { listsRedirectUri } from './checks.ts';
import { cognitoClient } from './token-endpoint.ts';
import type { CheckAnswer, CheckContext, FederationCheck } from './types.ts';

const blocked = (message: string): CheckAnswer => ({ status: 'not-applicable', reason: 'BLOCKED', message });

/** Equal values by their SHA-256 digests, so no value is ever compared (or shown) in the open. */
function sameDigest(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export const clientCredentialsCheck: FederationCheck = {
  id: 'client-credentials',
  needs: ['identity-provider'],
  async run(context) {
    const provider = await context.provider();
    if (!provider)
      return blocked('not checked: Authentik has no provider for this tenant (see redirect-uri)');
    const cognito = await cognitoClient(context);
    const name = context.target.identityProviderName;
    if (!cognito || !sameDigest(cognito.clientId, provider.client_id)) {
      return {
        status: 'fail',
        reason: 'CLIENT_ID_MISMATCH',
        message: `Cognito's identity provider ${name} holds another client id than Authentik's provider "${provider.name}": run provisioning again`,
        expected: provider.client_id,
        actual: cognito?.clientId ?? null,
      };
    }
    if (!sameDigest(cognito.clientSecret, provider.client_secret)) {
      return {
        status: 'fail',
        reason: 'SECRET_MISMATCH',
        message: `the client secret Cognito holds for ${name} is not the one Authentik's provider "${provider.name}" has (compared by SHA-256 digest): one side was rotated; run provisioning again to give Cognito the current one`,
        expected: "the provider's secret",
        actual: 'a different secret',
      };
    }
    return {
      status: 'pass',
      message: `Cognito and Authentik hold the same client id and secret (compared by SHA-256 digest)`,
    };
  },
};

export const attributeMappingCheck: FederationCheck = {
  id: 'attribute-mapping',
  needs: ['identity-provider'],
  async run(context) {
    const mapping = (await context.identityProvider())?.AttributeMapping ?? {};
    const wanted: Record<string, string> = { email: 'email', ...context.spec.cognito.attributeMapping };
    const wrong = Object.entries(wanted).filter(([attribute, claim]) => mapping[attribute] !== claim);
    if (wrong.length > 0) {
      return {
        status: 'fail',
        reason: 'ATTRIBUTE_MAPPING_CHANGED',
        message: `identity provider ${context.target.identityProviderName} no longer maps ${wrong.map(([a, c]) => `${c}→${a}`).join(', ')}; the pool requires email, so federated sign-ups fail: run provisioning again`,
        expected: wanted,
        actual: mapping,
      };
    }
    return {
      status: 'pass',
      message: `identity provider ${context.target.identityProviderName} maps ${Object.entries(wanted)
        .map(([a, c]) => `${c}→${a}`)
        .join(', ')}`,
    };
  },
};

/** `https://<host>/oauth2/idpresponse` for the prefix domain and the custom domain of the pool. */
export async function poolRedirectUris(context: CheckContext): Promise<string[] | undefined> {
  const pool = await context.userPool();
  const poolId = context.target.userPoolId;
  if (!pool || !poolId) return undefined;
  const hosts = [
    ...(pool.Domain ? [prefixDomainHost(pool.Domain, userPoolRegion(poolId))] : []),
    ...(pool.CustomDomain ? [pool.CustomDomain] : []),
  ];
  return hosts.map(redirectUriFor);
}

export const poolDomainsCheck: FederationCheck = {
  id: 'pool-domains',
  needs: ['redirect-uri'],
  async run(context) {
    const wanted = await poolRedirectUris(context);
    if (!wanted) return blocked('not checked: the user pool could not be described (see ensure-user-pool)');
    if (wanted.length === 0) {
      return {
        status: 'fail',
        reason: 'DOMAIN_CHANGED',
        message: `user pool ${context.target.userPoolId} has no domain, so it has no hosted UI to sign in through`,
        expected: 'a prefix or custom domain',
        actual: null,
      };
    }
    const uris = (await context.provider())?.redirect_uris ?? [];
    const missing = wanted.filter((uri) => !listsRedirectUri(uris, uri));
    if (missing.length > 0) {
      return {
        status: 'fail',
        reason: 'REDIRECT_URI_MISSING',
        message: `Authentik does not allow ${missing.join(' and ')}, so sign-ins through ${missing.length === 1 ? 'that domain' : 'those domains'} of the pool fail; add it to the provider's redirect URIs`,
        expected: wanted,
        actual: uris.map((uri) => uri.url),
      };
    }
    return { status: 'pass', message: `Authentik allows the idpresponse URL of every domain of the pool` };
  },
};

export const testUserCheck: FederationCheck = {
  id: 'test-user',
  async run(context) {
    const { username } = context.spec.authentik.testUser;
    const user = await context.testUser();
    if (!user) {
      return {
        status: 'fail',
        reason: 'TEST_USER_MISSING',
        message: `Authentik has no test user ${username}: run provisioning again to create it`,
        expected: username,
        actual: null,
      };
    }
    if (user.is_active !== true) {
      return {
        status: 'fail',
        reason: 'USER_DISABLED',
        message: `the test user ${username} is disabled in Authentik, so the sign-in cannot be tested: run provisioning again to re-activate it`,
        expected: { is_active: true },
        actual: { is_active: user.is_active ?? false },
      };
    }
    return { status: 'pass', message: `the test user ${username} exists and is active` };
  },
};

export const accessCheck: FederationCheck = {
  id: 'access',
  needs: ['test-user'],
  async run(context) {
    const user = await context.testUser();
    const slug = context.resources.applicationSlug ?? context.spec.authentik.applicationSlug;
    if (!user) return blocked('not checked: no test user');
    const result = await unlessNotFound(checkApplicationAccess(context.clients.authentik, slug, user.pk));
    if (!result) {
      return {
        status: 'fail',
        reason: 'APPLICATION_MISSING',
        message: `Authentik has no application ${slug}: run provisioning again to create it`,
        expected: slug,
        actual: null,
      };
    }
    if (!result.passing) {
      const why = (result.messages ?? []).join('; ');
      return {
        status: 'fail',
        reason: 'LOGIN_DENIED',
        message: `the access policy of ${slug} refuses the test user ${user.username}${why ? ` (${why})` : ''}: check the policy and its binding, or run provisioning again to restore them`,
        expected: { passing: true },
        actual: { passing: false },
      };
    }
    return { status: 'pass', message: `the access policy of ${slug} lets the test user ${user.username} in` };
  },
};
