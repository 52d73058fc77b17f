// The emulator's REST API behaves as Authentik's: authentication and its 403 bodies, routing
// (trailing slashes), DRF-shaped validation and uniqueness errors, pagination, passwords, provider
// credentials, object permissions, and the state a fresh Authentik starts with.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '#local/authentik/passwords.ts';
import { type AuthentikEmulator, createApiToken, startAuthentikEmulator } from '#local/authentik/server.ts';

type Json = Record<string, unknown>;

let ak: AuthentikEmulator;

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${ak.token}` },
): Promise<{ status: number; body: Json; text: string }> {
  const response = await fetch(`${ak.url}/api/v3${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json), text };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const results = (body: Json) => body.results as Json[];

async function flowPk(slug: string): Promise<string> {
  return String(results((await api('GET', `/flows/instances/?slug=${slug}`)).body)[0]?.pk);
}

async function providerBody(name: string, extra: Json = {}): Promise<Json> {
  return {
    name,
    authorization_flow: await flowPk('default-provider-authorization-implicit-consent'),
    invalidation_flow: await flowPk('default-provider-invalidation-flow'),
    redirect_uris: [
      { matching_mode: 'strict', url: 'https://example.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse' },
    ],
    ...extra,
  };
}

beforeAll(async () => {
  // A release other than the schema's own patch level: admin/version/ reports what it was given.
  ak = await startAuthentikEmulator({ version: '2026.8.1' });
});

afterAll(async () => {
  expect(ak.schemaViolations).toEqual([]);
  await ak?.stop();
});

describe('authentication', () => {
  it('answers 403 with a detail for a missing, malformed, unknown or expired token', async () => {
    expect(await api('GET', '/core/groups/', undefined, {})).toMatchObject({
      status: 403,
      body: { detail: 'Authentication credentials were not provided.' },
    });
    expect(
      await api('GET', '/core/groups/', undefined, { authorization: 'Basic YWthZG1pbjpwdw==' }),
    ).toMatchObject({
      status: 403,
      body: { detail: 'Unsupported authentication type' },
    });
    expect(await api('GET', '/core/groups/', undefined, bearer('wrong'))).toMatchObject({
      status: 403,
      body: { detail: 'Token invalid/expired' },
    });
    const expired = createApiToken(ak, {
      username: 'expired-token-user',
      superuser: true,
      expires: new Date(Date.now() - 1000),
    });
    expect(await api('GET', '/core/groups/', undefined, bearer(expired))).toMatchObject({ status: 403 });
    const notApi = createApiToken(ak, {
      username: 'recovery-token-user',
      superuser: true,
      intent: 'recovery',
    });
    expect(await api('GET', '/core/groups/', undefined, bearer(notApi))).toMatchObject({ status: 403 });
  });

  it('refuses the token of an inactive user, and never echoes the token', async () => {
    const token = createApiToken(ak, { username: 'soon-inactive', superuser: true });
    expect((await api('GET', '/core/groups/', undefined, bearer(token))).status).toBe(200);
    const user = ak.store.findUserByUsername('soon-inactive');
    if (user === undefined) throw new Error('user missing');
    user.is_active = false;
    const answer = await api('GET', '/core/groups/', undefined, bearer(token));
    expect(answer).toMatchObject({ status: 403, body: { detail: 'Token invalid/expired' } });
    expect(answer.text).not.toContain(token);
  });

  it('gives a token without rights empty lists, 404 on objects and 403 on writes', async () => {
    const token = createApiToken(ak);
    const list = await api('GET', '/core/groups/', undefined, bearer(token));
    expect(list.status).toBe(200);
    expect(list.body.pagination).toMatchObject({ count: 0, next: 0, previous: 0, total_pages: 1 });
    expect(results(list.body)).toEqual([]);
    expect((await api('GET', '/core/users/1/', undefined, bearer(token))).status).toBe(404);
    expect(await api('POST', '/core/groups/', { name: 'intruders' }, bearer(token))).toMatchObject({
      status: 403,
      body: { detail: 'You do not have permission to perform this action.' },
    });
    // Permissions are checked before the body: an invalid body still gets 403.
    expect((await api('POST', '/core/groups/', { name: '' }, bearer(token))).status).toBe(403);
    expect((await api('DELETE', '/core/users/1/', undefined, bearer(token))).status).toBe(403);
  });
});

