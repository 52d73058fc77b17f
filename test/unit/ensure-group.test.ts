// ensure-group over a fake Authentik: the create body with the tenant's mark, "already exists" read
// as "look again", ownership by the mark or an operator's adoption (never by the name), groups that
// grant admin rights refused, and a destroy that deletes only a group it recorded creating, that
// still carries the mark and that nobody uses.
import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { ConflictError, ValidationError } from '#lib/errors.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy, OWNER_ATTRIBUTE } from '../../functions/ensure-group/core.ts';

const BASE = 'https://auth.example.com';
const PK = '8a3e7c52-0000-4000-8000-000000000001';
const PARENT = '8a3e7c52-0000-4000-8000-0000000000a1';
const GRANDPARENT = '8a3e7c52-0000-4000-8000-0000000000a2';
const OTHER = '8a3e7c52-0000-4000-8000-0000000000ff';
const NAME = 'cognito-users-acme';
const OURS = { [OWNER_ATTRIBUTE]: 'acme' };
const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: BASE,
      tokenSecretArn:
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf',
    },
    cognito: { callbackUrls: ['https://app.example/callback'] },
  },
  { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false },
);

const json = (status: number, body?: unknown) =>
  body === undefined
    ? new Response(null, { status })
    : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const list = (results: unknown[]) => ({
  pagination: {
    next: 0,
    previous: 0,
    count: results.length,
    current: 1,
    total_pages: 1,
    start_index: 1,
    end_index: results.length,
  },
  results,
  autocomplete: {},
});

interface GroupShape {
  pk: string;
  name: string;
  attributes: Record<string, unknown>;
  users: number[];
  is_superuser?: boolean;
  roles?: string[];
  parents?: string[];
}

const group = (overrides: Partial<GroupShape> = {}): GroupShape => ({
  pk: PK,
  name: NAME,
  attributes: {},
  users: [],
  ...overrides,
});

/** The message of a group refused as not this tenant's, with adoption offered when it is unmarked. */
const unmarked =
  `Authentik group "${NAME}" (authentik.group) was not made by this product for this tenant: choose ` +
  `another authentik.group, or have an operator adopt it for this tenant (federation adopt acme group ${PK}; ` +
  'it is then never deleted)';

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/** An Authentik holding `groups`; `onCreate` answers the POST (default: creates). */
function fakeAuthentik(groups: GroupShape[], onCreate?: (body: { name: string }) => Response) {
  const requests: { method: string; path: string; body: unknown; query: URLSearchParams }[] = [];
  const client = createAuthentikClient({
    baseUrl: BASE,
    token: 'unit-test-token-0123456789',
    fetch: async (request) => {
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\/api\/v3/, '');
      const text = await request.text();
      const body = text ? JSON.parse(text) : undefined;
      requests.push({ method: request.method, path, body, query: url.searchParams });
      const byPk = groups.find((g) => path === `/core/groups/${g.pk}/`);
      if (request.method === 'GET' && path === '/core/groups/') {
        return json(200, list(groups.filter((g) => g.name === url.searchParams.get('name'))));
      }
      if (request.method === 'POST' && path === '/core/groups/') {
        if (onCreate) return onCreate(body);
        const made = group({ ...body, pk: PK });
        groups.push(made);
        return json(201, made);
      }
      if (byPk && request.method === 'GET') return json(200, byPk);
      if (byPk && request.method === 'PATCH') return json(200, Object.assign(byPk, body));
      if (byPk && request.method === 'DELETE') {
        groups.splice(groups.indexOf(byPk), 1);
        return json(204);
      }
      return json(404, { detail: 'Not found.' });
    },
  });
  return { client, requests, writes: () => requests.filter((r) => r.method !== 'GET') };
}

