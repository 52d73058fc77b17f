// ensure-oidc-provider over a fake Authentik (a fetch answering per path) and a mocked Secrets
// Manager: the exact provider body with the tenant's marked client id, the PATCH of only what
// differs, the preconditions and their hints, the client secret kept out of every drift report, and
// ownership: a provider of that name without this tenant's client id is refused unless an operator
// adopted it, and destroy deletes only the provider it recorded creating that is still marked.
import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { OIDC_SCOPE_MAPPINGS } from '#lib/authentik/lookups.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy } from '../../functions/ensure-oidc-provider/core.ts';

const BASE = 'https://auth.example.com';
const TOKEN = 'unit-test-token-0123456789';
const REDIRECT = 'https://acme-login.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/oidc-client-AbCdEf';
const CLIENT_SECRET = `client-secret-${'s'.repeat(100)}`;
/** The client id of a provider this product created for acme: `federation.<tenantId>.<32 hex>`. */
const CLIENT_ID = 'federation.acme.0123456789abcdef0123456789abcdef';
const MARKED_CLIENT_ID = /^federation\.acme\.[0-9a-f]{32}$/;

const secretsMock = mockClient(SecretsManagerClient);
const secrets = new SecretsManagerClient({ region: 'eu-west-1' });

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

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
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

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}
type Route = (seen: Seen) => unknown;

/** An Authentik answering `routes` by "METHOD /path/" (404 for the rest), recording every request. */
function fakeAuthentik(routes: Record<string, Route>) {
  const requests: Seen[] = [];
  const client = createAuthentikClient({
    baseUrl: BASE,
    token: TOKEN,
    fetch: async (request) => {
      const url = new URL(request.url);
      const text = await request.text();
      const seen = {
        method: request.method,
        path: url.pathname.replace(/^\/api\/v3/, ''),
        query: url.searchParams,
        body: text ? JSON.parse(text) : undefined,
      };
      requests.push(seen);
      const route = routes[`${seen.method} ${seen.path}`];
      if (!route) return json(404, { detail: 'Not found.' });
      const answer = await route(seen);
      return answer instanceof Response ? answer : json(200, answer);
    },
  });
  return { client, requests, writes: () => requests.filter((r) => r.method !== 'GET') };
}

const FLOWS = [
  {
    pk: 'flow-explicit',
    slug: 'default-provider-authorization-explicit-consent',
    designation: 'authorization',
  },
  {
    pk: 'flow-implicit',
    slug: 'default-provider-authorization-implicit-consent',
    designation: 'authorization',
  },
  { pk: 'flow-authn', slug: 'default-authentication-flow', designation: 'authentication' },
  { pk: 'flow-logout', slug: 'default-provider-invalidation-flow', designation: 'invalidation' },
];
const KEY = {
  pk: 'key-1',
  name: 'authentik Self-signed Certificate',
  private_key_available: true,
  key_type: 'rsa',
};
const MAPPINGS = OIDC_SCOPE_MAPPINGS.map((managed, i) => ({ pk: `mapping-${i}`, managed }));

function provider(overrides: Record<string, unknown> = {}) {
  return {
    pk: 7,
    name: 'Cognito acme (OIDC)',
    authorization_flow: 'flow-explicit',
    invalidation_flow: 'flow-logout',
    client_type: 'confidential',
    signing_key: 'key-1',
    property_mappings: ['mapping-0', 'mapping-1', 'mapping-2'],
    redirect_uris: [{ matching_mode: 'strict', url: REDIRECT, redirect_uri_type: 'authorization' }],
    sub_mode: 'hashed_user_id',
    issuer_mode: 'per_provider',
    include_claims_in_id_token: true,
    grant_types: ['authorization_code'],
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    assigned_application_slug: null,
    ...overrides,
  };
}