describe('routing', () => {
  it('answers 404 for a path without its trailing slash, or unknown', async () => {
    expect(await api('GET', '/core/groups')).toMatchObject({ status: 404, body: { detail: 'Not found.' } });
    expect((await api('GET', '/admin/version')).status).toBe(404);
    expect((await api('GET', '/core/nothing/')).status).toBe(404);
    // Routing comes before authentication, as in Django.
    expect((await api('GET', '/core/groups', undefined, {})).status).toBe(404);
  });

  it('answers 405 for a method the path does not have, and 404 for an object that does not exist', async () => {
    expect(await api('DELETE', '/admin/version/')).toMatchObject({
      status: 405,
      body: { detail: 'Method "DELETE" not allowed.' },
    });
    expect(await api('GET', '/core/users/999/')).toMatchObject({
      status: 404,
      body: { detail: 'No User matches the given query.' },
    });
    expect((await api('GET', '/core/users/not-a-number/')).status).toBe(404);
    expect((await api('GET', '/core/applications/no-such-app/')).status).toBe(404);
  });

  it('reports the configured version', async () => {
    expect((await api('GET', '/admin/version/')).body).toMatchObject({
      version_current: '2026.8.1',
      outdated: false,
    });
  });
});

describe('validation', () => {
  it('answers DRF field errors for bodies that break the request schema', async () => {
    expect(await api('POST', '/core/groups/', { name: '', parents: ['nope'], users: [null] })).toEqual(
      expect.objectContaining({
        status: 400,
        body: {
          name: ['This field may not be blank.'],
          parents: ['Must be a valid UUID.'],
          users: ['This field may not be null.'],
        },
      }),
    );
    expect((await api('POST', '/core/users/', { name: 'No username' })).body).toEqual({
      username: ['This field is required.'],
    });
    expect(
      (await api('POST', '/core/users/', { username: 'x', name: 'X', email: 'not-an-email', type: 'robot' }))
        .body,
    ).toEqual({
      email: ['Enter a valid email address.'],
      type: ['"robot" is not a valid choice.'],
    });
    expect((await api('POST', '/core/applications/', { name: 'A', slug: 'not a slug' })).body).toEqual({
      slug: ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'],
    });
  });

  it('reports nested redirect URI errors item by item', async () => {
    const body = await providerBody('nested-errors', {
      redirect_uris: [
        { matching_mode: 'strict', url: 'https://ok.example.com/cb' },
        { matching_mode: 'exact', url: '' },
      ],
    });
    expect((await api('POST', '/providers/oauth2/', body)).body).toEqual({
      redirect_uris: [
        {},
        { matching_mode: ['"exact" is not a valid choice.'], url: ['This field may not be blank.'] },
      ],
    });
  });

  it('reports related objects that do not exist, a non-object body and malformed JSON', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(
      (await api('POST', '/providers/oauth2/', await providerBody('dangling', { signing_key: missing })))
        .body,
    ).toEqual({
      signing_key: [`Invalid pk "${missing}" - object does not exist.`],
    });
    expect((await api('POST', '/core/groups/', [1, 2])).body).toEqual({
      non_field_errors: ['Invalid data. Expected a dictionary, but got list.'],
    });
    const malformed = await api('POST', '/core/groups/', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(String(malformed.body.detail)).toMatch(/^JSON parse error/);
  });
});

