// ensure-access-policy over a fake Authentik: the policy text comes from the two templates only, the
// binding body, convergence of expression and binding, "already exists" read as "look again", and
// ownership: a policy under the derived name whose text is no template is a person's and refused
// unless an operator adopted it; destroy deletes only what it recorded creating that still has the
// derived name and a template.
import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { ConflictError, PreconditionError, ValidationError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import {
  apply,
  check,
  destroy,
  expressionFor,
  policyName,
} from '../../functions/ensure-access-policy/core.ts';

const BASE = 'https://auth.example.com';
const APP_PK = '5b1c0000-0000-4000-8000-000000000001';
const POLICY_PK = '9c2d0000-0000-4000-8000-000000000001';
const BINDING_PK = 'b1d00000-0000-4000-8000-000000000001';

function specWith(extra: Record<string, unknown> = {}): TenantSpec {
  return parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: BASE,
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf',
      },
      cognito: { callbackUrls: ['https://app.example/callback'] },
      ...extra,
    },
    { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false },
  );
}
const spec = specWith();
const resources: Resources = { applicationPk: APP_PK };
const GROUP_EXPRESSION = 'return ak_is_group_member(request.user, name="cognito-users-acme")';
const PERSONS_EXPRESSION = 'return request.user.username.startswith("a")';

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

interface State {
  policies: { pk: string; name: string; expression: string }[];
  bindings: {
    pk: string;
    target: string;
    policy: string;
    order: number;
    enabled: boolean;
    negate: boolean;
    timeout: number;
  }[];
  onBindingCreate?: () => Response;
  onPolicyCreate?: () => Response;
}

const ourPolicy = (expression = GROUP_EXPRESSION) => ({
  pk: POLICY_PK,
  name: 'cognito-acme-access',
  expression,
});
const ourBinding = (overrides: Partial<State['bindings'][number]> = {}) => ({
  pk: BINDING_PK,
  target: APP_PK,
  policy: POLICY_PK,
  order: 0,
  enabled: true,
  negate: false,
  timeout: 30,
  ...overrides,
});

function fakeAuthentik(state: State) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const client = createAuthentikClient({
    baseUrl: BASE,
    token: 'unit-test-token-0123456789',
    fetch: async (request) => {
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\/api\/v3/, '');
      const text = await request.text();
      const body = text ? JSON.parse(text) : undefined;
      requests.push({ method: request.method, path, body });
      const key = `${request.method} ${path}`;
      const policy = state.policies.find((p) => path === `/policies/expression/${p.pk}/`);
      const binding = state.bindings.find((b) => path === `/policies/bindings/${b.pk}/`);
      if (key === 'GET /policies/expression/') {
        return json(200, list(state.policies.filter((p) => p.name === url.searchParams.get('name'))));
      }
      if (key === 'POST /policies/expression/') {
        if (state.onPolicyCreate) return state.onPolicyCreate();
        const made = { ...body, pk: POLICY_PK };
        state.policies.push(made);
        return json(201, made);
      }
      if (key === 'GET /policies/bindings/') {
        return json(200, list(state.bindings.filter((b) => b.target === url.searchParams.get('target'))));
      }
      if (key === 'POST /policies/bindings/') {
        if (state.onBindingCreate) return state.onBindingCreate();
        const made = { ...body, pk: BINDING_PK };
        state.bindings.push(made);
        return json(201, made);
      }
      const item = policy ?? binding;
      if (item && request.method === 'GET') return json(200, item);
      if (item && request.method === 'PATCH') return json(200, Object.assign(item, body));
      if (item && request.method === 'DELETE') {
        if (policy) state.policies.splice(state.policies.indexOf(policy), 1);
        if (binding) state.bindings.splice(state.bindings.indexOf(binding), 1);
        return json(204);
      }
      return json(404, { detail: 'Not found.' });
    },
  });
  return { client, requests, writes: () => requests.filter((r) => r.method !== 'GET') };
}

describe('the policy text', () => {
  it('is one of the two templates, by the spec’s access', () => {
    expect(expressionFor(spec)).toBe(GROUP_EXPRESSION);
    expect(expressionFor(specWith({ access: { template: 'group', group: 'admins' } }))).toBe(
      'return ak_is_group_member(request.user, name="admins")',
    );
    expect(expressionFor(specWith({ access: { template: 'everyone' } }))).toBe('return True');
  });

  it('is never built from a group name that could break out of the string', () => {
    const escaping = 'x") or True or ("';
    // The spec refuses such a name; the template refuses it again should one get past the spec.
    expect(() => specWith({ access: { template: 'group', group: escaping } })).toThrow(ValidationError);
    const spec = { ...specWith(), access: { template: 'group' as const, group: escaping } };
    expect(() => expressionFor(spec)).toThrow(ValidationError);
  });

  it('is named after the tenant', () => {
    expect(policyName('acme')).toBe('cognito-acme-access');
  });
});