describe('ensure-group apply', () => {
  it('creates the group marked with the tenant, and owns it', async () => {
    const fake = fakeAuthentik([]);
    const result = await apply(spec, {}, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'created',
      writes: 1,
      resources: { groupPk: PK, created: ['groupPk'] },
    });
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/core/groups/',
        body: { name: NAME, attributes: { [OWNER_ATTRIBUTE]: 'acme' } },
      }),
    ]);
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/core/groups/'],
      ['POST', '/core/groups/'],
    ]);
    // Looked up without member lists, which can be long.
    expect(fake.requests[0]?.query.get('include_users')).toBe('false');
    expect(fake.requests[0]?.query.get('name')).toBe(NAME);
  });

  it('refuses a group of the same name that carries no mark, naming the field and writing nothing', async () => {
    const fake = fakeAuthentik([group()]);
    const error = await refusal(apply(spec, {}, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(unmarked);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a same-named group even when the record names its pk, unless it lists it', async () => {
    const fake = fakeAuthentik([group()]);
    const error = await refusal(apply(spec, { groupPk: PK }, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(unmarked);
    expect(fake.writes()).toEqual([]);
  });

  it('owns a group carrying its mark even when the record lost it (a crash after the create)', async () => {
    const fake = fakeAuthentik([group({ attributes: OURS })]);
    expect(await apply(spec, {}, { authentik: fake.client })).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { groupPk: PK, created: ['groupPk'] },
    });
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a group marked by another tenant, without offering adoption, writing nothing', async () => {
    const fake = fakeAuthentik([group({ attributes: { [OWNER_ATTRIBUTE]: 'other-tenant' } })]);
    const error = await refusal(apply(spec, {}, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      `Authentik group "${NAME}" (authentik.group) belongs to another tenant: choose another authentik.group`,
    );
    expect(fake.writes()).toEqual([]);
  });

  it("refuses another tenant's group even when the record says it created or adopted it", async () => {
    for (const list of ['created', 'adopted'] as const) {
      const fake = fakeAuthentik([group({ attributes: { [OWNER_ATTRIBUTE]: 'other-tenant' } })]);
      const error = await refusal(
        apply(spec, { groupPk: PK, [list]: ['groupPk'] }, { authentik: fake.client }),
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toContain('belongs to another tenant');
      expect(fake.writes()).toEqual([]);
    }
  });

  it('accepts an unmarked group an operator adopted, records it as adopted, and never marks it', async () => {
    const fake = fakeAuthentik([group()]);
    const result = await apply(spec, { groupPk: PK, adopted: ['groupPk'] }, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { groupPk: PK, adopted: ['groupPk'] },
    });
    expect(fake.writes()).toEqual([]);
  });

  it('does not take an adoption of another group for this one', async () => {
    const fake = fakeAuthentik([group()]);
    const error = await refusal(
      apply(spec, { groupPk: OTHER, adopted: ['groupPk'] }, { authentik: fake.client }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(fake.writes()).toEqual([]);
  });

  it('looks again when Authentik says the name is taken', async () => {
    const groups: GroupShape[] = [];
    const fake = fakeAuthentik(groups, () => {
      groups.push(group({ attributes: OURS }));
      return json(400, { name: ['Group with this name already exists.'] });
    });
    const result = await apply(spec, {}, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'unchanged',
      writes: 1,
      resources: { groupPk: PK, created: ['groupPk'] },
    });
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/core/groups/'],
      ['POST', '/core/groups/'],
      ['GET', '/core/groups/'],
    ]);
  });

  it('refuses the group a person made meanwhile under the name, after the create lost the race', async () => {
    const groups: GroupShape[] = [];
    const fake = fakeAuthentik(groups, () => {
      groups.push(group());
      return json(400, { name: ['Group with this name already exists.'] });
    });
    const error = await refusal(apply(spec, {}, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(unmarked);
    expect(fake.writes().map((w) => w.method)).toEqual(['POST']);
  });

  it('passes on any other refusal of the create', async () => {
    const fake = fakeAuthentik([], () => json(400, { attributes: ['Not a valid JSON object.'] }));
    await expect(apply(spec, {}, { authentik: fake.client })).rejects.toBeInstanceOf(ValidationError);
  });

  it('renames its own group back, found by the recorded pk', async () => {
    const fake = fakeAuthentik([group({ name: 'renamed', attributes: OURS })]);
    const result = await apply(spec, { groupPk: PK, created: ['groupPk'] }, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'updated',
      writes: 1,
      resources: { groupPk: PK, created: ['groupPk'] },
    });
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: `/core/groups/${PK}/`,
        body: { name: NAME },
      }),
    ]);
  });

  it('leaves a renamed group it only adopted to its owner and creates one under the spec’s name', async () => {
    const fake = fakeAuthentik([group({ name: 'renamed' })]);
    await apply(spec, { groupPk: PK, adopted: ['groupPk'] }, { authentik: fake.client });
    expect(fake.writes().map((w) => w.method)).toEqual(['POST']);
  });

  it('never renames a group recorded under its pk that has since lost the mark', async () => {
    const fake = fakeAuthentik([group({ name: 'renamed' })]);
    await apply(spec, { groupPk: PK }, { authentik: fake.client });
    expect(fake.writes().map((w) => w.method)).toEqual(['POST']);
  });
});

