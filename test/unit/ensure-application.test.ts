// ensure-application over a fake Authentik: the create body, the issuer with its trailing slash
// cross-checked with the one Authentik reports, a provider already taken, and ownership by slug.
import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy, issuerFor } from '../../functions/ensure-application/core.ts';

const BASE = 'https://auth.example.com';
const APP_PK = '5b1c0000-0000-4000-8000-000000000001';

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

  it('sends no write when the application is as specified', async () => {
    const fake = fakeAuthentik([app()]);
    expect(await apply(spec, resources, { authentik: fake.client })).toMatchObject({
      outcome: 'unchanged',
      writes: 0,
    });
    expect(fake.writes()).toEqual([]);
  });

  it('PATCHes only what differs', async () => {
    const fake = fakeAuthentik([app({ provider: null })]);
    const result = await apply(spec, resources, { authentik: fake.client });
    expect(result.outcome).toBe('updated');
    expect(fake.writes()).toEqual([
      { method: 'PATCH', path: '/core/applications/cognito-acme/', body: { provider: 7 } },
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

describe('ensure-application destroy', () => {
  it('deletes an application under the derived slug, even without a record', async () => {
    const fake = fakeAuthentik([app()]);
    expect((await destroy(spec, {}, { authentik: fake.client })).outcome).toBe('deleted');
    expect(fake.writes().map((w) => w.method)).toEqual(['DELETE']);
  });

  it('keeps an application under a slug the spec chose unless it recorded creating it', async () => {
    const chosen = specWith({ applicationSlug: 'their-app' });
    const kept = fakeAuthentik([app({ slug: 'their-app' })]);
    expect((await destroy(chosen, {}, { authentik: kept.client })).outcome).toBe('kept');
    expect(kept.writes()).toEqual([]);
    const ours = fakeAuthentik([app({ slug: 'their-app' })]);
    const recorded: Resources = { applicationPk: APP_PK, created: ['applicationPk'] };
    expect((await destroy(chosen, recorded, { authentik: ours.client })).outcome).toBe('deleted');
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
