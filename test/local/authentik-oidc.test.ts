// The emulator's OIDC endpoints, driven by a relying party built on openid-client and a headless
// login through the flow executor, over a loopback server with an in-memory backend.
import { createPublicKey, verify } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';
import { localDeployment } from '#lib/authentik-address.ts';
import type { OidcProvider } from '#local/authentik/backend.ts';
import {
  type FakeAuthentik,
  IMPLICIT_CONSENT_FLOW,
  startFakeAuthentik,
} from '../support/fake-authentik-backend.ts';

const CALLBACK = 'https://tenant-a.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const ALICE = { username: 'alice', password: 'correct horse battery staple', email: 'alice@example.com' };
const MALLORY = { username: 'mallory', password: 'another long password', email: 'mallory@example.com' };

let authentik: FakeAuthentik;
let explicit: OidcProvider;
let implicit: OidcProvider;
let guarded: OidcProvider;

beforeAll(async () => {
  authentik = await startFakeAuthentik();
  const { backend } = authentik;
  backend.addUser({ ...ALICE, name: 'Alice Example', groups: ['cognito-users'] });
  backend.addUser({ ...MALLORY, name: 'Mallory Example', groups: [] });
  explicit = backend.addApplication({
    slug: 'tenant-a',
    redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
  }).provider;
  implicit = backend.addApplication({
    slug: 'tenant-b',
    redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
    authorizationFlowSlug: IMPLICIT_CONSENT_FLOW,
  }).provider;
  guarded = backend.addApplication({
    slug: 'tenant-c',
    redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
    requiredGroup: 'cognito-users',
  }).provider;
});

afterAll(async () => {
  await authentik?.close();
});

function issuerOf(slug: string): URL {
  return new URL(`${authentik.baseUrl}/application/o/${slug}/`);
}

async function relyingParty(slug: string, provider: OidcProvider, auth: 'basic' | 'post') {
  const method =
    auth === 'basic'
      ? oidc.ClientSecretBasic(provider.clientSecret)
      : oidc.ClientSecretPost(provider.clientSecret);
  return oidc.discovery(issuerOf(slug), provider.clientId, undefined, method, {
    execute: [oidc.allowInsecureRequests],
  });
}

async function signIn(
  config: oidc.Configuration,
  user: { username: string; password: string },
  redirectUri = CALLBACK,
) {
  const checks = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
  };
  const authorizeUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state: checks.state,
    nonce: checks.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(checks.verifier),
    code_challenge_method: 'S256',
  });
  const callback = await headlessLogin({
    deployment: localDeployment,
    baseUrl: authentik.baseUrl,
    authorizeUrl: authorizeUrl.href,
    username: user.username,
    password: user.password,
    redirectUri,
  });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    pkceCodeVerifier: checks.verifier,
  });
  return { callback, tokens, authorizeUrl };
}

/** Verifies a compact JWS against the issuer's JWKS by hand, so the test does not trust the RP library. */
async function verifyAgainstJwks(jwt: string, jwksUri: string): Promise<{ header: Record<string, unknown> }> {
  const [headerPart = '', payloadPart = '', signaturePart = ''] = jwt.split('.');
  const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as Record<string, unknown>;
  const jwks = (await (await fetch(jwksUri)).json()) as {
    keys: (Record<string, unknown> & { kid: string })[];
  };
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  expect(jwk, 'the ID token names a key of the JWKS').toBeDefined();
  expect(jwk).not.toHaveProperty('d');
  const valid = verify(
    'sha256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    createPublicKey({ key: jwk as never, format: 'jwk' }),
    Buffer.from(signaturePart, 'base64url'),
  );
  expect(valid).toBe(true);
  return { header };
}