describe('ensure-group apply refuses a group that grants admin rights', () => {
  const admin = (message: string) =>
    `Authentik group "${NAME}" (authentik.group) is refused: ${message}, and the test user, whose password ` +
    'is kept in Secrets Manager, would hold them; name a group without admin rights';

  it.each([
    ['its own', { attributes: OURS }, {}],
    ['an adopted', {}, { adopted: ['groupPk' as const] }],
  ])('refuses %s superuser group, writing nothing', async (_whose, overrides, record) => {
    const fake = fakeAuthentik([group({ ...overrides, is_superuser: true })]);
    const error = await refusal(apply(spec, { groupPk: PK, ...record }, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(admin('it grants superuser rights'));
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a group that grants roles', async () => {
    const fake = fakeAuthentik([group({ attributes: OURS, roles: ['role-1'] })]);
    const error = await refusal(apply(spec, {}, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(admin('it grants roles (RBAC permissions)'));
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a group whose parent or grandparent is a superuser group or grants roles', async () => {
    const parent = group({ pk: PARENT, name: 'staff', parents: [GRANDPARENT] });
    const child = () => group({ attributes: OURS, parents: [PARENT] });
    const superGrandparent = fakeAuthentik([
      child(),
      parent,
      group({ pk: GRANDPARENT, name: 'authentik Admins', is_superuser: true }),
    ]);
    const error = await refusal(apply(spec, {}, { authentik: superGrandparent.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(admin('its ancestor "authentik Admins" grants superuser rights'));
    expect(superGrandparent.writes()).toEqual([]);
    expect(superGrandparent.requests.map((r) => r.path)).toEqual([
      '/core/groups/',
      `/core/groups/${PARENT}/`,
      `/core/groups/${GRANDPARENT}/`,
    ]);

    const rolesParent = fakeAuthentik([child(), group({ pk: PARENT, name: 'staff', roles: ['r'] })]);
    const roles = await refusal(apply(spec, {}, { authentik: rolesParent.client }));
    expect(roles.message).toBe(admin('its ancestor "staff" grants roles (RBAC permissions)'));
    expect(rolesParent.writes()).toEqual([]);
  });

  it('accepts a group whose ancestors grant nothing, even when they form a cycle, reading each once', async () => {
    const fake = fakeAuthentik([
      group({ attributes: OURS, parents: [PARENT] }),
      group({ pk: PARENT, name: 'staff', parents: [GRANDPARENT], roles: [] }),
      group({ pk: GRANDPARENT, name: 'everyone', parents: [PARENT, PK], is_superuser: false }),
    ]);
    expect(await apply(spec, {}, { authentik: fake.client })).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { groupPk: PK, created: ['groupPk'] },
    });
    // The grandparent's parents are read, found already checked, and not followed again.
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/core/groups/',
      `/core/groups/${PARENT}/`,
      `/core/groups/${GRANDPARENT}/`,
      `/core/groups/${PARENT}/`,
      `/core/groups/${PK}/`,
    ]);
  });

  it('passes over a parent that no longer exists', async () => {
    const fake = fakeAuthentik([group({ attributes: OURS, parents: [PARENT] })]);
    expect((await apply(spec, {}, { authentik: fake.client })).outcome).toBe('unchanged');
    expect(fake.requests.map((r) => r.path)).toEqual(['/core/groups/', `/core/groups/${PARENT}/`]);
  });

  /** The group and a chain of `n` ancestors anc-1 … anc-n, the last one changed by `last`. */
  function chain(n: number, last: Partial<GroupShape> = {}): GroupShape[] {
    const pk = (i: number) => (i === 0 ? PK : `anc-${i}`);
    return Array.from({ length: n + 1 }, (_, i) =>
      group({
        pk: pk(i),
        name: i === 0 ? NAME : `anc-${i}`,
        attributes: i === 0 ? OURS : {},
        parents: i < n ? [pk(i + 1)] : [],
        ...(i === n ? last : {}),
      }),
    );
  }

  it('follows the ancestry nine levels up', async () => {
    const fake = fakeAuthentik(chain(9, { is_superuser: true }));
    const error = await refusal(apply(spec, {}, { authentik: fake.client }));
    expect(error.message).toBe(admin('its ancestor "anc-9" grants superuser rights'));
    expect(fake.writes()).toEqual([]);
    const harmless = fakeAuthentik(chain(9, { parents: [PK] }));
    expect((await apply(spec, {}, { authentik: harmless.client })).outcome).toBe('unchanged');
  });

  it('refuses an ancestry deeper than it reads rather than taking it as harmless', async () => {
    const fake = fakeAuthentik(chain(10));
    const error = await refusal(apply(spec, {}, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      admin(
        'its ancestry is more than 10 levels deep, so whether it grants superuser rights or roles was not checked',
      ),
    );
    expect(fake.writes()).toEqual([]);
    expect(fake.requests).toHaveLength(11);
  });
});

describe('ensure-group destroy', () => {
  const recorded = { groupPk: PK, created: ['groupPk' as const] };

  it('deletes a group it recorded creating and that still carries its mark, once it is empty', async () => {
    const fake = fakeAuthentik([group({ attributes: OURS })]);
    expect(await destroy(spec, recorded, { authentik: fake.client })).toEqual({
      outcome: 'deleted',
      resources: { created: [] },
    });
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([['DELETE', `/core/groups/${PK}/`]]);
  });

  it('keeps a group it owns while someone is still in it', async () => {
    const fake = fakeAuthentik([group({ attributes: OURS, users: [42] })]);
    const result = await destroy(spec, recorded, { authentik: fake.client });
    expect(result).toEqual({ outcome: 'kept', resources: recorded });
    expect(fake.writes()).toEqual([]);
  });

  it.each([
    ['recorded as created but without the mark', {}, recorded],
    [
      'recorded as created but marked by another tenant',
      { attributes: { [OWNER_ATTRIBUTE]: 'other' } },
      recorded,
    ],
    ['marked but not recorded as created', { attributes: OURS }, { groupPk: PK }],
    [
      'marked but recorded under another pk',
      { attributes: OURS },
      { groupPk: OTHER, created: ['groupPk' as const] },
    ],
    ['adopted by an operator', {}, { groupPk: PK, adopted: ['groupPk' as const] }],
    [
      'adopted by an operator, marked and recorded as created too',
      { attributes: OURS },
      { groupPk: PK, created: ['groupPk' as const], adopted: ['groupPk' as const] },
    ],
  ])('keeps a group %s', async (_what, overrides, resources) => {
    const fake = fakeAuthentik([group(overrides)]);
    expect(await destroy(spec, resources, { authentik: fake.client })).toEqual({
      outcome: 'kept',
      resources,
    });
    expect(fake.writes()).toEqual([]);
  });

  it('answers absent when the group is gone', async () => {
    const fake = fakeAuthentik([]);
    expect(await destroy(spec, recorded, { authentik: fake.client })).toEqual({
      outcome: 'absent',
      resources: { created: [] },
    });
    expect(fake.writes()).toEqual([]);
  });
});

describe('ensure-group check', () => {
  it('reports a renamed group as drift and a deleted one as missing', async () => {
    expect(
      await check(spec, { groupPk: PK }, { authentik: fakeAuthentik([group({ name: 'x' })]).client }),
    ).toEqual({
      outcome: 'drifted',
      drift: [{ field: 'name', expected: NAME, actual: 'x' }],
    });
    expect((await check(spec, { groupPk: PK }, { authentik: fakeAuthentik([]).client })).outcome).toBe(
      'missing',
    );
  });
});