/** Lookups as a fresh Authentik answers them, plus the providers given. */
function authentikWith(
  providers: ReturnType<typeof provider>[],
  extra: Record<string, Route> = {},
  key: Record<string, unknown> = KEY,
) {
  return fakeAuthentik({
    'GET /flows/instances/': ({ query }) => list(FLOWS.filter((f) => f.slug === query.get('slug'))),
    'GET /crypto/certificatekeypairs/': ({ query }) =>
      list([key].filter((k) => k.name === query.get('name'))),
    'GET /propertymappings/provider/scope/': () => list(MAPPINGS),
    'GET /providers/oauth2/': ({ query }) => list(providers.filter((p) => p.name === query.get('name'))),
    'POST /providers/oauth2/': ({ body }) => json(201, { ...provider(), ...(body as object), pk: 7 }),
    'GET /providers/oauth2/7/': () => providers[0] ?? json(404, { detail: 'Not found.' }),
    'PATCH /providers/oauth2/7/': ({ body }) => ({ ...providers[0], ...(body as object) }),
    ...extra,
  });
}

const resources: Resources = { redirectUri: REDIRECT };

/** The client id the first write (the create) sent. */
function sentClientId(fake: ReturnType<typeof fakeAuthentik>): string {
  const body = fake.writes()[0]?.body as { client_id?: unknown } | undefined;
  return String(body?.client_id);
}
const storedClient = JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });

beforeEach(() => {
  secretsMock.reset();
  secretsMock
    .on(DescribeSecretCommand)
    .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
  secretsMock.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN });
});

