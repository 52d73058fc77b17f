// The emulator answers as the real Authentik does where the product depends on it, each behaviour
// checked against what Authentik's source says (the paths are beside each test): absolute URLs
// from the request's Host and X-Forwarded-Proto, the real error pages, the token endpoint's order
// of checks, Authentik's own discovery document and key set, the flow executor's CSRF check, JSON
// only and case-insensitive identification, the explicit-consent flow's expiring consent, claims
// from the provider's own scope mappings and email_verified per release.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';
import { localDeployment } from '#lib/authentik-address.ts';
import { contractFor } from '#local/authentik/contract.ts';
import { checkAnswer } from '#local/authentik/contract-answers.ts';
import { type AuthentikEmulator, startAuthentikEmulator } from '#local/authentik/server.ts';
import { startWorld } from '#local/world.ts';

const CALLBACK = 'https://tenant-r.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const MEMBER = { username: 'Real-User', password: 'Xq7-generated-password-9', email: 'real@example.com' };

type Json = Record<string, unknown>;

interface Tenant {
  slug: string;
  clientId: string;
  clientSecret: string;
  providerPk: number;
}

async function api(emulator: AuthentikEmulator, method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}/api/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${emulator.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json };
}

async function first(emulator: AuthentikEmulator, path: string): Promise<Json> {
  const answer = await api(emulator, 'GET', path);
  return (answer.body.results as Json[])[0] as Json;
}

/** A provider and application through the REST API, as the product makes them. */
async function tenant(
  emulator: AuthentikEmulator,
  slug: string,
  options: { signingKey?: boolean; scopes?: string[]; flow?: string } = {},
): Promise<Tenant> {
  const flow = await first(
    emulator,
    `/flows/instances/?slug=${options.flow ?? 'default-provider-authorization-explicit-consent'}`,
  );
  const invalidation = await first(emulator, '/flows/instances/?slug=default-provider-invalidation-flow');
  const key = await first(emulator, '/crypto/certificatekeypairs/?has_key=true');
  const managed = (options.scopes ?? ['openid', 'email', 'profile'])
    .map((s) => `managed=goauthentik.io/providers/oauth2/scope-${s}`)
    .join('&');
  const scopes = (
    (await api(emulator, 'GET', `/propertymappings/provider/scope/?${managed}`)).body.results as Json[]
  ).map((m) => m.pk);
  const provider = await api(emulator, 'POST', '/providers/oauth2/', {
    name: `provider-${slug}`,
    authorization_flow: flow.pk,
    invalidation_flow: invalidation.pk,
    client_type: 'confidential',
    signing_key: options.signingKey === false ? null : key.pk,
    property_mappings: scopes,
    redirect_uris: [{ matching_mode: 'strict', url: CALLBACK }],
    sub_mode: 'hashed_user_id',
    issuer_mode: 'per_provider',
  });
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
  const app = await api(emulator, 'POST', '/core/applications/', {
    name: slug,
    slug,
    provider: provider.body.pk,
  });
  expect(app.status).toBe(201);
  return {
    slug,
    clientId: String(provider.body.client_id),
    clientSecret: String(provider.body.client_secret),
    providerPk: Number(provider.body.pk),
  };
}

async function addUser(emulator: AuthentikEmulator): Promise<void> {
  const user = await api(emulator, 'POST', '/core/users/', {
    username: MEMBER.username,
    name: MEMBER.username,
    email: MEMBER.email,
    path: 'users',
    type: 'internal',
  });
  expect(user.status).toBe(201);
  await api(emulator, 'POST', `/core/users/${user.body.pk}/set_password/`, { password: MEMBER.password });
}

function authorizeUrl(emulator: AuthentikEmulator, clientId: string, redirectUri = CALLBACK): string {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: 'st',
  });
  return `${emulator.url}/application/o/authorize/?${query}`;
}