describe('ensure-access-policy apply', () => {
  it('creates the policy and binds it to the application', async () => {
    const fake = fakeAuthentik({ policies: [], bindings: [] });
    const result = await apply(spec, resources, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'created',
      writes: 2,
      resources: {
        policyPk: POLICY_PK,
        policyBindingPk: BINDING_PK,
        created: ['policyPk', 'policyBindingPk'],
      },
    });
    expect(fake.writes()).toEqual([
      {
        method: 'POST',
        path: '/policies/expression/',
        body: { name: 'cognito-acme-access', expression: GROUP_EXPRESSION },
      },
      {
        method: 'POST',
        path: '/policies/bindings/',
        body: { target: APP_PK, policy: POLICY_PK, order: 0, enabled: true, negate: false, timeout: 30 },
      },
    ]);
  });

  it('sends no write when policy and binding are as they should be', async () => {
    const fake = fakeAuthentik({ policies: [ourPolicy()], bindings: [ourBinding()] });
    expect(await apply(spec, resources, { authentik: fake.client })).toMatchObject({
      outcome: 'unchanged',
      writes: 0,
    });
    expect(fake.writes()).toEqual([]);
  });

  it('puts the template back and PATCHes only the binding fields that differ', async () => {
    const fake = fakeAuthentik({
      policies: [ourPolicy('return True')],
      bindings: [ourBinding({ negate: true })],
    });
    const result = await apply(spec, resources, { authentik: fake.client });
    expect(result).toMatchObject({ outcome: 'updated', writes: 2 });
    expect(fake.writes()).toEqual([
      { method: 'PATCH', path: `/policies/expression/${POLICY_PK}/`, body: { expression: GROUP_EXPRESSION } },
      { method: 'PATCH', path: `/policies/bindings/${BINDING_PK}/`, body: { negate: false } },
    ]);
  });

  it('ignores bindings of other policies on the application', async () => {
    const other = ourBinding({ pk: 'other-binding', policy: 'other-policy', negate: true });
    const fake = fakeAuthentik({ policies: [ourPolicy()], bindings: [other, ourBinding()] });
    expect((await apply(spec, resources, { authentik: fake.client })).resources.policyBindingPk).toBe(
      BINDING_PK,
    );
    expect(fake.writes()).toEqual([]);
  });

  it('looks again when Authentik says the binding exists (unique policy, target, order)', async () => {
    const state: State = { policies: [ourPolicy()], bindings: [] };
    state.onBindingCreate = () => {
      state.bindings.push(ourBinding());
      return json(400, { non_field_errors: ['The fields policy, target, order must make a unique set.'] });
    };
    const fake = fakeAuthentik(state);
    expect((await apply(spec, resources, { authentik: fake.client })).resources.policyBindingPk).toBe(
      BINDING_PK,
    );
  });

  it('refuses to run before the application exists, sending nothing', async () => {
    const fake = fakeAuthentik({ policies: [], bindings: [] });
    await expect(apply(spec, {}, { authentik: fake.client })).rejects.toBeInstanceOf(PreconditionError);
    expect(fake.requests).toEqual([]);
  });
});