describe('ensure-oidc-provider apply', () => {
  it('speaks the release: no redirect_uri_type nor grant_types for 2025.10 (both arrived in 2026.8)', async () => {
    const fake = authentikWith([], {
      'GET /admin/version/': () => json(200, { version_current: '2025.10.4' }),
    });
    await apply(specWith(), resources, { authentik: fake.client, secrets, secretPrefix: 'federation' });
    const body = fake.writes()[0]?.body as Record<string, unknown>;
    expect(body.redirect_uris).toEqual([{ matching_mode: 'strict', url: REDIRECT }]);
    expect(body).not.toHaveProperty('grant_types');
  });

  it('creates the provider with exactly the body the federation needs', async () => {
    const fake = authentikWith([]);
    const result = await apply(specWith(), resources, {
      authentik: fake.client,
      secrets,
      secretPrefix: 'federation',
    });
    expect(result).toEqual({
      outcome: 'created',
      writes: 2,
      resources: {
        providerPk: 7,
        oidcClientSecretArn: SECRET_ARN,
        created: ['providerPk', 'oidcClientSecretArn'],
      },
    });
    const writes = fake.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ method: 'POST', path: '/providers/oauth2/' });
    expect(writes[0]?.body).toEqual({
      name: 'Cognito acme (OIDC)',
      authorization_flow: 'flow-explicit',
      invalidation_flow: 'flow-logout',
      client_type: 'confidential',
      signing_key: 'key-1',
      property_mappings: ['mapping-0', 'mapping-1', 'mapping-2'],
      redirect_uris: [{ matching_mode: 'strict', url: REDIRECT, redirect_uri_type: 'authorization' }],
      sub_mode: 'hashed_user_id',
      issuer_mode: 'per_provider',
      include_claims_in_id_token: true,
      grant_types: ['authorization_code'],
      client_id: expect.stringMatching(MARKED_CLIENT_ID),
    });
    // The signing key is looked up with a private key only; the scope mappings by managed id.
    const keyLookup = fake.requests.find((r) => r.path === '/crypto/certificatekeypairs/');
    expect(keyLookup?.query.get('has_key')).toBe('true');
    const mappingLookup = fake.requests.find((r) => r.path === '/propertymappings/provider/scope/');
    expect(mappingLookup?.query.getAll('managed')).toEqual([...OIDC_SCOPE_MAPPINGS]);
  });

  it('stores {client_id, client_secret} in the tenant’s oidc-client secret', async () => {
    const fake = authentikWith([]);
    await apply(specWith(), resources, { authentik: fake.client, secrets, secretPrefix: 'federation' });
    const sent = sentClientId(fake);
    expect(sent).toMatch(MARKED_CLIENT_ID);
    expect(secretsMock).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'federation/acme/oidc-client',
      SecretString: JSON.stringify({ client_id: sent, client_secret: CLIENT_SECRET }),
      Tags: expect.arrayContaining([{ Key: 'tenant', Value: 'acme' }]),
    });
  });

  it('draws a new random client id for every provider it creates', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const fake = authentikWith([]);
      await apply(specWith(), resources, { authentik: fake.client, secrets, secretPrefix: 'federation' });
      ids.add(sentClientId(fake));
    }
    expect(ids.size).toBe(5);
    for (const id of ids) expect(id).toMatch(MARKED_CLIENT_ID);
  });

  it('sends nothing when the provider and the stored client already match', async () => {
    const fake = authentikWith([provider()]);
    secretsMock
      .on(DescribeSecretCommand)
      .resolves({ ARN: SECRET_ARN, Tags: [{ Key: 'tenant', Value: 'acme' }] });
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: storedClient });
    const result = await apply(specWith(), resources, {
      authentik: fake.client,
      secrets,
      secretPrefix: 'federation',
    });
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0 });
    expect(fake.writes()).toEqual([]);
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(secretsMock).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('PATCHes only the fields that differ, keeping logout URIs and dropping other authorization URIs', async () => {
    const logout = { matching_mode: 'strict', url: 'https://app.example/bye', redirect_uri_type: 'logout' };
    const drifted = provider({
      signing_key: null,
      redirect_uris: [
        { matching_mode: 'regex', url: 'https://.*', redirect_uri_type: 'authorization' },
        logout,
      ],
      property_mappings: ['mapping-2', 'mapping-1', 'mapping-0'], // order does not matter
    });
    const fake = authentikWith([drifted]);
    const result = await apply(specWith(), resources, {
      authentik: fake.client,
      secrets,
      secretPrefix: 'federation',
    });
    expect(result.outcome).toBe('updated');
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: '/providers/oauth2/7/',
        body: {
          signing_key: 'key-1',
          redirect_uris: [
            { matching_mode: 'strict', url: REDIRECT, redirect_uri_type: 'authorization' },
            logout,
          ],
        },
      }),
    ]);
  });

  it('looks again when Authentik says the name is taken (a concurrent run created it)', async () => {
    let created = false;
    const fake = authentikWith([], {
      'GET /providers/oauth2/': () => list(created ? [provider()] : []),
      'POST /providers/oauth2/': () => {
        created = true;
        return json(400, { name: ['Provider with this name already exists.'] });
      },
    });
    const result = await apply(specWith(), resources, {
      authentik: fake.client,
      secrets,
      secretPrefix: 'federation',
    });
    expect(result.resources).toEqual({
      providerPk: 7,
      oidcClientSecretArn: SECRET_ARN,
      created: ['providerPk', 'oidcClientSecretArn'],
    });
    expect(fake.writes()).toHaveLength(1);
  });

  it("names the guide's non-existent flow and the flows to use instead, before any write", async () => {
    const fake = authentikWith([]);
    const spec = specWith({ authorizationFlow: 'default-authentication-flow-explicit' });
    const failure = apply(spec, resources, { authentik: fake.client, secrets, secretPrefix: 'federation' });
    await expect(failure).rejects.toBeInstanceOf(PreconditionError);
    await expect(failure).rejects.toThrow(
      /"default-authentication-flow-explicit" \(authentik\.authorizationFlow\).*exists in no Authentik.*default-provider-authorization-explicit-consent.*default-provider-authorization-implicit-consent/,
    );
    expect(fake.writes()).toEqual([]);
    expect(secretsMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    [
      'a missing invalidation flow',
      { invalidationFlow: 'no-such-flow' },
      KEY,
      /invalidation flow "no-such-flow"/,
    ],
    [
      'an authentication flow used for authorization',
      { authorizationFlow: 'default-authentication-flow' },
      KEY,
      /not an authorization flow/,
    ],
    [
      'a missing signing key',
      { signingKeyName: 'no such key' },
      KEY,
      /no certificate key pair "no such key".*HS256/,
    ],
    ['an EC signing key', {}, { ...KEY, key_type: 'ec' }, /RS256, which needs an RSA key pair/],
    [
      // Before 2026.2 the key pair names its type private_key_type (functions/lib/authentik/release.ts).
      'an EC signing key of a release before 2026.2',
      {},
      { pk: KEY.pk, name: KEY.name, private_key_available: true, private_key_type: 'ellipticcurve' },
      /holds an ellipticcurve key.*RS256, which needs an RSA key pair/,
    ],
  ])('refuses %s with a PreconditionError and writes nothing', async (_what, authentik, key, message) => {
    const fake = authentikWith([], {}, key);
    const failure = apply(specWith(authentik), resources, {
      authentik: fake.client,
      secrets,
      secretPrefix: 'federation',
    });
    await expect(failure).rejects.toBeInstanceOf(PreconditionError);
    await expect(failure).rejects.toThrow(message);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses to run without the redirect URI, before any request', async () => {
    const fake = authentikWith([]);
    await expect(
      apply(specWith(), {}, { authentik: fake.client, secrets, secretPrefix: 'federation' }),
    ).rejects.toThrow(PreconditionError);
    expect(fake.requests).toEqual([]);
  });

  it('refuses to converge a provider that serves another application', async () => {
    const fake = authentikWith([
      provider({ assigned_application_slug: 'someone-elses-app', signing_key: null }),
    ]);
    const failure = apply(specWith(), resources, {
      authentik: fake.client,
      secrets,
      secretPrefix: 'federation',
    });
    await expect(failure).rejects.toBeInstanceOf(ConflictError);
    await expect(failure).rejects.toThrow(/someone-elses-app/);
    expect(fake.writes()).toEqual([]);
  });
});