function token(emulator: AuthentikEmulator, form: Record<string, string>) {
  return fetch(`${emulator.url}/application/o/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

/** A GET with the Host header of our choosing (fetch does not let a caller set it). */
function getWithHost(url: string, headers: Record<string, string>): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json));
    });
    req.on('error', reject);
    req.end();
  });
}

const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];
const headingOf = (html: string) => /<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1];

let emulator: AuthentikEmulator;
let signed: Tenant;

beforeAll(async () => {
  emulator = await startAuthentikEmulator({ log: () => {} });
  signed = await tenant(emulator, 'tenant-r');
  await tenant(emulator, 'tenant-hs', { signingKey: false });
  await addUser(emulator);
});

afterAll(async () => {
  await emulator?.stop();
});

describe('behind a reverse proxy (authentik/root/settings.py, docs: install-config/reverse-proxy)', () => {
  it('builds the issuer and every endpoint from Host and X-Forwarded-Proto', async () => {
    const headers = { host: 'auth.example.test:8443', 'x-forwarded-proto': 'https' };
    const discovery = `${emulator.url}/application/o/tenant-r/.well-known/openid-configuration`;
    const document = await getWithHost(discovery, headers);
    expect(document.issuer).toBe('https://auth.example.test:8443/application/o/tenant-r/');
    expect(document.token_endpoint).toBe('https://auth.example.test:8443/application/o/token/');
    expect(document.jwks_uri).toBe('https://auth.example.test:8443/application/o/tenant-r/jwks/');
    const setup = await getWithHost(
      `${emulator.url}/api/v3/providers/oauth2/${signed.providerPk}/setup_urls/`,
      {
        ...headers,
        authorization: `Bearer ${emulator.token}`,
      },
    );
    expect(setup.issuer).toBe('https://auth.example.test:8443/application/o/tenant-r/');
    // Without X-Forwarded-Proto: https the scheme is the connection's.
    const plain = await getWithHost(discovery, { host: 'auth.example.test' });
    expect(plain.issuer).toBe('http://auth.example.test/application/o/tenant-r/');
  });
});

describe('error pages (policies/denied.html, if/error.html)', () => {
  it('refuses an unknown client with if/error.html: HTTP 400, the brand as title, the error in <h1>', async () => {
    const response = await fetch(authorizeUrl(emulator, 'nobody'), { redirect: 'manual' });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(titleOf(html)).toBe('authentik');
    expect(headingOf(html)).toBe('Client ID Error');
    const error = await headlessLogin({
      deployment: localDeployment,
      baseUrl: emulator.url,
      authorizeUrl: authorizeUrl(emulator, 'nobody'),
      ...MEMBER,
    }).then(
      () => new HeadlessLoginError('unexpected_response', 'the login succeeded'),
      (e: unknown) => e as HeadlessLoginError,
    );
    expect(error.reason).toBe('client_rejected');
  });

  it('refuses a redirect URI the provider does not list the same way, before any login', async () => {
    const url = authorizeUrl(emulator, signed.clientId, 'https://elsewhere.example/cb');
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(titleOf(html)).toBe('authentik');
    expect(headingOf(html)).toBe('Redirect URI Error');
    const error = await headlessLogin({
      deployment: localDeployment,
      baseUrl: emulator.url,
      authorizeUrl: url,
      ...MEMBER,
    }).then(
      () => new HeadlessLoginError('unexpected_response', 'the login succeeded'),
      (e: unknown) => e as HeadlessLoginError,
    );
    expect(error.reason).toBe('redirect_uri_rejected');
  });

  it('denies a user the policy refuses with policies/denied.html: HTTP 200, "Permission denied - authentik"', async () => {
    const denied = await tenant(emulator, 'tenant-denied');
    const application = await first(emulator, '/core/applications/?slug=tenant-denied');
    const policy = await api(emulator, 'POST', '/policies/expression/', {
      name: 'members-of-nobody',
      expression: 'return ak_is_group_member(request.user, name="nobody-is-here")',
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);
    await api(emulator, 'POST', '/policies/bindings/', {
      target: application.pk,
      policy: policy.body.pk,
      order: 0,
      enabled: true,
      negate: false,
      timeout: 30,
    });
    const error = await headlessLogin({
      deployment: localDeployment,
      baseUrl: emulator.url,
      authorizeUrl: authorizeUrl(emulator, denied.clientId),
      ...MEMBER,
      redirectUri: CALLBACK,
    }).then(
      () => new HeadlessLoginError('unexpected_response', 'the login succeeded'),
      (e: unknown) => e as HeadlessLoginError,
    );
    expect(error).toBeInstanceOf(HeadlessLoginError);
    expect(error.reason).toBe('access_denied');
    expect(error.message).toContain('answered 200 (Permission denied)');
  });
});

describe('token endpoint (authentik/providers/oauth2/views/token.py)', () => {
  const good = () => ({
    grant_type: 'authorization_code',
    client_id: signed.clientId,
    client_secret: signed.clientSecret,
    redirect_uri: CALLBACK,
    code: 'not-a-code',
  });

  it('answers every refusal with HTTP 400, invalid_client for an unknown client or a wrong secret', async () => {
    for (const form of [
      { ...good(), client_id: 'nobody' },
      { ...good(), client_secret: 'wrong' },
    ]) {
      const response = await token(emulator, form);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    }
  });

  it('from 2026.8, refuses a grant type the provider does not list, first, with invalid_grant', async () => {
    const limited = await tenant(emulator, 'tenant-grants');
    const patched = await api(emulator, 'PATCH', `/providers/oauth2/${limited.providerPk}/`, {
      grant_types: ['client_credentials'],
    });
    expect(patched.status).toBe(200);
    const form = { ...good(), client_id: limited.clientId, client_secret: 'wrong' };
    const response = await token(emulator, form);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('checks the redirect URI before the code: a drifted redirect URI is invalid_client even for a made-up code', async () => {
    const drifted = await token(emulator, { ...good(), redirect_uri: 'https://elsewhere.example/cb' });
    expect(drifted.status).toBe(400);
    expect(await drifted.json()).toMatchObject({ error: 'invalid_client' });
    const unknownCode = await token(emulator, good());
    expect(unknownCode.status).toBe(400);
    expect(await unknownCode.json()).toMatchObject({ error: 'invalid_grant' });
    const noCode = await token(emulator, { ...good(), code: '' });
    expect(await noCode.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe("Authentik's discovery document and key set (views/provider.py, views/jwks.py)", () => {
  it("lists only the provider's algorithm, Authentik's auth methods, grant types and PKCE methods", async () => {
    const document = (await (
      await fetch(`${emulator.url}/application/o/tenant-r/.well-known/openid-configuration`)
    ).json()) as Json;
    expect(document.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(document.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_post',
      'client_secret_basic',
    ]);
    expect(document.code_challenge_methods_supported).toEqual(['plain', 'S256']);
    expect(document.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:device_code');
    expect(document.response_modes_supported).toEqual(['query', 'fragment', 'form_post']);
    expect([...(document.scopes_supported as string[])].sort()).toEqual(['email', 'openid', 'profile']);
    expect(document.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'email', 'email_verified', 'groups']),
    );
    expect(document.end_session_endpoint).toBe(`${emulator.url}/application/o/tenant-r/end-session/`);
    const jwks = (await (await fetch(`${emulator.url}/application/o/tenant-r/jwks/`)).json()) as {
      keys: Json[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0] ?? {})).toEqual([
      'alg',
      'kid',
      'kty',
      'use',
      'n',
      'e',
      'x5c',
      'x5t',
      'x5t#S256',
    ]);
  });

  it('a provider without a signing key: HS256 only, and its key set is {} with no "keys" at all', async () => {
    const document = (await (
      await fetch(`${emulator.url}/application/o/tenant-hs/.well-known/openid-configuration`)
    ).json()) as Json;
    expect(document.id_token_signing_alg_values_supported).toEqual(['HS256']);
    const jwks = await (await fetch(`${emulator.url}/application/o/tenant-hs/jwks/`)).json();
    expect(jwks).toEqual({});
  });
});

/** The product's headless login as the test user, through `wrap` around fetch when given. */
function loginTo(
  target: AuthentikEmulator,
  clientId: string,
  options: { username?: string; consent?: boolean; wrap?: (f: typeof fetch) => typeof fetch } = {},
): Promise<string> {
  return headlessLogin({
    deployment: localDeployment,
    baseUrl: target.url,
    authorizeUrl: authorizeUrl(target, clientId),
    username: options.username ?? MEMBER.username,
    password: MEMBER.password,
    redirectUri: CALLBACK,
    ...(options.consent === undefined ? {} : { consent: options.consent }),
    ...(options.wrap ? { fetch: options.wrap(fetch) } : {}),
  });
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => new HeadlessLoginError('unexpected_response', 'the login succeeded'),
    (e: unknown) => e as HeadlessLoginError,
  );

/** The ID token's claims for a code (exchanged with client_secret_post). */
async function idTokenClaims(target: AuthentikEmulator, t: Tenant, callback: string): Promise<Json> {
  const response = await token(target, {
    grant_type: 'authorization_code',
    client_id: t.clientId,
    client_secret: t.clientSecret,
    redirect_uri: CALLBACK,
    code: new URL(callback).searchParams.get('code') ?? '',
  });
  expect(response.status).toBe(200);
  const { id_token } = (await response.json()) as { id_token: string };
  return JSON.parse(Buffer.from(id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
}

describe('the flow executor (authentik/flows/views/executor.py, authentik/root/settings.py)', () => {
  it("refuses a logged-in session's POST without the authentik_csrf cookie echoed in X-authentik-CSRF (403)", async () => {
    const consented = await tenant(emulator, 'tenant-csrf');
    const withoutCsrf =
      (inner: typeof fetch): typeof fetch =>
      (input, init) => {
        const headers = new Headers(init?.headers);
        headers.delete('x-authentik-csrf');
        return inner(input, { ...init, headers });
      };
    const error = await failure(loginTo(emulator, consented.clientId, { wrap: withoutCsrf }));
    // The anonymous identification and password answers pass; the consent answer is refused.
    expect(error.reason).toBe('unexpected_response');
    expect(error.message).toContain('answered 403');
    await expect(loginTo(emulator, consented.clientId)).resolves.toContain('code=');
  });

  it('takes JSON only: a form-encoded answer is 415', async () => {
    const response = await fetch(
      `${emulator.url}/api/v3/flows/executor/default-authentication-flow/?query=`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ component: 'ak-stage-identification', uid_field: MEMBER.username }),
      },
    );
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      detail: 'Unsupported media type "application/x-www-form-urlencoded" in request.',
    });
  });

  it('identifies the user by username or email, case-insensitively (IdentificationStageView.get_user)', async () => {
    const t = await tenant(emulator, 'tenant-ident', {
      flow: 'default-provider-authorization-implicit-consent',
    });
    for (const username of ['real-user', 'REAL@EXAMPLE.COM']) {
      await expect(loginTo(emulator, t.clientId, { username })).resolves.toContain('code=');
    }
  });

  it('remembers an explicit consent (consent stage mode expiring): the next login is not asked again', async () => {
    const t = await tenant(emulator, 'tenant-consent');
    const declined = await failure(loginTo(emulator, t.clientId, { consent: false }));
    expect(declined.reason).toBe('consent_declined');
    await expect(loginTo(emulator, t.clientId)).resolves.toContain('code=');
    // A new session, the same user and application: the stage passes without asking.
    await expect(loginTo(emulator, t.clientId, { consent: false })).resolves.toContain('code=');
  });
});

describe('claims (authentik/providers/oauth2/views/userinfo.py, blueprints/system/providers-oauth2.yaml)', () => {
  it("come from the provider's own scope mappings only: without its email mapping there is no email", async () => {
    const t = await tenant(emulator, 'tenant-noemail', {
      scopes: ['openid', 'profile'],
      flow: 'default-provider-authorization-implicit-consent',
    });
    const claims = await idTokenClaims(emulator, t, await loginTo(emulator, t.clientId));
    expect(claims.preferred_username).toBe(MEMBER.username);
    expect(claims).not.toHaveProperty('email');
  });

  it("use the provider's own email mapping, not the managed one with the same scope name", async () => {
    const own = await api(emulator, 'POST', '/propertymappings/provider/scope/', {
      name: 'tenant-own email',
      scope_name: 'email',
      expression: 'return {\n    "email": request.user.email,\n    "email_verified": True\n}\n',
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const t = await tenant(emulator, 'tenant-own', {
      scopes: ['openid'],
      flow: 'default-provider-authorization-implicit-consent',
    });
    const openid = (await first(emulator, '/providers/oauth2/?name=provider-tenant-own'))
      .property_mappings as string[];
    const patched = await api(emulator, 'PATCH', `/providers/oauth2/${t.providerPk}/`, {
      property_mappings: [...openid, own.body.pk],
    });
    expect(patched.status).toBe(200);
    const claims = await idTokenClaims(emulator, t, await loginTo(emulator, t.clientId));
    expect(claims).toMatchObject({ email: MEMBER.email, email_verified: true });
  });

  it("email_verified is false since 2025.10 and true through 2025.8 (the release's email mapping)", async () => {
    const t = await tenant(emulator, 'tenant-new', {
      flow: 'default-provider-authorization-implicit-consent',
    });
    const current = await idTokenClaims(emulator, t, await loginTo(emulator, t.clientId));
    expect(current).toMatchObject({ email: MEMBER.email, email_verified: false });

    const older = await startAuthentikEmulator({ version: '2025.8.4', log: () => {} });
    try {
      const o = await tenant(older, 'tenant-old', {
        flow: 'default-provider-authorization-implicit-consent',
      });
      await addUser(older);
      const claims = await idTokenClaims(older, o, await loginTo(older, o.clientId));
      expect(claims).toMatchObject({ email: MEMBER.email, email_verified: true });
    } finally {
      await older.stop();
    }
  });
});

describe("each release's contract (local/authentik/contract.ts, @goauthentik/api-<release>)", () => {
  it('records a field the release does not know, and answers in the release’s models', async () => {
    const old = await startAuthentikEmulator({ version: '2025.10.4', log: () => {} });
    try {
      expect(old.release).toBe('2025.10');
      const flow = await first(old, '/flows/instances/?slug=default-provider-authorization-explicit-consent');
      const invalidation = await first(old, '/flows/instances/?slug=default-provider-invalidation-flow');
      const created = await api(old, 'POST', '/providers/oauth2/', {
        name: 'typed',
        authorization_flow: flow.pk,
        invalidation_flow: invalidation.pk,
        redirect_uris: [{ matching_mode: 'strict', url: CALLBACK, redirect_uri_type: 'authorization' }],
      });
      expect(created.status).toBe(201);
      // redirect_uri_type arrived in 2026.8: 2025.10 drops it, and does not answer with it.
      expect(old.contractViolations).toEqual([
        "providers_oauth2_create: redirect_uris[0].redirect_uri_type is not a field of 2025.10's RedirectURIRequest",
      ]);
      expect(created.body.redirect_uris).toEqual([{ matching_mode: 'strict', url: CALLBACK }]);
      // Groups had a single parent before 2026.2.
      const group = await api(old, 'POST', '/core/groups/', { name: 'g' });
      expect(group.body).toHaveProperty('parent', null);
      expect(group.body).not.toHaveProperty('parents');
      expect(group.body).toHaveProperty('parent_name', null);
    } finally {
      await old.stop();
    }
  });

  it('answers with the fields only the release has, and its answers validate against its models', async () => {
    const old = await startAuthentikEmulator({ version: '2025.10.4', log: () => {} });
    try {
      const parent = await api(old, 'POST', '/core/groups/', { name: 'parent' });
      const child = await api(old, 'POST', '/core/groups/', { name: 'child', parent: parent.body.pk });
      // parent_name (authentik/core/api/groups.py: CharField(source="parent.name")) until 2026.2.
      expect(child.body).toMatchObject({ parent: parent.body.pk, parent_name: 'parent' });
      const listed = await api(old, 'GET', `/core/groups/?name=child`);
      expect((listed.body.results as Json[])[0]).toMatchObject({ parent_name: 'parent' });
      // A user's groups (UserGroup, then PartialGroup) carried parent and parent_name too.
      const user = await api(old, 'POST', '/core/users/', { username: 'member', name: 'Member' });
      const member = await api(old, 'POST', `/core/groups/${child.body.pk}/add_user/`, { pk: user.body.pk });
      expect(member.status).toBe(204);
      const read = await api(old, 'GET', `/core/users/${user.body.pk}/`);
      expect((read.body.groups_obj as Json[])[0]).toMatchObject({
        parent: parent.body.pk,
        parent_name: 'parent',
      });
      // A key pair's type was private_key_type before 2026.2 (authentik/crypto/api.py).
      const pair = await first(old, '/crypto/certificatekeypairs/?has_key=true');
      expect(pair).toMatchObject({ private_key_type: 'rsa' });
      expect(pair).not.toHaveProperty('key_type');
      expect(old.contractViolations).toEqual([]);

      // An answer missing a field the release requires is a violation, as a bad request is.
      const contract = contractFor('2025.10.4');
      const { parent_name: _, ...withoutParentName } = child.body;
      expect(checkAnswer(contract, 'Group', withoutParentName)).toEqual([
        "answer's parent_name is required by 2025.10's Group",
      ]);
      expect(checkAnswer(contractFor('2026.8.3'), 'Group', child.body)).toContain(
        "answer's parent is not a field of 2026.8's Group",
      );
    } finally {
      await old.stop();
    }
  });

  it('refuses a release it has no contract for, naming the flag and the releases it serves', async () => {
    await expect(startWorld({ authentikVersion: '2024.8.3' })).rejects.toThrow(
      '--authentik-version: Authentik 2024.8.3 has no contract here (the releases served are 2024.10 to 2026.8)',
    );
    await expect(startWorld({ authentikVersion: '2026.10.0' })).rejects.toThrow('2024.10 to 2026.8');
    await expect(startAuthentikEmulator({ version: '2024.4.1' })).rejects.toThrow('2024.10 to 2026.8');
  });
});
