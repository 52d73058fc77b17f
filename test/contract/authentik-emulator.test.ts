// The emulator against Authentik's official schema.yml: the guide's five Authentik steps and the
// rest of the API the product touches (lookups, lists, updates, deletes, errors, faults), with
// every response recorded and checked against its operation's response schema for its status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthentikEmulator, createApiToken, startAuthentikEmulator } from '#local/authentik/server.ts';
import { ResponseRecorder, responseViolations } from './recorder.ts';

type Json = Record<string, unknown>;

const recorder = new ResponseRecorder();
let ak: AuthentikEmulator;
let noRights: string;

async function api(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ak.token,
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await recorder.fetch(`${ak.url}/api/v3${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Json = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Json);
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

async function ok(
  method: string,
  path: string,
  body?: unknown,
  status = method === 'POST' ? 201 : 200,
): Promise<Json> {
  const answer = await api(method, path, body);
  expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(status);
  return answer.body;
}

const results = (list: Json): Json[] => list.results as Json[];

// What the guide's steps create, shared by the tests that follow.
const made: {
  group?: Json;
  user?: Json;
  provider?: Json;
  application?: Json;
  policy?: Json;
  binding?: Json;
} = {};

beforeAll(async () => {
  ak = await startAuthentikEmulator();
  noRights = createApiToken(ak);
});

afterAll(async () => {
  await ak?.stop();
});

describe('Authentik emulator against schema.yml', () => {
  it("carries out the guide's five Authentik steps", async () => {
    const [explicit] = results(
      await ok('GET', '/flows/instances/?slug=default-provider-authorization-explicit-consent'),
    );
    const [invalidation] = results(
      await ok('GET', '/flows/instances/?slug=default-provider-invalidation-flow'),
    );
    const [key] = results(
      await ok(
        'GET',
        `/crypto/certificatekeypairs/?name=${encodeURIComponent('authentik Self-signed Certificate')}&has_key=true`,
      ),
    );
    const managed = ['openid', 'email', 'profile'].map(
      (s) => `managed=goauthentik.io/providers/oauth2/scope-${s}`,
    );
    const scopes = results(await ok('GET', `/propertymappings/provider/scope/?${managed.join('&')}`));
    expect(explicit?.designation).toBe('authorization');
    expect(invalidation?.designation).toBe('invalidation');
    expect(key?.private_key_available).toBe(true);
    expect(scopes.map((s) => s.scope_name).sort()).toEqual(['email', 'openid', 'profile']);

    // 1. group
    made.group = await ok('POST', '/core/groups/', { name: 'cognito-users' });
    expect(results(await ok('GET', '/core/groups/?name=cognito-users'))).toHaveLength(1);
    // 2. test user, in the group, with a password
    made.user = await ok('POST', '/core/users/', {
      username: 'cognito-test-user',
      name: 'Cognito test user',
      email: 'cognito-test-user@example.com',
      groups: [made.group.pk],
      path: 'users',
      type: 'internal',
    });
    await ok(
      'POST',
      `/core/users/${made.user.pk}/set_password/`,
      { password: 'a-generated-password-1' },
      204,
    );
    expect(results(await ok('GET', '/core/users/?username=cognito-test-user'))).toHaveLength(1);
    // 3. provider
    made.provider = await ok('POST', '/providers/oauth2/', {
      name: 'cognito-tenant-a',
      authorization_flow: explicit?.pk,
      invalidation_flow: invalidation?.pk,
      client_type: 'confidential',
      signing_key: key?.pk,
      property_mappings: scopes.map((s) => s.pk),
      redirect_uris: [
        {
          matching_mode: 'strict',
          url: 'https://tenant-a.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse',
        },
      ],
      sub_mode: 'hashed_user_id',
      issuer_mode: 'per_provider',
    });
    expect(await api('GET', `/providers/oauth2/${made.provider.pk}/setup_urls/`)).toMatchObject({
      status: 404,
    });
    // 4. application
    made.application = await ok('POST', '/core/applications/', {
      name: 'Tenant A',
      slug: 'tenant-a',
      provider: made.provider.pk,
    });
    const urls = await ok('GET', `/providers/oauth2/${made.provider.pk}/setup_urls/`);
    expect(urls.issuer).toBe(`${ak.url}/application/o/tenant-a/`);
    // 5. policy bound to the application
    made.policy = await ok('POST', '/policies/expression/', {
      name: 'tenant-a-members',
      expression: 'return ak_is_group_member(request.user, name="cognito-users")',
    });
    made.binding = await ok('POST', '/policies/bindings/', {
      target: made.application.pk,
      policy: made.policy.pk,
      order: 0,
      enabled: true,
      negate: false,
      timeout: 30,
    });
    expect(
      (await ok('GET', `/core/applications/tenant-a/check_access/?for_user=${made.user.pk}`)).passing,
    ).toBe(true);
    expect((await ok('GET', '/core/applications/tenant-a/check_access/?for_user=1')).passing).toBe(false);
    await ok('GET', '/admin/version/');
  });

  it('lists with filters, search, ordering and pagination', async () => {
    for (let i = 0; i < 12; i += 1)
      await ok('POST', '/core/groups/', { name: `team-${String(i).padStart(2, '0')}` });
    const first = await ok('GET', '/core/groups/?search=team-&page_size=5');
    expect(first.pagination).toMatchObject({ count: 12, total_pages: 3, next: 2, previous: 0 });
    const last = await ok('GET', '/core/groups/?search=team-&page_size=5&page=3&ordering=-name');
    expect(last.pagination).toMatchObject({ next: 0, previous: 2, start_index: 11, end_index: 12 });
    expect(results(last).map((g) => g.name)).toEqual(['team-01', 'team-00']);
    expect(await api('GET', '/core/groups/?page=9')).toMatchObject({
      status: 404,
      body: { detail: 'Invalid page.' },
    });
    await ok('GET', '/core/groups/?include_users=false&include_children=true&include_parents=true');
    await ok('GET', '/core/users/?include_groups=false&is_active=true');
    await ok('GET', '/core/applications/?superuser_full_list=true');
    await ok('GET', '/core/applications/');
    await ok('GET', `/providers/oauth2/?name=cognito-tenant-a`);
    await ok('GET', `/policies/expression/?name=tenant-a-members`);
    await ok('GET', `/policies/bindings/?target=${made.application?.pk}`);
    await ok('GET', '/crypto/certificatekeypairs/');
    await ok('GET', '/propertymappings/provider/scope/');
    await ok('GET', '/flows/instances/');
    await ok('GET', '/core/tokens/');
  });

  it('retrieves, updates and deletes each object', async () => {
    const { group, user, provider, application, policy, binding } = made as Required<typeof made>;
    await ok('GET', `/core/groups/${group.pk}/`);
    await ok('PATCH', `/core/groups/${group.pk}/`, { attributes: { tenant: 'a' } });
    await ok('PUT', `/core/groups/${group.pk}/`, { name: 'cognito-users', users: [user.pk] });
    await ok('GET', `/core/users/${user.pk}/`);
    await ok('PATCH', `/core/users/${user.pk}/`, { is_active: false });
    await ok('PUT', `/core/users/${user.pk}/`, { username: 'cognito-test-user', name: 'Renamed' });
    await ok('GET', `/providers/oauth2/${provider.pk}/`);
    await ok('PATCH', `/providers/oauth2/${provider.pk}/`, { access_token_validity: 'minutes=10' });
    await ok('GET', `/core/applications/${application.slug}/`);
    await ok('PATCH', `/core/applications/${application.slug}/`, {
      meta_launch_url: 'https://tenant-a.example.com',
    });
    await ok('GET', `/policies/expression/${policy.pk}/`);
    await ok('PATCH', `/policies/expression/${policy.pk}/`, { execution_logging: true });
    await ok('GET', `/policies/bindings/${binding.pk}/`);
    await ok('PATCH', `/policies/bindings/${binding.pk}/`, { negate: true });
    await ok('GET', '/flows/instances/default-authentication-flow/');
    const [token] = results(await ok('GET', '/core/tokens/'));
    await ok('GET', `/core/tokens/${token?.identifier}/`);
    await ok('GET', `/core/tokens/${token?.identifier}/view_key/`);

    await ok('DELETE', `/policies/bindings/${binding.pk}/`, undefined, 204);
    await ok('DELETE', `/policies/expression/${policy.pk}/`, undefined, 204);
    await ok('DELETE', `/core/applications/${application.slug}/`, undefined, 204);
    await ok('DELETE', `/providers/oauth2/${provider.pk}/`, undefined, 204);
    await ok('DELETE', `/core/users/${user.pk}/`, undefined, 204);
    await ok('DELETE', `/core/groups/${group.pk}/`, undefined, 204);
    expect((await api('GET', `/core/groups/${group.pk}/`)).status).toBe(404);
    expect((await api('GET', `/core/users/${user.pk}/`)).status).toBe(404);
  });

  it('answers errors as Authentik does', async () => {
    expect((await api('POST', '/core/groups/', { name: '' })).status).toBe(400);
    expect((await api('POST', '/core/groups/', { name: 'team-00' })).status).toBe(400);
    expect((await api('POST', '/core/users/', {})).status).toBe(400);
    expect(
      (await api('POST', '/providers/oauth2/', { name: 'x', redirect_uris: [{ url: '' }] })).status,
    ).toBe(400);
    expect(
      (await api('POST', '/policies/bindings/', { target: '00000000-0000-4000-8000-000000000000', order: 0 }))
        .status,
    ).toBe(400);
    expect((await api('POST', '/core/groups/', '{not json')).status).toBe(400);
    expect((await api('POST', '/core/users/1/set_password/', { password: '' })).status).toBe(400);
    expect((await api('GET', '/core/groups/', undefined, null)).status).toBe(403);
    expect((await api('GET', '/core/groups/', undefined, 'not-a-token')).status).toBe(403);
    expect((await api('POST', '/core/groups/', { name: 'x' }, noRights)).status).toBe(403);
    expect(results((await api('GET', '/core/groups/', undefined, noRights)).body)).toEqual([]);
    expect((await api('GET', '/core/users/1/', undefined, noRights)).status).toBe(404);
    expect((await api('GET', '/core/groups/00000000-0000-4000-8000-000000000000/')).status).toBe(404);
    expect((await api('GET', '/core/groups')).status).toBe(404);
    expect((await api('GET', '/no/such/path/')).status).toBe(404);
    expect((await api('PUT', '/admin/version/', {})).status).toBe(405);
  });

  it('answers injected faults as Authentik and its proxy do', async () => {
    for (const status of [500, 502, 503, 429] as const) {
      ak.setFaults({ rate: 1, statuses: [status], paths: '/core/groups/' });
      expect((await api('GET', '/core/groups/')).status).toBe(status);
    }
    ak.setFaults(undefined);
  });

  it('gave only responses that match schema.yml', () => {
    expect(recorder.responses.length).toBeGreaterThan(80);
    expect(recorder.violations()).toEqual([]);
    expect(ak.schemaViolations).toEqual([]);
    const seen = [...recorder.operations()].join('\n');
    for (const operation of [
      'core_groups_list 200',
      'core_groups_create 201',
      'core_groups_create 400',
      'core_users_set_password_create 204',
      'providers_oauth2_setup_urls_retrieve 200',
      'providers_oauth2_setup_urls_retrieve 404',
      'core_applications_check_access_retrieve 200',
      'policies_bindings_create 201',
      'core_groups_retrieve 404',
      'core_groups_list 403',
      'core_groups_list 503',
      'core_groups_list 429',
    ]) {
      expect(seen).toContain(operation);
    }
  });
});

describe('the response validator', () => {
  it('rejects bodies that break the schema', async () => {
    const group = (await ok('GET', '/core/groups/?name=team-00')).results as Json[];
    const valid = { method: 'GET', path: `/core/groups/${group[0]?.pk}/`, status: 200, body: group[0] };
    expect(responseViolations(valid)).toEqual([]);
    const { num_pk: _dropped, ...missing } = group[0] as Json;
    expect(responseViolations({ ...valid, body: missing }).join()).toContain('num_pk');
    expect(responseViolations({ ...valid, body: { ...group[0], invented: 1 } }).join()).toContain('invented');
    expect(responseViolations({ ...valid, body: { ...group[0], users: ['1'] } })).not.toEqual([]);
    expect(responseViolations({ ...valid, status: 403, body: { message: 'no' } })).not.toEqual([]);
    expect(
      responseViolations({ method: 'DELETE', path: valid.path, status: 204, body: { detail: 'x' } }),
    ).not.toEqual([]);
    expect(responseViolations({ method: 'GET', path: '/core/groups', status: 200, body: {} })).not.toEqual(
      [],
    );
  });
});