describe('ensure-oidc-provider ownership', () => {
  const clients = () => ({ secrets, secretPrefix: 'federation' });
  const unmarked = provider({ client_id: 'pJ7lM0aRkYQzs9fAw3c1VhXbGe2tLuDn8oKiNyqP' });

  async function refusal(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a refusal');
  }

  function expectNoSecretTouched(): void {
    expect(secretsMock).not.toHaveReceivedCommand(GetSecretValueCommand);
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(secretsMock).not.toHaveReceivedCommand(PutSecretValueCommand);
  }

  it('refuses a provider of the same name without a client id of ours, offering adoption, writing nothing', async () => {
    const fake = authentikWith([unmarked]);
    const error = await refusal(apply(specWith(), resources, { authentik: fake.client, ...clients() }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'OAuth2 provider "Cognito acme (OIDC)" (authentik.providerName) was not made by this product for ' +
        'this tenant: choose another authentik.providerName, or have an operator adopt it for this tenant ' +
        '(federation adopt acme provider 7; it is then never deleted)',
    );
    expect(error.message).not.toContain(CLIENT_SECRET);
    expect(fake.writes()).toEqual([]);
    expectNoSecretTouched();
  });

  it("refuses another tenant's provider, even one recorded as created or adopted", async () => {
    const theirs = provider({ client_id: 'federation.globex.0123456789abcdef0123456789abcdef' });
    for (const record of [
      {},
      { providerPk: 7, created: ['providerPk' as const] },
      { providerPk: 7, adopted: ['providerPk' as const] },
    ]) {
      const fake = authentikWith([theirs]);
      const error = await refusal(
        apply(specWith(), { ...resources, ...record }, { authentik: fake.client, ...clients() }),
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toBe(
        'OAuth2 provider "Cognito acme (OIDC)" (authentik.providerName) belongs to another tenant: ' +
          'choose another authentik.providerName',
      );
      expect(fake.writes()).toEqual([]);
    }
    expectNoSecretTouched();
  });

  it('refuses a provider that a person made meanwhile under the name, after the create lost the race', async () => {
    let created = false;
    const fake = authentikWith([], {
      'GET /providers/oauth2/': () => list(created ? [unmarked] : []),
      'POST /providers/oauth2/': () => {
        created = true;
        return json(400, { name: ['Provider with this name already exists.'] });
      },
    });
    const error = await refusal(apply(specWith(), resources, { authentik: fake.client, ...clients() }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(fake.writes().map((w) => w.method)).toEqual(['POST']);
    expectNoSecretTouched();
  });

  it('converges a provider an operator adopted, recording it as adopted, never as created', async () => {
    const fake = authentikWith([provider({ ...unmarked, signing_key: null })]);
    const result = await apply(
      specWith(),
      { ...resources, providerPk: 7, adopted: ['providerPk'] },
      { authentik: fake.client, ...clients() },
    );
    expect(result).toEqual({
      outcome: 'updated',
      writes: 2,
      resources: {
        providerPk: 7,
        oidcClientSecretArn: SECRET_ARN,
        created: ['oidcClientSecretArn'],
        adopted: ['providerPk'],
      },
    });
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: '/providers/oauth2/7/',
        body: { signing_key: 'key-1' },
      }),
    ]);
  });

  it('goes on converging its provider once it serves the tenant’s own application', async () => {
    const fake = authentikWith([provider({ assigned_application_slug: 'cognito-acme' })]);
    secretsMock
      .on(DescribeSecretCommand)
      .resolves({ ARN: SECRET_ARN, Tags: [{ Key: 'tenant', Value: 'acme' }] });
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: storedClient });
    const result = await apply(
      specWith(),
      { ...resources, providerPk: 7, created: ['providerPk'] },
      {
        authentik: fake.client,
        ...clients(),
      },
    );
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0 });
    expect(fake.writes()).toEqual([]);
  });

  it('finds its own renamed provider by the recorded pk, but not an unmarked one recorded there', async () => {
    const renamed = provider({ name: 'Renamed' });
    const ours = authentikWith([renamed]);
    await apply(
      specWith(),
      { ...resources, providerPk: 7, created: ['providerPk'] },
      { authentik: ours.client, ...clients() },
    );
    expect(ours.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: '/providers/oauth2/7/',
        body: { name: 'Cognito acme (OIDC)' },
      }),
    ]);
    const notOurs = authentikWith([provider({ ...unmarked, name: 'Renamed' })]);
    await apply(specWith(), { ...resources, providerPk: 7 }, { authentik: notOurs.client, ...clients() });
    expect(notOurs.writes().map((w) => [w.method, w.path])).toEqual([['POST', '/providers/oauth2/']]);
  });
});

