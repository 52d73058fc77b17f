// The local hosted UI's endpoints on their own, against a provisioned tenant: what they answer to a
// good sign-in (Cognito-shaped tokens, the pool's key set, userInfo, refresh) and to each bad
// request, as the Cognito developer guide's endpoint pages describe (sources in local/hosted-ui/).
// The sign-in at Authentik is the product's headless login.
import { createHash } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { headlessLogin } from '#lib/authentik/headless-login.ts';
import type { Resources } from '#lib/step.ts';
import { status, testUser } from '../../bin/commands.ts';
import { localHandlers } from '../../local/handlers.ts';
import { decodeJwt, signatureHolds } from '../../local/hosted-ui/jwt.ts';
import { runStateMachine } from '../../local/runner.ts';
import type { LocalSession } from '../../local/session.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const TENANT = 'hui-acme';
const CALLBACK = 'https://hui-acme.app.example/callback';
let resources: Resources;
let domain: string;
let base: string;
let username: string;
let password: string;
let email: string;

beforeAll(async () => {
  const handlers = await localHandlers(fixture.clients);
  const result = await runStateMachine('provision-tenant', await fixture.tenant(TENANT), { handlers });
  if (result.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${result.cause}`);
  const record = await fixture.clients.registry.get(TENANT);
  if (!record) throw new Error('not registered');
  resources = record.resources;
  domain = new URL(resources.loginUrl as string).host;
  base = `${fixture.world.endpoints.hostedUi}/${domain}`;
  const testUser = (record.spec as { authentik: { testUser: { username: string; email: string } } }).authentik
    .testUser;
  email = testUser.email;
  const stored = await fixture.clients.secrets.send(
    new GetSecretValueCommand({ SecretId: resources.testUserPasswordSecretArn }),
  );
  ({ username = testUser.username, password } = JSON.parse(stored.SecretString ?? '{}'));
}, 120_000);

function authorizeUrl(overrides: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    identity_provider: resources.identityProviderName,
    redirect_uri: CALLBACK,
    response_type: 'code',
    client_id: resources.appClientId,
    scope: 'openid email',
    state: 'app-state',
    ...overrides,
  };
  const url = new URL(`${base}/oauth2/authorize`);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}

const get = (url: string) => fetch(url, { redirect: 'manual' });
const locationOf = (response: Response) => new URL(response.headers.get('location') ?? '');

/** authorize → Authentik (headless) → idpresponse; the app's callback URL Cognito answers with. */
async function signIn(overrides: Record<string, string | undefined> = {}): Promise<URL> {
  const toAuthentik = await get(authorizeUrl(overrides));
  expect(toAuthentik.status).toBe(302);
  const idpresponse = await headlessLogin({
    baseUrl: fixture.world.endpoints.authentik,
    authorizeUrl: locationOf(toAuthentik).href,
    username,
    password,
    redirectUri: `https://${domain}/oauth2/idpresponse`,
    fetch,
  });
  const onLocal = new URL(idpresponse);
  const back = await get(`${base}${onLocal.pathname}${onLocal.search}`);
  expect(back.status).toBe(302);
  return locationOf(back);
}

const token = (form: Record<string, string>) =>
  fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

describe('federation status in the local world', () => {
  it('carries localLoginUrl: the guide’s test URL on the local hosted UI, which sends the browser to Authentik', async () => {
    const session = { clients: fixture.clients, endpoints: fixture.world.endpoints } as LocalSession;
    const shown = await status(session, TENANT);
    const login = new URL(resources.loginUrl as string);
    expect(shown.localLoginUrl).toBe(`${base}${login.pathname}${login.search}`);
    const response = await get(shown.localLoginUrl as string);
    expect(response.status).toBe(302);
    expect(locationOf(response).origin).toBe(fixture.world.endpoints.authentik);
  });

  it('test-user: the credentials a person signs in with, read from the world’s Secrets Manager', async () => {
    const session = { clients: fixture.clients, endpoints: fixture.world.endpoints } as LocalSession;
    expect(await testUser(session, TENANT)).toMatchObject({
      username,
      password,
      email,
      secretArn: resources.testUserPasswordSecretArn,
    });
    await expect(testUser(session, 'nobody')).rejects.toThrow(/nobody/);
  });
});

