// ensure-group over a fake Authentik: the create body with the tenant's mark, "already exists" read
// as "look again", ownership from the record or the mark, and a destroy that never deletes a group
// someone still uses.
import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { ValidationError } from '#lib/errors.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy, OWNER_ATTRIBUTE } from '../../functions/ensure-group/core.ts';

const BASE = 'https://auth.example.com';
const PK = '8a3e7c52-0000-4000-8000-000000000001';
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
}

const group = (overrides: Partial<GroupShape> = {}): GroupShape => ({
  pk: PK,
  name: 'cognito-users',
  attributes: {},
  users: [],
  ...overrides,
});

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
        body: { name: 'cognito-users', attributes: { [OWNER_ATTRIBUTE]: 'acme' } },
      }),
    ]);
    // Looked up without member lists, which can be long.
    expect(fake.requests[0]?.query.get('include_users')).toBe('false');
  });

  it('adopts a group of the same name without claiming it', async () => {
    const fake = fakeAuthentik([group()]);
    const result = await apply(spec, {}, { authentik: fake.client });
    expect(result).toEqual({ outcome: 'unchanged', writes: 0, resources: { groupPk: PK } });
    expect(fake.writes()).toEqual([]);
  });

  it('owns a group carrying its mark even when the record lost it (a crash after the create)', async () => {
    const fake = fakeAuthentik([group({ attributes: { [OWNER_ATTRIBUTE]: 'acme' } })]);
    expect((await apply(spec, {}, { authentik: fake.client })).resources.created).toEqual(['groupPk']);
  });

  it('does not claim a group marked by another tenant', async () => {
    const fake = fakeAuthentik([group({ attributes: { [OWNER_ATTRIBUTE]: 'other-tenant' } })]);
    expect((await apply(spec, {}, { authentik: fake.client })).resources.created).toBeUndefined();
  });

  it('looks again when Authentik says the name is taken', async () => {
    const groups: GroupShape[] = [];
    const fake = fakeAuthentik(groups, () => {
      groups.push(group());
      return json(400, { name: ['Group with this name already exists.'] });
    });
    const result = await apply(spec, {}, { authentik: fake.client });
    expect(result.resources.groupPk).toBe(PK);
    expect(result.writes).toBe(1);
  });

  it('passes on any other refusal of the create', async () => {
    const fake = fakeAuthentik([], () => json(400, { attributes: ['Not a valid JSON object.'] }));
    await expect(apply(spec, {}, { authentik: fake.client })).rejects.toBeInstanceOf(ValidationError);
  });

  it('renames its own group back, found by the recorded pk', async () => {
    const fake = fakeAuthentik([group({ name: 'renamed' })]);
    const result = await apply(spec, { groupPk: PK, created: ['groupPk'] }, { authentik: fake.client });
    expect(result.outcome).toBe('updated');
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: `/core/groups/${PK}/`,
        body: { name: 'cognito-users' },
      }),
    ]);
  });

  it('leaves a renamed group it only adopted to its owner and creates one under the spec’s name', async () => {
    const fake = fakeAuthentik([group({ name: 'renamed' })]);
    await apply(spec, { groupPk: PK }, { authentik: fake.client });
    expect(fake.writes().map((w) => w.method)).toEqual(['POST']);
  });
});

describe('ensure-group destroy', () => {
  it('deletes a group it owns once it is empty', async () => {
    const fake = fakeAuthentik([group()]);
    expect(
      (await destroy(spec, { groupPk: PK, created: ['groupPk'] }, { authentik: fake.client })).outcome,
    ).toBe('deleted');
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([['DELETE', `/core/groups/${PK}/`]]);
  });

  it('keeps a group it owns while someone is still in it', async () => {
    const fake = fakeAuthentik([group({ users: [42] })]);
    const result = await destroy(spec, { groupPk: PK, created: ['groupPk'] }, { authentik: fake.client });
    expect(result.outcome).toBe('kept');
    expect(fake.writes()).toEqual([]);
  });

  it('keeps a group it did not create', async () => {
    const fake = fakeAuthentik([group()]);
    expect((await destroy(spec, { groupPk: PK }, { authentik: fake.client })).outcome).toBe('kept');
    expect(fake.writes()).toEqual([]);
  });

  it('answers absent when the group is gone', async () => {
    const fake = fakeAuthentik([]);
    expect(
      (await destroy(spec, { groupPk: PK, created: ['groupPk'] }, { authentik: fake.client })).outcome,
    ).toBe('absent');
  });
});

describe('ensure-group check', () => {
  it('reports a renamed group as drift and a deleted one as missing', async () => {
    expect(
      await check(spec, { groupPk: PK }, { authentik: fakeAuthentik([group({ name: 'x' })]).client }),
    ).toEqual({
      outcome: 'drifted',
      drift: [{ field: 'name', expected: 'cognito-users', actual: 'x' }],
    });
    expect((await check(spec, { groupPk: PK }, { authentik: fakeAuthentik([]).client })).outcome).toBe(
      'missing',
    );
  });
});