describe('ensure-oidc-provider destroy', () => {
  const recorded: Resources = {
    ...resources,
    providerPk: 7,
    oidcClientSecretArn: SECRET_ARN,
    created: ['providerPk', 'oidcClientSecretArn'],
  };
  const clients = () => ({ secrets, secretPrefix: 'federation' });
  const withDelete = (providers: ReturnType<typeof provider>[]) =>
    authentikWith(providers, { 'DELETE /providers/oauth2/7/': () => new Response(null, { status: 204 }) });

  beforeEach(() => {
    secretsMock.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    secretsMock.on(DeleteSecretCommand).resolves({ ARN: SECRET_ARN });
  });

  it('deletes the stored client and the provider it recorded creating whose client id is still marked', async () => {
    const fake = withDelete([provider()]);
    expect(await destroy(specWith(), recorded, { authentik: fake.client, ...clients() })).toEqual({
      outcome: 'deleted',
      resources: { redirectUri: REDIRECT, created: [] },
    });
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([['DELETE', '/providers/oauth2/7/']]);
    expect(secretsMock).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: SECRET_ARN });
  });

  it('answers deleted when only the stored client was left, absent when nothing was', async () => {
    const gone = authentikWith([]);
    expect(await destroy(specWith(), recorded, { authentik: gone.client, ...clients() })).toEqual({
      outcome: 'deleted',
      resources: { redirectUri: REDIRECT, created: [] },
    });
    secretsMock
      .on(DescribeSecretCommand)
      .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    expect((await destroy(specWith(), recorded, { authentik: gone.client, ...clients() })).outcome).toBe(
      'absent',
    );
    expect(gone.writes()).toEqual([]);
  });

  it('deletes its own provider found by the recorded pk when it was renamed', async () => {
    const fake = authentikWith([provider({ name: 'Renamed' })], {
      'DELETE /providers/oauth2/7/': () => new Response(null, { status: 204 }),
    });
    expect((await destroy(specWith(), recorded, { authentik: fake.client, ...clients() })).outcome).toBe(
      'deleted',
    );
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/providers/oauth2/7/'],
      ['DELETE', '/providers/oauth2/7/'],
    ]);
  });

  it.each([
    ['recorded but with a client id not of ours', provider({ client_id: 'generated' }), recorded],
    [
      "recorded but with another tenant's client id",
      provider({ client_id: 'federation.globex.0123456789abcdef0123456789abcdef' }),
      recorded,
    ],
    [
      'marked but not recorded as created',
      provider(),
      { ...recorded, created: ['oidcClientSecretArn' as const] },
    ],
    [
      'adopted by an operator',
      provider(),
      {
        ...recorded,
        created: ['providerPk' as const, 'oidcClientSecretArn' as const],
        adopted: ['providerPk' as const],
      },
    ],
    ['found by name only', provider({ client_id: 'generated' }), { ...resources }],
  ] as [string, ReturnType<typeof provider>, Resources][])(
    'keeps a provider %s, deleting only the stored client',
    async (_what, existing, record) => {
      const fake = withDelete([existing]);
      const result = await destroy(specWith(), record, { authentik: fake.client, ...clients() });
      expect(result.outcome).toBe('kept');
      expect(result.resources.providerPk).toBe(record.providerPk);
      expect(result.resources.oidcClientSecretArn).toBeUndefined();
      expect(fake.writes()).toEqual([]);
    },
  );
});