describe('uniqueness', () => {
  it('answers duplicates with 400 field errors, never 409', async () => {
    expect((await api('POST', '/core/groups/', { name: 'dup-group' })).status).toBe(201);
    expect(await api('POST', '/core/groups/', { name: 'dup-group' })).toMatchObject({
      status: 400,
      body: { name: ['Group with this name already exists.'] },
    });
    expect((await api('POST', '/core/users/', { username: 'dup-user', name: 'D' })).status).toBe(201);
    expect(await api('POST', '/core/users/', { username: 'dup-user', name: 'D' })).toMatchObject({
      status: 400,
      body: { username: ['This field must be unique.'] },
    });
    const provider = await api('POST', '/providers/oauth2/', await providerBody('dup-provider'));
    expect(provider.status).toBe(201);
    expect(await api('POST', '/providers/oauth2/', await providerBody('dup-provider'))).toMatchObject({
      status: 400,
      body: { name: ['Provider with this name already exists.'] },
    });
    expect(
      (await api('POST', '/core/applications/', { name: 'Dup', slug: 'dup-app', provider: provider.body.pk }))
        .status,
    ).toBe(201);
    expect(
      await api('POST', '/core/applications/', {
        name: 'Dup 2',
        slug: 'dup-app',
        provider: provider.body.pk,
      }),
    ).toMatchObject({
      status: 400,
      body: {
        slug: ['Application with this slug already exists.'],
        provider: ['Application with this provider already exists.'],
      },
    });
    expect(
      (await api('POST', '/policies/expression/', { name: 'dup-policy', expression: 'return True' })).status,
    ).toBe(201);
    expect(
      await api('POST', '/policies/expression/', { name: 'dup-policy', expression: 'return True' }),
    ).toMatchObject({
      status: 400,
      body: { name: ['Policy with this name already exists.'] },
    });
  });

  it('keeps a renamed object unique too, and lets an object keep its own name', async () => {
    const a = await api('POST', '/core/groups/', { name: 'rename-a' });
    await api('POST', '/core/groups/', { name: 'rename-b' });
    expect((await api('PATCH', `/core/groups/${a.body.pk}/`, { name: 'rename-b' })).status).toBe(400);
    expect((await api('PUT', `/core/groups/${a.body.pk}/`, { name: 'rename-a' })).status).toBe(200);
  });

  it('binds a policy to a target once per order, and needs exactly one of policy, group or user', async () => {
    const app = await api('POST', '/core/applications/', { name: 'Bound', slug: 'bound-app' });
    const policy = await api('POST', '/policies/expression/', {
      name: 'bound-policy',
      expression: 'return True',
    });
    const group = await api('POST', '/core/groups/', { name: 'bound-group' });
    const binding = { target: app.body.pk, policy: policy.body.pk, order: 0 };
    expect((await api('POST', '/policies/bindings/', binding)).status).toBe(201);
    expect(await api('POST', '/policies/bindings/', binding)).toMatchObject({
      status: 400,
      body: { non_field_errors: ['The fields policy, target, order must make a unique set.'] },
    });
    expect((await api('POST', '/policies/bindings/', { ...binding, order: 1 })).status).toBe(201);
    expect(
      await api('POST', '/policies/bindings/', { ...binding, group: group.body.pk, order: 2 }),
    ).toMatchObject({
      status: 400,
      body: { non_field_errors: ["Only one of 'policy', 'group', 'user' can be set."] },
    });
    expect((await api('POST', '/policies/bindings/', { target: app.body.pk, order: 3 })).body).toEqual({
      non_field_errors: ["One of 'policy', 'group', 'user' must be set."],
    });
  });
});

describe('pagination', () => {
  it('pages 250 groups by 100 with next=0 on the last page', async () => {
    for (let i = 0; i < 250; i += 1) {
      const created = await api('POST', '/core/groups/', { name: `page-${String(i).padStart(3, '0')}` });
      expect(created.status).toBe(201);
    }
    const names: string[] = [];
    const pages: Json[] = [];
    for (let page = 1; page !== 0; ) {
      const answer = await api('GET', `/core/groups/?search=page-&page=${page}`);
      expect(answer.status).toBe(200);
      expect(answer.body.autocomplete).toEqual({});
      pages.push(answer.body.pagination as Json);
      names.push(...results(answer.body).map((g) => String(g.name)));
      page = Number((answer.body.pagination as Json).next);
    }
    expect(pages).toEqual([
      { next: 2, previous: 0, count: 250, current: 1, total_pages: 3, start_index: 1, end_index: 100 },
      { next: 3, previous: 1, count: 250, current: 2, total_pages: 3, start_index: 101, end_index: 200 },
      { next: 0, previous: 2, count: 250, current: 3, total_pages: 3, start_index: 201, end_index: 250 },
    ]);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(250);
    expect((await api('GET', '/core/groups/?search=page-&page_size=250')).body.pagination).toMatchObject({
      total_pages: 1,
      next: 0,
    });
    expect(await api('GET', '/core/groups/?search=page-&page=4')).toMatchObject({
      status: 404,
      body: { detail: 'Invalid page.' },
    });
  });

  it('answers an empty list with zero indexes', async () => {
    expect((await api('GET', '/core/groups/?name=nobody')).body).toEqual({
      pagination: {
        next: 0,
        previous: 0,
        count: 0,
        current: 1,
        total_pages: 1,
        start_index: 0,
        end_index: 0,
      },
      results: [],
      autocomplete: {},
    });
  });
});