describe('discovery', () => {
  it('serves each application its own issuer with the global endpoints, as Authentik lays them out', async () => {
    const config = await relyingParty('tenant-a', explicit, 'basic');
    const metadata = config.serverMetadata();
    const base = authentik.baseUrl;
    expect(metadata.issuer).toBe(`${base}/application/o/tenant-a/`);
    expect(metadata.authorization_endpoint).toBe(`${base}/application/o/authorize/`);
    expect(metadata.token_endpoint).toBe(`${base}/application/o/token/`);
    expect(metadata.userinfo_endpoint).toBe(`${base}/application/o/userinfo/`);
    expect(metadata.jwks_uri).toBe(`${base}/application/o/tenant-a/jwks/`);
    expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
  });

  it('answers 404 for an issuer without the trailing slash and for an unknown application', async () => {
    const noSlash = await fetch(
      `${authentik.baseUrl}/application/o/tenant-a.well-known/openid-configuration`,
    );
    expect(noSlash.status).toBe(404);
    const unknown = await fetch(`${authentik.baseUrl}/application/o/nobody/.well-known/openid-configuration`);
    expect(unknown.status).toBe(404);
  });
});

describe('authorization code flow', () => {
  it('issues an RS256 ID token with the email claim after a headless login with explicit consent (client_secret_basic)', async () => {
    const config = await relyingParty('tenant-a', explicit, 'basic');
    const { callback, tokens } = await signIn(config, ALICE);
    expect(callback.startsWith(`${CALLBACK}?`)).toBe(true);

    const { header } = await verifyAgainstJwks(tokens.id_token ?? '', config.serverMetadata().jwks_uri ?? '');
    expect(header.alg).toBe('RS256');
    const claims = tokens.claims();
    expect(claims?.iss).toBe(issuerOf('tenant-a').href);
    expect(claims?.aud).toBe(explicit.clientId);
    expect(claims?.email).toBe(ALICE.email);
    expect(claims?.email_verified).toBe(false);
    expect(claims?.preferred_username).toBe('alice');
    expect(typeof claims?.auth_time).toBe('number');
    expect(claims?.acr).toBe('goauthentik.io/providers/oauth2/default');
    expect(claims?.amr).toEqual(['pwd']);

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(userinfo).toMatchObject({ email: ALICE.email, email_verified: false, groups: ['cognito-users'] });
  });

  it('accepts client_secret_post at the token endpoint, and implicit consent goes straight to the code', async () => {
    const config = await relyingParty('tenant-b', implicit, 'post');
    const { tokens } = await signIn(config, ALICE);
    expect(tokens.claims()?.email).toBe(ALICE.email);
    expect(tokens.claims()?.aud).toBe(implicit.clientId);
  });

  it('refuses a wrong client secret at the token endpoint', async () => {
    const good = await relyingParty('tenant-a', explicit, 'basic');
    const code = new URL(
      await headlessLogin({
        deployment: localDeployment,
        baseUrl: authentik.baseUrl,
        authorizeUrl: oidc.buildAuthorizationUrl(good, {
          redirect_uri: CALLBACK,
          scope: 'openid email',
          state: 's',
        }).href,
        ...ALICE,
        redirectUri: CALLBACK,
      }),
    ).searchParams.get('code');
    const response = await fetch(`${authentik.baseUrl}/application/o/token/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${explicit.clientId}:wrong-secret`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: CALLBACK,
      }),
    });
    // TokenView.post answers every TokenError with HTTP 400 (authentik/providers/oauth2/views/token.py).
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    expect(code).toBeTruthy();
  });

  it('sends a visitor without a session to the authentication flow, with the authorization request as next', async () => {
    const config = await relyingParty('tenant-a', explicit, 'basic');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email',
      state: 'xyz',
    });
    const response = await fetch(url, { redirect: 'manual' });
    expect([302, 303]).toContain(response.status);
    const location = new URL(response.headers.get('location') ?? '', authentik.baseUrl);
    expect(location.pathname).toBe('/flows/-/default/authentication/');
    const next = location.searchParams.get('next') ?? '';
    expect(next.startsWith('/application/o/authorize/?')).toBe(true);
    expect(new URLSearchParams(next.split('?')[1]).get('client_id')).toBe(explicit.clientId);
  });
});

