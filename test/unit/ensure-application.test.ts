// ensure-application over a fake Authentik: the create body, the issuer with its trailing slash
// cross-checked with the one Authentik reports, a provider already taken, and ownership: never by
// slug, only by serving the tenant's provider or an operator's adoption; destroy deletes only the
// application it recorded creating that still serves the tenant's provider.
import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy, issuerFor } from '../../functions/ensure-application/core.ts';

const BASE = 'https://auth.example.com';
const APP_PK = '5b1c0000-0000-4000-8000-000000000001';
const OTHER_PK = '5b1c0000-0000-4000-8000-0000000000ff';

function specWith(authentik: Record<string, unknown> = {}): TenantSpec {
  return parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: BASE,
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf',
        ...authentik,
      },
      cognito: { callbackUrls: ['https://app.example/callback'] },
    },
    { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false },
  );
}
const spec = specWith();
const resources: Resources = { providerPk: 7 };

const json = (status: number, body?: unknown) =>
  body === undefined
    ? new Response(null, { status })
    : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface AppShape {
  pk: string;
  slug: string;
  name: string;
  provider: number | null;
}

const app = (overrides: Partial<AppShape> = {}): AppShape => ({
  pk: APP_PK,
  slug: 'cognito-acme',
  name: 'Cognito acme',
  provider: 7,
  ...overrides,
});

interface Options {
  onCreate?: (body: AppShape) => Response;
  issuer?: string;
  otherApplication?: string;
}

function fakeAuthentik(apps: AppShape[], options: Options = {}) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const client = createAuthentikClient({
    baseUrl: BASE,
    token: 'unit-test-token-0123456789',
    fetch: async (request) => {
      const path = new URL(request.url).pathname.replace(/^\/api\/v3/, '');
      const text = await request.text();
      const body = text ? JSON.parse(text) : undefined;
      requests.push({ method: request.method, path, body });
      const bySlug = apps.find((a) => path === `/core/applications/${a.slug}/`);
      if (request.method === 'POST' && path === '/core/applications/') {
        if (options.onCreate) return options.onCreate(body);
        const made = app({ ...body, pk: APP_PK });
        apps.push(made);
        return json(201, made);
      }
      if (path === '/providers/oauth2/7/setup_urls/') {
        return json(200, { issuer: options.issuer ?? `${BASE}/application/o/${apps[0]?.slug}/` });
      }
      if (path === '/providers/oauth2/7/') {
        return json(200, { pk: 7, name: 'p', assigned_application_slug: options.otherApplication ?? null });
      }
      if (bySlug && request.method === 'GET') return json(200, bySlug);
      if (bySlug && request.method === 'PATCH') return json(200, Object.assign(bySlug, body));
      if (bySlug && request.method === 'DELETE') {
        apps.splice(apps.indexOf(bySlug), 1);
        return json(204);
      }
      return json(404, { detail: 'Not found.' });
    },
  });
  return { client, requests, writes: () => requests.filter((r) => r.method !== 'GET') };
}

describe('issuerFor', () => {
  it('is <origin>/application/o/<slug>/ with exactly one trailing slash', () => {
    expect(issuerFor('https://auth.example.com', 'cognito-acme')).toBe(
      'https://auth.example.com/application/o/cognito-acme/',
    );
    expect(issuerFor('https://auth.example.com/', 'x')).toBe('https://auth.example.com/application/o/x/');
  });
});