describe('users', () => {
  it('sets a password with 204 and no body, and keeps only its hash', async () => {
    const user = await api('POST', '/core/users/', {
      username: 'with-password',
      name: 'P',
      email: 'p@example.com',
    });
    const answer = await api('POST', `/core/users/${user.body.pk}/set_password/`, {
      password: 'correct horse 42',
    });
    expect(answer).toMatchObject({ status: 204, text: '' });
    const stored = ak.store.users.get(Number(user.body.pk));
    expect(JSON.stringify(stored)).not.toContain('correct horse 42');
    expect(verifyPassword(stored?.password ?? null, 'correct horse 42')).toBe(true);
    expect(verifyPassword(stored?.password ?? null, 'wrong')).toBe(false);
    expect((await api('POST', '/core/users/999/set_password/', { password: 'x' })).status).toBe(404);
  });

  it('filters users by username and email, and patches groups and is_active', async () => {
    const group = await api('POST', '/core/groups/', { name: 'patched-members' });
    const user = await api('POST', '/core/users/', {
      username: 'patch-me',
      name: 'M',
      email: 'patch-me@example.com',
    });
    expect(results((await api('GET', '/core/users/?email=patch-me@example.com')).body)).toHaveLength(1);
    expect(results((await api('GET', '/core/users/?username=patch-me')).body)).toHaveLength(1);
    const patched = await api('PATCH', `/core/users/${user.body.pk}/`, {
      groups: [group.body.pk],
      is_active: false,
    });
    expect(patched.body).toMatchObject({ groups: [group.body.pk], is_active: false });
    expect((await api('GET', `/core/groups/${group.body.pk}/`)).body).toMatchObject({
      users: [user.body.pk],
    });
  });
});

describe('providers', () => {
  it('generates a client id and secret when none is given and returns both on every read', async () => {
    const created = await api('POST', '/providers/oauth2/', await providerBody('generated-credentials'));
    expect(created.status).toBe(201);
    expect(created.body.client_id).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(created.body.client_secret).toMatch(/^[A-Za-z0-9]{128}$/);
    const read = await api('GET', `/providers/oauth2/${created.body.pk}/`);
    expect(read.body).toMatchObject({
      client_id: created.body.client_id,
      client_secret: created.body.client_secret,
    });
    expect(typeof read.body.pk).toBe('number');
    const listed = results((await api('GET', `/providers/oauth2/?client_id=${created.body.client_id}`)).body);
    expect(listed[0]).toMatchObject({ client_secret: created.body.client_secret });
  });

  it('keeps a given client id and refuses it twice', async () => {
    const body = await providerBody('given-credentials', {
      client_id: 'tenant-a-client',
      client_secret: 's3cret',
    });
    expect((await api('POST', '/providers/oauth2/', body)).body).toMatchObject({
      client_id: 'tenant-a-client',
    });
    expect((await api('POST', '/providers/oauth2/', { ...body, name: 'given-again' })).body).toEqual({
      client_id: ['OAuth2/OpenID Provider with this Client ID already exists.'],
    });
  });

  it('gives setup URLs once an application uses the provider', async () => {
    const provider = await api('POST', '/providers/oauth2/', await providerBody('setup-urls'));
    expect((await api('GET', `/providers/oauth2/${provider.body.pk}/setup_urls/`)).status).toBe(404);
    await api('POST', '/core/applications/', {
      name: 'Setup',
      slug: 'setup-app',
      provider: provider.body.pk,
    });
    expect((await api('GET', `/providers/oauth2/${provider.body.pk}/setup_urls/`)).body).toEqual({
      issuer: `${ak.url}/application/o/setup-app/`,
      authorize: `${ak.url}/application/o/authorize/`,
      token: `${ak.url}/application/o/token/`,
      user_info: `${ak.url}/application/o/userinfo/`,
      provider_info: `${ak.url}/application/o/setup-app/.well-known/openid-configuration`,
      logout: `${ak.url}/application/o/setup-app/end-session/`,
      jwks: `${ak.url}/application/o/setup-app/jwks/`,
      dcr_registration: null,
    });
    expect((await api('GET', '/core/applications/setup-app/')).body).toMatchObject({
      provider: provider.body.pk,
      provider_obj: { pk: provider.body.pk, assigned_application_slug: 'setup-app' },
    });
  });

  it('sees drift staged in the store', async () => {
    const provider = await api('POST', '/providers/oauth2/', await providerBody('drifting'));
    ak.store.providers.delete(Number(provider.body.pk));
    expect((await api('GET', `/providers/oauth2/${provider.body.pk}/`)).status).toBe(404);
  });
});