describe('/oauth2/authorize', () => {
  it("sends the browser to Authentik's discovered authorize URL with Cognito's idpresponse URL", async () => {
    const response = await get(authorizeUrl());
    expect(response.status).toBe(302);
    const to = locationOf(response);
    expect(`${to.origin}${to.pathname}`).toBe(
      `${fixture.world.endpoints.authentik}/application/o/authorize/`,
    );
    expect(to.searchParams.get('redirect_uri')).toBe(`https://${domain}/oauth2/idpresponse`);
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('state')).not.toBe('app-state');
    expect(to.searchParams.get('nonce')).toBeTruthy();
  });

  it('a redirect_uri that is not a callback URL of the client: an error page, not a redirect', async () => {
    const response = await get(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('redirect_mismatch');
  });

  it('an unknown client: an error page', async () => {
    const response = await get(authorizeUrl({ client_id: 'nosuchclient' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it.each([
    [{ scope: 'openid aws.cognito.signin.user.admin' }, 'invalid_scope'],
    [{ response_type: 'id_token' }, 'unsupported_response_type'],
    [{ code_challenge: 'abc', code_challenge_method: 'plain' }, 'invalid_request'],
    [{ identity_provider: 'nobody' }, 'invalid_request'],
  ])('%j: back to the callback with error=%s and the app state', async (overrides, error) => {
    const response = await get(authorizeUrl(overrides));
    expect(response.status).toBe(302);
    const to = locationOf(response);
    expect(`${to.origin}${to.pathname}`).toBe(CALLBACK);
    expect(to.searchParams.get('error')).toBe(error);
    expect(to.searchParams.get('state')).toBe('app-state');
  });

  it('an unknown domain: 404', async () => {
    const response = await get(
      `${fixture.world.endpoints.hostedUi}/nobody.auth.us-east-1.amazoncognito.com/oauth2/authorize`,
    );
    expect(response.status).toBe(404);
  });
});

describe('/oauth2/idpresponse', () => {
  it('a state no sign-in is waiting for: an error page', async () => {
    const response = await get(`${base}/oauth2/idpresponse?code=x&state=unknown`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it("an error from the IdP goes back to the app's callback with the provider's name", async () => {
    const toAuthentik = locationOf(await get(authorizeUrl()));
    const state = toAuthentik.searchParams.get('state') ?? '';
    const back = await get(`${base}/oauth2/idpresponse?error=access_denied&state=${state}`);
    const to = locationOf(back);
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('error_description')).toContain(resources.identityProviderName as string);
    expect(to.searchParams.get('state')).toBe('app-state');
  });
});

describe('a sign-in, and the tokens Cognito hands out', () => {
  it('code → tokens shaped like Cognito’s, signed with the pool’s key set; userInfo; refresh', async () => {
    const verifier = 'a-verifier-of-at-least-forty-three-characters-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const callback = await signIn({ code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-1' });
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('app-state');
    const code = callback.searchParams.get('code') ?? '';

    const common = { grant_type: 'authorization_code', client_id: resources.appClientId as string, code };
    // A wrong verifier spends the code: it is good once, whatever the outcome.
    const wrong = await token({ ...common, redirect_uri: CALLBACK, code_verifier: 'wrong' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant' });
    const again = await token({ ...common, redirect_uri: CALLBACK, code_verifier: verifier });
    expect(await again.json()).toEqual({ error: 'invalid_grant' });

    const second = await signIn({ code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-2' });
    const code2 = second.searchParams.get('code') ?? '';
    const mismatch = await token({
      ...common,
      code: code2,
      redirect_uri: 'https://other.example/cb',
      code_verifier: verifier,
    });
    expect(await mismatch.json()).toEqual({ error: 'invalid_grant' });

    const third = await signIn({ code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-3' });
    const ok = await token({
      ...common,
      code: third.searchParams.get('code') ?? '',
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const tokens = (await ok.json()) as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const id = decodeJwt(tokens.id_token ?? '');
    const access = decodeJwt(tokens.access_token ?? '');
    const issuer = `https://cognito-idp.us-east-1.amazonaws.com/${resources.userPoolId}`;
    expect(id?.payload).toMatchObject({
      iss: issuer,
      aud: resources.appClientId,
      token_use: 'id',
      email,
      nonce: 'n-3',
      'cognito:username': expect.stringMatching(`^${resources.identityProviderName}_.+`),
      identities: [
        expect.objectContaining({
          providerName: resources.identityProviderName,
          providerType: 'OIDC',
          primary: 'true',
        }),
      ],
    });
    expect(access?.payload).toMatchObject({
      iss: issuer,
      client_id: resources.appClientId,
      token_use: 'access',
      scope: 'openid email',
    });
    const jwks = (await (
      await fetch(`${fixture.world.endpoints.hostedUi}/${resources.userPoolId}/.well-known/jwks.json`)
    ).json()) as {
      keys: { kid: string; alg: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ alg: 'RS256', kid: id?.header.kid });
    expect(id && signatureHolds(id, jwks.keys, '')).toBe(true);

    const info = await fetch(`${base}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ email, sub: id?.payload.sub });
    const refused = await fetch(`${base}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${tokens.id_token}` },
    });
    expect(refused.status).toBe(401);

    const refreshed = await token({
      grant_type: 'refresh_token',
      client_id: resources.appClientId as string,
      refresh_token: tokens.refresh_token ?? '',
    });
    const renewed = (await refreshed.json()) as Record<string, string>;
    expect(refreshed.status).toBe(200);
    expect(renewed.refresh_token).toBeUndefined();
    expect(decodeJwt(renewed.id_token ?? '')?.payload).toMatchObject({ email, token_use: 'id' });
    const badRefresh = await token({
      grant_type: 'refresh_token',
      client_id: resources.appClientId as string,
      refresh_token: 'nope',
    });
    expect(await badRefresh.json()).toEqual({ error: 'invalid_grant' });
  });

  it('the token endpoint: an unknown client is invalid_client, an unknown grant unsupported_grant_type', async () => {
    expect(
      await (await token({ grant_type: 'authorization_code', client_id: 'nosuch', code: 'x' })).json(),
    ).toEqual({
      error: 'invalid_client',
    });
    expect(
      await (await token({ grant_type: 'password', client_id: resources.appClientId as string })).json(),
    ).toEqual({
      error: 'unsupported_grant_type',
    });
  });
});
