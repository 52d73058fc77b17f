// ensure-oidc-provider over a fake Authentik (a fetch answering per path) and a mocked Secrets
// Manager: the exact provider body, the PATCH of only what differs, the preconditions and their
// hints, and the client secret kept out of every drift report.
import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateSecretCommand,
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
import { apply, check } from '../../functions/ensure-oidc-provider/core.ts';

const BASE = 'https://auth.example.com';
const TOKEN = 'unit-test-token-0123456789';
const REDIRECT = 'https://acme-login.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/oidc-client-AbCdEf';
const CLIENT_SECRET = `client-secret-${'s'.repeat(100)}`;

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
    client_id: 'client-id-1',
    client_secret: CLIENT_SECRET,
    assigned_application_slug: null,
    ...overrides,
  };
}

/** Lookups as a fresh Authentik answers them, plus the providers given. */
function authentikWith(
  providers: ReturnType<typeof provider>[],
  extra: Record<string, Route> = {},
  key = KEY,
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
const storedClient = JSON.stringify({ client_id: 'client-id-1', client_secret: CLIENT_SECRET });

beforeEach(() => {
  secretsMock.reset();
  secretsMock
    .on(DescribeSecretCommand)
    .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
  secretsMock.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN });
});

describe('ensure-oidc-provider apply', () => {
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
    expect(secretsMock).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'federation/acme/oidc-client',
      SecretString: storedClient,
      Tags: expect.arrayContaining([{ Key: 'tenant', Value: 'acme' }]),
    });
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
    expect(result.resources.providerPk).toBe(7);
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

describe('ensure-oidc-provider check', () => {
  it('reports each drifted field, and a changed client secret by name only', async () => {
    const fake = authentikWith([provider({ client_type: 'public', sub_mode: 'user_email' })]);
    const otherSecret = `stored-secret-${'o'.repeat(80)}`;
    secretsMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_id: 'client-id-1', client_secret: otherSecret }),
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