describe('a fresh Authentik', () => {
  it('has akadmin in authentik Admins, and its token', async () => {
    const [akadmin] = results((await api('GET', '/core/users/?username=akadmin')).body);
    expect(akadmin).toMatchObject({ pk: 1, is_superuser: true, name: 'authentik Default Admin' });
    const [admins] = results((await api('GET', '/core/groups/?name=authentik%20Admins')).body);
    expect(admins).toMatchObject({ is_superuser: true });
    expect(admins?.users).toContain(1);
    const [token] = results((await api('GET', '/core/tokens/?identifier=authentik-bootstrap-token')).body);
    expect(token).toMatchObject({ intent: 'api', user: 1, expiring: false });
    expect(JSON.stringify(token)).not.toContain(ak.token);
    expect((await api('GET', '/core/tokens/authentik-bootstrap-token/view_key/')).body).toEqual({
      key: ak.token,
    });
  });

  it('has the default flows', async () => {
    const flows = results((await api('GET', '/flows/instances/')).body).map((f) => [f.slug, f.designation]);
    expect(flows).toEqual([
      ['default-authentication-flow', 'authentication'],
      ['default-provider-authorization-explicit-consent', 'authorization'],
      ['default-provider-authorization-implicit-consent', 'authorization'],
      ['default-provider-invalidation-flow', 'invalidation'],
    ]);
    expect((await api('GET', '/flows/instances/default-provider-invalidation-flow/')).body).toMatchObject({
      designation: 'invalidation',
    });
  });

  it('has the self-signed certificate with an RSA private key', async () => {
    const [pair] = results((await api('GET', '/crypto/certificatekeypairs/?has_key=true')).body);
    expect(pair).toMatchObject({
      name: 'authentik Self-signed Certificate',
      private_key_available: true,
      key_type: 'rsa',
    });
    expect(results((await api('GET', '/crypto/certificatekeypairs/?has_key=false')).body)).toEqual([]);
    const stored = ak.store.certificateKeyPairs.get(String(pair?.pk));
    const certificate = new X509Certificate(String(stored?.certificate_data));
    expect(certificate.verify(createPublicKey(String(stored?.key_data)))).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(String(stored?.key_data)))).toBe(true);
    expect(pair?.fingerprint_sha256).toBe(certificate.fingerprint256.toLowerCase());
    expect(pair?.cert_subject).toBe('OU=Self-signed,O=authentik,CN=authentik Self-signed Certificate');
  });

  it('has the managed scope mappings, email answering email_verified False', async () => {
    const managed = ['openid', 'email', 'profile'].map(
      (s) => `managed=goauthentik.io/providers/oauth2/scope-${s}`,
    );
    const scopes = results((await api('GET', `/propertymappings/provider/scope/?${managed.join('&')}`)).body);
    expect(scopes.map((s) => s.scope_name)).toEqual(['email', 'openid', 'profile']);
    expect(String(scopes[0]?.expression)).toContain('"email_verified": False');
    expect(results((await api('GET', '/propertymappings/provider/scope/')).body)).toHaveLength(6);
  });
});