describe('refusals', () => {
  it('refuses a redirect URI that is not registered with an error page, never redirecting to it', async () => {
    const config = await relyingParty('tenant-a', explicit, 'basic');
    const evil = 'https://evil.example.com/oauth2/idpresponse';
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: evil, scope: 'openid email', state: 's' });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Redirect URI Error');

    // A strict rule is exact: a trailing slash is another URI.
    const slash = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${CALLBACK}/`,
      scope: 'openid',
      state: 's',
    });
    expect((await fetch(slash, { redirect: 'manual' })).status).toBe(400);
  });

  it('refuses a user outside the application policy after login with the access-denied page', async () => {
    const config = await relyingParty('tenant-c', guarded, 'basic');
    const error = await signIn(config, MALLORY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeadlessLoginError);
    expect((error as HeadlessLoginError).reason).toBe('access_denied');
    // The member of the group passes the same policy.
    const { tokens } = await signIn(config, ALICE);
    expect(tokens.claims()?.email).toBe(ALICE.email);
  });

  it('reports a wrong password as invalid credentials, without the password in the message', async () => {
    const config = await relyingParty('tenant-a', explicit, 'basic');
    const error = await signIn(config, { username: 'alice', password: 'not-the-password' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HeadlessLoginError);
    expect((error as HeadlessLoginError).reason).toBe('invalid_credentials');
    expect((error as Error).message).toContain('Invalid password');
    expect((error as Error).message).not.toContain('not-the-password');
  });

  it('refuses an unknown client_id with a client error page', async () => {
    const authorizeUrl = `${authentik.baseUrl}/application/o/authorize/?client_id=nobody&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code&scope=openid`;
    const response = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Client ID Error');
    const error = await headlessLogin({
      deployment: localDeployment,
      baseUrl: authentik.baseUrl,
      authorizeUrl,
      ...ALICE,
    }).catch((e: unknown) => e);
    expect((error as HeadlessLoginError).reason).toBe('client_rejected');
  });

  it('refuses userinfo without a known access token', async () => {
    const response = await fetch(`${authentik.baseUrl}/application/o/userinfo/`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(401);
  });
});

describe('provider changes', () => {
  it('follows a provider whose redirect URIs change, and matches regex rules as Authentik does', async () => {
    const { provider } = authentik.backend.addApplication({
      slug: 'tenant-d',
      redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
    });
    const before = await relyingParty('tenant-d', provider, 'basic');
    const other = 'https://tenant-d.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
    const refused = oidc.buildAuthorizationUrl(before, { redirect_uri: other, scope: 'openid', state: 's' });
    expect((await fetch(refused, { redirect: 'manual' })).status).toBe(400);

    authentik.backend.updateProvider(provider.pk, {
      redirectUris: [
        {
          matching_mode: 'regex',
          url: 'https://tenant-[a-z]\\.auth\\.eu-west-1\\.amazoncognito\\.com/oauth2/idpresponse',
        },
      ],
    });
    const after = await relyingParty('tenant-d', provider, 'basic');
    const { tokens } = await signIn(after, ALICE, other);
    expect(tokens.claims()?.email).toBe(ALICE.email);
    // The regex must match the whole URI.
    const partial = oidc.buildAuthorizationUrl(after, {
      redirect_uri: `${other}/extra`,
      scope: 'openid',
      state: 's',
    });
    expect((await fetch(partial, { redirect: 'manual' })).status).toBe(400);
  });

  it('signs HS256 with the client secret when the provider has no signing key, as Authentik does', async () => {
    const { provider } = authentik.backend.addApplication({
      slug: 'tenant-e',
      redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
      authorizationFlowSlug: IMPLICIT_CONSENT_FLOW,
      signed: false,
    });
    const config = await relyingParty('tenant-e', provider, 'basic');
    const { tokens } = await signIn(config, ALICE);
    const header = JSON.parse(
      Buffer.from((tokens.id_token ?? '').split('.')[0] ?? '', 'base64url').toString(),
    );
    expect(header.alg).toBe('HS256');
  });
});