describe('ensure-application apply', () => {
  it('creates {name, slug, provider} and records the issuer', async () => {
    const fake = fakeAuthentik([]);
    const result = await apply(spec, resources, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'created',
      writes: 1,
      resources: {
        applicationSlug: 'cognito-acme',
        applicationPk: APP_PK,
        issuer: 'https://auth.example.com/application/o/cognito-acme/',
        created: ['applicationPk'],
      },
    });
    expect(fake.writes()).toEqual([
      {
        method: 'POST',
        path: '/core/applications/',
        body: { name: 'Cognito acme', slug: 'cognito-acme', provider: 7 },
      },
    ]);
  });

  it('sends no write when the application is as specified (it serves our provider: ours)', async () => {
    const fake = fakeAuthentik([app()]);
    expect(await apply(spec, resources, { authentik: fake.client })).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: {
        applicationSlug: 'cognito-acme',
        applicationPk: APP_PK,
        issuer: 'https://auth.example.com/application/o/cognito-acme/',
        created: ['applicationPk'],
      },
    });
    expect(fake.writes()).toEqual([]);
  });

  it('PATCHes only what differs', async () => {
    // Recorded as created by an earlier run, since unpointed: converged back to our provider.
    const fake = fakeAuthentik([app({ provider: null })]);
    const recorded: Resources = { ...resources, applicationPk: APP_PK, created: ['applicationPk'] };
    const result = await apply(spec, recorded, { authentik: fake.client });
    expect(result.outcome).toBe('updated');
    expect(fake.writes()).toEqual([
      { method: 'PATCH', path: '/core/applications/cognito-acme/', body: { provider: 7 } },
    ]);
    const renamed = fakeAuthentik([app({ name: 'Renamed' })]);
    await apply(spec, resources, { authentik: renamed.client });
    expect(renamed.writes()).toEqual([
      { method: 'PATCH', path: '/core/applications/cognito-acme/', body: { name: 'Cognito acme' } },
    ]);
  });

  it('says which application already holds the provider', async () => {
    const fake = fakeAuthentik([], {
      onCreate: () => json(400, { provider: ['Application with this provider already exists.'] }),
      otherApplication: 'older-app',
    });
    const failure = apply(spec, resources, { authentik: fake.client });
    await expect(failure).rejects.toBeInstanceOf(ConflictError);
    await expect(failure).rejects.toThrow(/"older-app"/);
  });

  it('refuses an issuer that differs from the one Authentik reports (global issuer mode)', async () => {
    const fake = fakeAuthentik([app()], { issuer: `${BASE}/` });
    await expect(apply(spec, resources, { authentik: fake.client })).rejects.toThrow(PreconditionError);
  });

  it('refuses to run before the provider exists, sending nothing', async () => {
    const fake = fakeAuthentik([]);
    await expect(apply(spec, {}, { authentik: fake.client })).rejects.toBeInstanceOf(PreconditionError);
    expect(fake.requests).toEqual([]);
  });
});