describe('ensure-oidc-provider check', () => {
  it('reports each drifted field, and a changed client secret by name only', async () => {
    const fake = authentikWith([provider({ client_type: 'public', sub_mode: 'user_email' })]);
    const otherSecret = `stored-secret-${'o'.repeat(80)}`;
    secretsMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: otherSecret }),
    });
    const result = await check(
      specWith(),
      { ...resources, providerPk: 7, oidcClientSecretArn: SECRET_ARN },
      {
        authentik: fake.client,
        secrets,
        secretPrefix: 'federation',
      },
    );
    expect(result.outcome).toBe('drifted');
    expect(result.drift.map((d) => d.field)).toEqual(['client_type', 'sub_mode', 'client_secret']);
    const text = JSON.stringify(result);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(otherSecret);
  });

  it('reports include_claims_in_id_token turned off: the ID token would carry no email', async () => {
    const fake = authentikWith([provider({ include_claims_in_id_token: false })]);
    secretsMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    });
    const result = await check(
      specWith(),
      { ...resources, providerPk: 7, oidcClientSecretArn: SECRET_ARN },
      { authentik: fake.client, secrets, secretPrefix: 'federation' },
    );
    expect(result.drift).toEqual([{ field: 'include_claims_in_id_token', expected: true, actual: false }]);
  });

  it('answers missing when the provider is gone', async () => {
    const fake = authentikWith([], { 'GET /providers/oauth2/7/': () => json(404, { detail: 'Not found.' }) });
    const result = await check(
      specWith(),
      { ...resources, providerPk: 7 },
      {
        authentik: fake.client,
        secrets,
        secretPrefix: 'federation',
      },
    );
    expect(result.outcome).toBe('missing');
  });
});