describe('ensure-access-policy ownership', () => {
  const persons = () => ({ pk: POLICY_PK, name: 'cognito-acme-access', expression: PERSONS_EXPRESSION });

  it('refuses a policy under the derived name whose text is no template, writing nothing', async () => {
    const fake = fakeAuthentik({ policies: [persons()], bindings: [] });
    const error = await apply(spec, resources, { authentik: fake.client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(
      'Authentik expression policy "cognito-acme-access" (tenantId) was not made by this product for ' +
        'this tenant: choose another tenantId',
    );
    expect(fake.writes()).toEqual([]);
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/policies/expression/']]);
  });

  it('refuses it after a create that lost the race to it', async () => {
    const state: State = { policies: [], bindings: [] };
    state.onPolicyCreate = () => {
      state.policies.push(persons());
      return json(400, { name: ['Policy with this name already exists.'] });
    };
    const fake = fakeAuthentik(state);
    await expect(apply(spec, resources, { authentik: fake.client })).rejects.toBeInstanceOf(ConflictError);
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([['POST', '/policies/expression/']]);
  });

  it('converges a policy it recorded creating whose text a person changed', async () => {
    const fake = fakeAuthentik({ policies: [persons()], bindings: [ourBinding()] });
    const recorded: Resources = { ...resources, policyPk: POLICY_PK, created: ['policyPk'] };
    const result = await apply(spec, recorded, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'updated',
      writes: 1,
      resources: {
        policyPk: POLICY_PK,
        policyBindingPk: BINDING_PK,
        created: ['policyPk', 'policyBindingPk'],
      },
    });
    expect(fake.writes()).toEqual([
      { method: 'PATCH', path: `/policies/expression/${POLICY_PK}/`, body: { expression: GROUP_EXPRESSION } },
    ]);
  });

  it('renames its own recorded policy back to the derived name', async () => {
    const fake = fakeAuthentik({ policies: [{ ...ourPolicy(), name: 'renamed' }], bindings: [ourBinding()] });
    const recorded: Resources = { ...resources, policyPk: POLICY_PK, created: ['policyPk'] };
    expect(await apply(spec, recorded, { authentik: fake.client })).toMatchObject({
      outcome: 'updated',
      writes: 1,
    });
    expect(fake.writes()).toEqual([
      { method: 'PATCH', path: `/policies/expression/${POLICY_PK}/`, body: { name: 'cognito-acme-access' } },
    ]);
  });

  it('converges a policy an operator adopted, and records it as adopted, never as created', async () => {
    const fake = fakeAuthentik({ policies: [persons()], bindings: [] });
    const adopted: Resources = { ...resources, policyPk: POLICY_PK, adopted: ['policyPk'] };
    const result = await apply(spec, adopted, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'created',
      writes: 2,
      resources: {
        policyPk: POLICY_PK,
        policyBindingPk: BINDING_PK,
        created: ['policyBindingPk'],
        adopted: ['policyPk'],
      },
    });
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([
      ['PATCH', `/policies/expression/${POLICY_PK}/`],
      ['POST', '/policies/bindings/'],
    ]);
  });

  const recorded: Resources = {
    ...resources,
    policyPk: POLICY_PK,
    policyBindingPk: BINDING_PK,
    created: ['policyPk', 'policyBindingPk'],
  };
  it.each([
    ['recorded but with a text a person wrote', persons(), recorded],
    ['recorded but renamed', { ...ourPolicy(), name: 'someone-elses-policy' }, recorded],
    [
      'with the derived name and a template but not recorded',
      ourPolicy(),
      { ...resources, policyBindingPk: BINDING_PK },
    ],
    ['recorded under another pk', ourPolicy(), { ...recorded, policyPk: 'another-policy' }],
    ['adopted by an operator', ourPolicy(), { ...recorded, adopted: ['policyPk'] }],
  ] as [string, State['policies'][number], Resources][])(
    'destroy keeps a policy %s, and its binding',
    async (_what, policy, record) => {
      const fake = fakeAuthentik({ policies: [policy], bindings: [ourBinding()] });
      expect(await destroy(spec, record, { authentik: fake.client })).toEqual({
        outcome: 'kept',
        resources: record,
      });
      expect(fake.writes()).toEqual([]);
    },
  );
});

describe('ensure-access-policy destroy and check', () => {
  it('deletes the binding and the policy, then answers absent', async () => {
    const state: State = { policies: [ourPolicy()], bindings: [ourBinding()] };
    const recorded: Resources = {
      ...resources,
      policyPk: POLICY_PK,
      policyBindingPk: BINDING_PK,
      created: ['policyPk', 'policyBindingPk'],
    };
    const fake = fakeAuthentik(state);
    expect(await destroy(spec, recorded, { authentik: fake.client })).toEqual({
      outcome: 'deleted',
      resources: { ...resources, created: [] },
    });
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([
      ['DELETE', `/policies/bindings/${BINDING_PK}/`],
      ['DELETE', `/policies/expression/${POLICY_PK}/`],
    ]);
    expect((await destroy(spec, recorded, { authentik: fake.client })).outcome).toBe('absent');
  });

  it('deletes a binding only when it recorded creating it', async () => {
    const fake = fakeAuthentik({ policies: [ourPolicy()], bindings: [ourBinding()] });
    const recorded: Resources = {
      ...resources,
      policyPk: POLICY_PK,
      policyBindingPk: BINDING_PK,
      created: ['policyPk'],
    };
    expect((await destroy(spec, recorded, { authentik: fake.client })).outcome).toBe('deleted');
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([
      ['DELETE', `/policies/expression/${POLICY_PK}/`],
    ]);
  });

  it('answers absent when nothing was recorded and nothing is there', async () => {
    const fake = fakeAuthentik({ policies: [], bindings: [] });
    expect(await destroy(spec, resources, { authentik: fake.client })).toEqual({
      outcome: 'absent',
      resources: { ...resources, created: [] },
    });
    expect(fake.writes()).toEqual([]);
  });

  it('reports the expression and each binding field that drifted', async () => {
    const fake = fakeAuthentik({
      policies: [ourPolicy('return True')],
      bindings: [ourBinding({ enabled: false, timeout: 5 })],
    });
    const result = await check(spec, { ...resources, policyPk: POLICY_PK }, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'drifted',
      drift: [
        { field: 'expression', expected: GROUP_EXPRESSION, actual: 'return True' },
        { field: 'binding.enabled', expected: true, actual: false },
        { field: 'binding.timeout', expected: 30, actual: 5 },
      ],
    });
  });

  it('answers missing without a binding', async () => {
    const fake = fakeAuthentik({ policies: [ourPolicy()], bindings: [] });
    expect((await check(spec, resources, { authentik: fake.client })).outcome).toBe('missing');
  });
});