describe('ensure-application ownership', () => {
  async function refusal(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a refusal');
  }
  const refused =
    'Authentik application "cognito-acme" (authentik.applicationSlug) was not made by this product for ' +
    'this tenant: choose another authentik.applicationSlug, or have an operator adopt it for this ' +
    `tenant (federation adopt acme application ${APP_PK}; it is then never deleted)`;

  it.each([
    ['another provider', 9],
    ['no provider', null],
  ])('refuses an application under the slug that serves %s, writing nothing', async (_what, provider) => {
    const fake = fakeAuthentik([app({ provider })]);
    const error = await refusal(apply(spec, resources, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(refused);
    expect(fake.writes()).toEqual([]);
  });

  it('does not take a record of another application, or of adopting another one, for this one', async () => {
    for (const list of ['created', 'adopted'] as const) {
      const fake = fakeAuthentik([app({ provider: 9 })]);
      const record: Resources = { ...resources, applicationPk: OTHER_PK, [list]: ['applicationPk'] };
      await expect(apply(spec, record, { authentik: fake.client })).rejects.toBeInstanceOf(ConflictError);
      expect(fake.writes()).toEqual([]);
    }
  });

  it('refuses the application a person made meanwhile under the slug, after the create lost the race', async () => {
    const apps: AppShape[] = [];
    const fake = fakeAuthentik(apps, {
      onCreate: () => {
        apps.push(app({ provider: 9 }));
        return json(400, { slug: ['Application with this slug already exists.'] });
      },
    });
    const error = await refusal(apply(spec, resources, { authentik: fake.client }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(refused);
    expect(fake.writes().map((w) => w.method)).toEqual(['POST']);
  });

  it('converges an application an operator adopted, and records it as adopted, never as created', async () => {
    const fake = fakeAuthentik([app({ provider: 9, name: 'Theirs' })]);
    const result = await apply(
      spec,
      { ...resources, applicationPk: APP_PK, adopted: ['applicationPk'] },
      { authentik: fake.client },
    );
    expect(result).toEqual({
      outcome: 'updated',
      writes: 1,
      resources: {
        applicationSlug: 'cognito-acme',
        applicationPk: APP_PK,
        issuer: 'https://auth.example.com/application/o/cognito-acme/',
        adopted: ['applicationPk'],
      },
    });
    expect(fake.writes()).toEqual([
      {
        method: 'PATCH',
        path: '/core/applications/cognito-acme/',
        body: { name: 'Cognito acme', provider: 7 },
      },
    ]);
  });
});

describe('ensure-application destroy', () => {
  const recorded: Resources = { providerPk: 7, applicationPk: APP_PK, created: ['applicationPk'] };

  it('keeps an application under the derived slug without a record of creating it', async () => {
    const fake = fakeAuthentik([app()]);
    expect(await destroy(spec, resources, { authentik: fake.client })).toEqual({
      outcome: 'kept',
      resources,
    });
    expect(await destroy(spec, {}, { authentik: fake.client })).toEqual({ outcome: 'kept', resources: {} });
    expect(fake.writes()).toEqual([]);
  });

  it('keeps an application under a slug the spec chose unless it recorded creating it', async () => {
    const chosen = specWith({ applicationSlug: 'their-app' });
    const kept = fakeAuthentik([app({ slug: 'their-app' })]);
    expect((await destroy(chosen, {}, { authentik: kept.client })).outcome).toBe('kept');
    expect(kept.writes()).toEqual([]);
    const ours = fakeAuthentik([app({ slug: 'their-app' })]);
    expect(await destroy(chosen, recorded, { authentik: ours.client })).toEqual({
      outcome: 'deleted',
      resources: { providerPk: 7, created: [] },
    });
    expect(ours.writes()).toEqual([
      { method: 'DELETE', path: '/core/applications/their-app/', body: undefined },
    ]);
  });

  it.each([
    ['recorded but serving another provider', app({ provider: 9 }), recorded],
    ['recorded but serving no provider', app({ provider: null }), recorded],
    [
      'recorded, but without the provider it should serve',
      app(),
      { applicationPk: APP_PK, created: ['applicationPk'] },
    ],
    [
      'recorded, serving no provider, with no provider recorded either',
      { pk: APP_PK, slug: 'cognito-acme', name: 'Cognito acme' } as AppShape,
      { applicationPk: APP_PK, created: ['applicationPk'] },
    ],
    ['serving our provider but recorded under another pk', app(), { ...recorded, applicationPk: OTHER_PK }],
    ['adopted by an operator', app(), { ...recorded, adopted: ['applicationPk'] }],
  ] as [string, AppShape, Resources][])('keeps an application %s', async (_what, existing, record) => {
    const fake = fakeAuthentik([existing]);
    expect(await destroy(spec, record, { authentik: fake.client })).toEqual({
      outcome: 'kept',
      resources: record,
    });
    expect(fake.writes()).toEqual([]);
  });

  it('answers absent when it is gone', async () => {
    expect((await destroy(spec, {}, { authentik: fakeAuthentik([]).client })).outcome).toBe('absent');
  });
});

describe('ensure-application check', () => {
  it('reports name, provider and issuer drift', async () => {
    const fake = fakeAuthentik([app({ name: 'Renamed' })], { issuer: `${BASE}/` });
    const result = await check(spec, resources, { authentik: fake.client });
    expect(result).toEqual({
      outcome: 'drifted',
      drift: [
        { field: 'name', expected: 'Cognito acme', actual: 'Renamed' },
        {
          field: 'issuer',
          expected: 'https://auth.example.com/application/o/cognito-acme/',
          actual: `${BASE}/`,
        },
      ],
    });
  });
});
