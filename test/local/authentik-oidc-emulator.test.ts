// The relying-party flow against the whole emulator: the guide's Authentik steps through its REST
// API (group, user with password, provider, application, group-membership policy), then discovery,
// a headless login as the test user, the code exchange and an RS256 ID token with the email claim.
import { createPublicKey, verify } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';
import { localDeployment } from '#lib/authentik-address.ts';
import { type AuthentikEmulator, startAuthentikEmulator } from '#local/authentik/server.ts';

const CALLBACK = 'https://tenant-a.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const MEMBER = {
  username: 'cognito-test-user',
  password: 'Xq7-generated-password-1',
  email: 'test@example.com',
};
const OUTSIDER = {
  username: 'outsider',
  password: 'Xq7-generated-password-2',
  email: 'outsider@example.com',
};

let emulator: AuthentikEmulator;
let client: { clientId: string; clientSecret: string };

type Json = Record<string, unknown>;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${emulator.url}/api/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${emulator.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

async function created(path: string, body: unknown): Promise<Json> {
  const answer = await api('POST', path, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

async function onlyResult(path: string): Promise<Json> {
  const answer = await api('GET', path);
  expect(answer.status).toBe(200);
  const results = answer.body.results as Json[];
  expect(results).toHaveLength(1);
  return results[0] as Json;
}

async function userWithPassword(user: typeof MEMBER, groups: string[]): Promise<void> {
  const { pk } = await created('/core/users/', {
    username: user.username,
    name: user.username,
    email: user.email,
    groups,
    path: 'users',
    type: 'internal',
  });
  const answer = await api('POST', `/core/users/${pk}/set_password/`, { password: user.password });
  expect(answer.status).toBe(204);
}

beforeAll(async () => {
  emulator = await startAuthentikEmulator({ log: () => {} });
  const flow = await onlyResult('/flows/instances/?slug=default-provider-authorization-explicit-consent');
  const invalidation = await onlyResult('/flows/instances/?slug=default-provider-invalidation-flow');
  const key = await onlyResult(
    `/crypto/certificatekeypairs/?name=${encodeURIComponent('authentik Self-signed Certificate')}&has_key=true`,
  );
  const managed = ['openid', 'email', 'profile'].map(
    (s) => `managed=goauthentik.io/providers/oauth2/scope-${s}`,
  );
  const mappings = await api('GET', `/propertymappings/provider/scope/?${managed.join('&')}`);
  const scopes = (mappings.body.results as Json[]).map((m) => m.pk);
  expect(scopes).toHaveLength(3);

  const group = await created('/core/groups/', { name: 'cognito-users' });
  await userWithPassword(MEMBER, [String(group.pk)]);
  await userWithPassword(OUTSIDER, []);

  const provider = await created('/providers/oauth2/', {
    name: 'cognito-tenant-a',
    authorization_flow: flow.pk,
    invalidation_flow: invalidation.pk,
    client_type: 'confidential',
    signing_key: key.pk,
    property_mappings: scopes,
    redirect_uris: [{ matching_mode: 'strict', url: CALLBACK }],
    sub_mode: 'hashed_user_id',
    issuer_mode: 'per_provider',
  });
  client = { clientId: String(provider.client_id), clientSecret: String(provider.client_secret) };
  const application = await created('/core/applications/', {
    name: 'Tenant A',
    slug: 'tenant-a',
    provider: provider.pk,
  });
  const policy = await created('/policies/expression/', {
    name: 'tenant-a-cognito-users',
    expression: 'return ak_is_group_member(request.user, name="cognito-users")',
  });
  await created('/policies/bindings/', {
    target: application.pk,
    policy: policy.pk,
    order: 0,
    enabled: true,
    negate: false,
    timeout: 30,
  });
});

afterAll(async () => {
  await emulator?.stop();
});

async function signIn(user: { username: string; password: string }) {
  const config = await oidc.discovery(
    new URL(`${emulator.url}/application/o/tenant-a/`),
    client.clientId,
    undefined,
    oidc.ClientSecretBasic(client.clientSecret),
    { execute: [oidc.allowInsecureRequests] },
  );
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorizeUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid email profile',
    state,
    nonce,
  });
  const callback = await headlessLogin({
    deployment: localDeployment,
    baseUrl: emulator.url,
    authorizeUrl: authorizeUrl.href,
    ...user,
    redirectUri: CALLBACK,
  });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
    expectedState: state,
    expectedNonce: nonce,
  });
  return { config, tokens };
}

describe('OIDC against the emulator', () => {
  it('logs the test user in and issues an RS256 ID token with the email claim, signed by the seeded key', async () => {
    const { config, tokens } = await signIn(MEMBER);
    const idToken = tokens.id_token ?? '';
    const [headerPart = '', payloadPart = '', signaturePart = ''] = idToken.split('.');
    const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as {
      alg: string;
      kid: string;
    };
    expect(header.alg).toBe('RS256');

    const jwks = (await (await fetch(config.serverMetadata().jwks_uri ?? '')).json()) as {
      keys: (Json & { kid: string })[];
    };
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    expect(jwk).toBeDefined();
    const signed = verify(
      'sha256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      createPublicKey({ key: jwk as never, format: 'jwk' }),
      Buffer.from(signaturePart, 'base64url'),
    );
    expect(signed).toBe(true);

    const claims = tokens.claims();
    expect(claims?.iss).toBe(`${emulator.url}/application/o/tenant-a/`);
    expect(claims?.email).toBe(MEMBER.email);
    expect(claims?.email_verified).toBe(false);
  });

  it('refuses a user outside the bound group policy', async () => {
    const error = await signIn(OUTSIDER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeadlessLoginError);
    expect((error as HeadlessLoginError).reason).toBe('access_denied');
  });

  it('never records a secret in the request log', () => {
    const logged = JSON.stringify(emulator.requests);
    for (const secret of [MEMBER.password, OUTSIDER.password, client.clientSecret, emulator.token]) {
      expect(logged).not.toContain(secret);
    }
  });
});
