import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  ListIdentityProvidersCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import {
  AuthentikAuthError,
  ConflictError,
  LimitExceededError,
  PreconditionError,
  TransientError,
  ValidationError,
} from '#lib/errors.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import { OWNER_ATTRIBUTE } from '#lib/ownership.ts';
import type { Resources } from '#lib/step.ts';
import { type Deployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { workflowStep as stepHandler } from '#lib/workflow-step.ts';
import { apply, check, destroy } from '../../functions/validate-tenant/core.ts';

// ---------------------------------------------------------------------------------------------
// A fake Authentik: just the lookups the preflight makes, answered as Authentik shapes them.

const TOKEN = 'fake-authentik-token-0123456789';
const ORIGIN = 'https://authentik.example.com';

interface FakeFlow {
  slug: string;
  designation: string;
}
interface FakeGroup {
  pk: string;
  name: string;
  attributes?: Record<string, unknown>;
  is_superuser?: boolean;
  roles?: string[];
  parents?: string[];
}
interface FakeAuthentik {
  version: string;
  flows: FakeFlow[];
  keys: { name: string; private_key_available: boolean }[];
  mappings: string[];
  /** What already exists under the names the spec gives (none on a fresh Authentik). */
  groups: FakeGroup[];
  users: { pk: number; username: string; attributes?: Record<string, unknown> }[];
  providers: { pk: number; name: string; client_id: string }[];
  applications: { pk: string; slug: string; name: string; provider: number | null }[];
  /** Answer every call with this status (403: a refused token). */
  status?: number;
}

const MANAGED = ['openid', 'email', 'profile'].map((s) => `goauthentik.io/providers/oauth2/scope-${s}`);

function freshAuthentik(): FakeAuthentik {
  return {
    version: '2025.12.1',
    flows: [
      { slug: 'default-authentication-flow', designation: 'authentication' },
      { slug: 'default-provider-authorization-explicit-consent', designation: 'authorization' },
      { slug: 'default-provider-authorization-implicit-consent', designation: 'authorization' },
      { slug: 'default-provider-invalidation-flow', designation: 'invalidation' },
    ],
    keys: [{ name: 'authentik Self-signed Certificate', private_key_available: true }],
    mappings: [...MANAGED],
    groups: [],
    users: [],
    providers: [],
    applications: [],
  };
}

let authentikState: FakeAuthentik;
let authentikRequests: { method: string; path: string }[];

function page<T>(results: T[]) {
  const n = results.length;
  return {
    pagination: {
      next: 0,
      previous: 0,
      count: n,
      current: 1,
      total_pages: 1,
      start_index: n ? 1 : 0,
      end_index: n,
    },
    results,
    autocomplete: {},
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function fakeAuthentikFetch(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/^\/api\/v3/, '');
  const q = url.searchParams;
  authentikRequests.push({ method: request.method, path });
  if (request.headers.get('authorization') !== `Bearer ${TOKEN}`) {
    return json(403, { detail: 'Token invalid/expired' });
  }
  if (authentikState.status) return json(authentikState.status, { detail: 'refused' });
  if (request.method !== 'GET') return json(405, { detail: 'the preflight never writes' });
  if (path === '/admin/version/') return json(200, { version_current: authentikState.version });
  if (path === '/flows/instances/') {
    const flows = authentikState.flows
      .filter((f) => !q.has('slug') || f.slug === q.get('slug'))
      .filter((f) => !q.has('designation') || f.designation === q.get('designation'))
      .map((f) => ({ pk: `pk-${f.slug}`, name: f.slug, title: f.slug, ...f }));
    const size = Number(q.get('page_size') ?? 100);
    return json(200, { ...page(flows.slice(0, size)), pagination: { ...page(flows).pagination } });
  }
  if (path === '/crypto/certificatekeypairs/') {
    const keys = authentikState.keys
      .filter((k) => !q.has('name') || k.name === q.get('name'))
      .filter((k) => q.get('has_key') !== 'true' || k.private_key_available)
      .map((k, i) => ({ pk: `key-${i}`, ...k }));
    return json(200, page(keys));
  }
  if (path === '/core/groups/') {
    // Member lists can be long: the preflight never asks for them.
    if (q.get('include_users') !== 'false') return json(400, { include_users: ['expected false'] });
    return json(200, page(authentikState.groups.filter((g) => g.name === q.get('name'))));
  }
  const group = authentikState.groups.find((g) => path === `/core/groups/${g.pk}/`);
  if (group) return json(200, group);
  if (path === '/core/users/') {
    return json(200, page(authentikState.users.filter((u) => u.username === q.get('username'))));
  }
  if (path === '/providers/oauth2/') {
    return json(200, page(authentikState.providers.filter((p) => p.name === q.get('name'))));
  }
  const application = authentikState.applications.find((a) => path === `/core/applications/${a.slug}/`);
  if (application) return json(200, application);
  if (path === '/propertymappings/provider/scope/') {
    const wanted = q.getAll('managed');
    const mappings = authentikState.mappings
      .filter((m) => wanted.length === 0 || wanted.includes(m))
      .map((managed, i) => ({ pk: `map-${i}`, managed, name: managed, scope_name: managed }));
    return json(200, page(mappings));
  }
  return json(404, { detail: 'Not found.' });
}

function authentikClient(token = TOKEN) {
  return createAuthentikClient({ baseUrl: ORIGIN, token, fetch: fakeAuthentikFetch });
}

// ---------------------------------------------------------------------------------------------
// Cognito (mocked) and the spec

const cognito = mockClient(CognitoIdentityProviderClient);
const cognitoClient = new CognitoIdentityProviderClient({ region: 'eu-west-1' });
const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };

const POOL_ID = 'eu-west-1_Pool1';
const CLIENT_ID = 'client1';
const PREFIX_HOST = 'acme-login.auth.eu-west-1.amazoncognito.com';
const CALLBACKS = ['https://app.acme.example/callback'];
const ISSUER = `${ORIGIN}/application/o/cognito-acme/`;

function specWith(cognitoPart: Record<string, unknown> = {}, authentikPart: Record<string, unknown> = {}) {
  return parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: ORIGIN,
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
        ...authentikPart,
      },
      cognito: { callbackUrls: CALLBACKS, ...cognitoPart },
    },
    deployment,
  );
}

function clients() {
  return { cognito: cognitoClient, authentik: authentikClient() };
}

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

/** A pool the tenant brings, tagged for it by an operator as it must be. */
function pool(overrides: Partial<UserPoolType> = {}): UserPoolType {
  return { Id: POOL_ID, Name: 'tenant-pool', UserPoolTags: { tenant: 'acme' }, ...overrides };
}

const WRITE_COMMAND = /^(Create|Update|Delete|Set|Add|Admin|Tag|Untag)/;
function cognitoWrites(): string[] {
  return cognito
    .calls()
    .map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''))
    .filter((name) => WRITE_COMMAND.test(name));
}

function expectNoWrites(): void {
  expect(cognitoWrites()).toEqual([]);
  expect(authentikRequests.filter((r) => r.method !== 'GET')).toEqual([]);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the preflight to fail');
}

beforeEach(() => {
  cognito.reset();
  authentikState = freshAuthentik();
  authentikRequests = [];
  // A new tenant: no pool of its own yet, the derived prefix is free.
  cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: {} });
});

// ---------------------------------------------------------------------------------------------

describe('validate-tenant apply on a good spec', () => {
  it('resolves the prefix domain and the redirect URI of a new pool, and writes nothing', async () => {
    const result = await apply(specWith(), {}, clients());
    expect(result).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { userPoolDomain: PREFIX_HOST, redirectUri: `https://${PREFIX_HOST}/oauth2/idpresponse` },
    });
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolDomainCommand, { Domain: 'acme-login' });
    expectNoWrites();
  });

  it('asks Authentik for the version, both flows, the signing key with a private key and the three scope mappings', async () => {
    await apply(specWith(), {}, clients());
    const paths = authentikRequests.map((r) => r.path).sort();
    expect(paths).toEqual([
      '/admin/version/',
      '/core/applications/cognito-acme/',
      '/core/groups/',
      '/core/users/',
      '/crypto/certificatekeypairs/',
      '/flows/instances/',
      '/flows/instances/',
      '/propertymappings/provider/scope/',
      '/providers/oauth2/',
    ]);
    // The version first; what the spec names is looked up only once the version is known to be good.
    expect(authentikRequests[0]?.path).toBe('/admin/version/');
  });

  it('accepts the oldest supported Authentik, 2024.10', async () => {
    authentikState.version = '2024.10.0';
    await expect(apply(specWith(), {}, clients())).resolves.toMatchObject({ outcome: 'unchanged' });
  });
});

describe('validate-tenant: Authentik', () => {
  it('refuses an Authentik older than 2024.10 without looking further', async () => {
    authentikState.version = '2024.8.3';
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('2024.8.3');
    expect(error.message).toContain('2024.10');
    expect(authentikRequests.map((r) => r.path)).toEqual(['/admin/version/']);
    expectNoWrites();
  });

  it('reports a refused token as AuthentikAuthError without the token in the message', async () => {
    const error = await failure(
      apply(specWith(), {}, { cognito: cognitoClient, authentik: authentikClient('wrong-token-abcdef') }),
    );
    expect(error).toBeInstanceOf(AuthentikAuthError);
    expect(error.name).toBe('AuthentikAuthError');
    expect(error.message).not.toContain('wrong-token-abcdef');
    expect(error.message).not.toContain(TOKEN);
  });

  it('tells a token without rights (empty lists everywhere) from a fresh Authentik missing its flows', async () => {
    authentikState.flows = [];
    authentikState.keys = [];
    authentikState.mappings = [];
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(AuthentikAuthError);
    expect(error.message).toMatch(/sees no flows at all/);
  });

  it("names the guide's non-existent flow and says which flows to use instead", async () => {
    const spec = specWith({}, { authorizationFlow: 'default-authentication-flow-explicit' });
    const error = await failure(apply(spec, {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('"default-authentication-flow-explicit"');
    expect(error.message).toContain('exists in no Authentik');
    expect(error.message).toContain('default-provider-authorization-explicit-consent');
    expect(error.message).toContain('default-provider-authorization-implicit-consent');
    expect(error.message).toContain('authentik.authorizationFlow');
    expectNoWrites();
  });

  it('refuses a flow with the wrong designation', async () => {
    const spec = specWith({}, { authorizationFlow: 'default-authentication-flow' });
    const error = await failure(apply(spec, {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toMatch(/designated authentication.*needs an authorization flow/);
  });

  it('names a missing invalidation flow', async () => {
    authentikState.flows = authentikState.flows.filter((f) => f.designation !== 'invalidation');
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('"default-provider-invalidation-flow" (authentik.invalidationFlow)');
  });

  it('refuses a signing key that holds no private key, and says why it matters', async () => {
    authentikState.keys = [{ name: 'authentik Self-signed Certificate', private_key_available: false }];
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('exists but holds no private key');
  });

  it('names a missing signing key', async () => {
    const spec = specWith({}, { signingKeyName: 'tenant key' });
    const error = await failure(apply(spec, {}, clients()));
    expect(error.message).toContain('"tenant key" (authentik.signingKeyName) does not exist');
  });

  it('names each missing scope mapping', async () => {
    authentikState.mappings = [MANAGED[0] as string];
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('scope-email');
    expect(error.message).toContain('scope-profile');
    expect(error.message).not.toContain('scope-openid,');
  });

  it('names every missing piece in one error', async () => {
    authentikState.flows = authentikState.flows.filter((f) => f.designation !== 'invalidation');
    authentikState.keys = [];
    const spec = specWith({}, { authorizationFlow: 'default-authentication-flow-explicit' });
    const error = await failure(apply(spec, {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toMatch(/3 problems/);
    expect(error.message).toContain('authentik.authorizationFlow');
    expect(error.message).toContain('authentik.invalidationFlow');
    expect(error.message).toContain('authentik.signingKeyName');
  });

  it('lets a failing Authentik (5xx) through as TransientError, to be retried', async () => {
    authentikState.status = 503;
    await expect(apply(specWith(), {}, clients())).rejects.toBeInstanceOf(TransientError);
  });
});

describe('validate-tenant: the pool and app client the tenant brings', () => {
  it('refuses a user pool that does not exist, and check says missing', async () => {
    cognito.on(DescribeUserPoolCommand).rejects(notFound());
    const spec = specWith({ userPoolId: POOL_ID });
    const error = await failure(apply(spec, {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`user pool ${POOL_ID} (cognito.userPoolId) does not exist`);
    const result = await check(spec, {}, clients());
    expect(result.outcome).toBe('missing');
    expect(result.drift).toEqual([{ field: 'cognito.userPoolId', expected: POOL_ID, actual: null }]);
    expectNoWrites();
  });

  it('refuses an app client that does not exist in the pool', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ Domain: 'acme-login' }) });
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const error = await failure(
      apply(specWith({ userPoolId: POOL_ID, appClientId: CLIENT_ID }), {}, clients()),
    );
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(
      `app client ${CLIENT_ID} (cognito.appClientId) does not exist in user pool ${POOL_ID}`,
    );
  });

  it('refuses an app client without the pool it belongs to', async () => {
    const error = await failure(apply(specWith({ appClientId: CLIENT_ID }), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('no cognito.userPoolId');
  });

  it('uses the pool region and refuses a spec region that contradicts it', async () => {
    const error = await failure(apply(specWith({ userPoolId: POOL_ID, region: 'us-east-1' }), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`user pool ${POOL_ID} is in eu-west-1`);
  });

  it("refuses a tenant in a region other than this deployment's Cognito", async () => {
    const error = await failure(apply(specWith({ region: 'us-west-2' }), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('this deployment manages Cognito in eu-west-1');
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('validate-tenant: the Cognito domain, resolved before any write', () => {
  it("takes an existing pool's prefix domain over the spec's prefix", async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ Domain: 'tenant-own' }) });
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const result = await apply(specWith({ userPoolId: POOL_ID }), {}, clients());
    const host = 'tenant-own.auth.eu-west-1.amazoncognito.com';
    expect(result.resources).toEqual({
      userPoolId: POOL_ID,
      userPoolDomain: host,
      redirectUri: `https://${host}/oauth2/idpresponse`,
    });
    expect(cognito).not.toHaveReceivedCommand(DescribeUserPoolDomainCommand);
  });

  it("takes an existing pool's custom domain", async () => {
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: pool({ Domain: 'tenant-own', CustomDomain: 'login.acme.example' }) });
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const result = await apply(specWith({ userPoolId: POOL_ID }), {}, clients());
    expect(result.resources.redirectUri).toBe('https://login.acme.example/oauth2/idpresponse');
  });

  it("accepts a spec's custom domain that is the pool's", async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ CustomDomain: 'login.acme.example' }) });
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const result = await apply(
      specWith({ userPoolId: POOL_ID, customDomain: 'login.acme.example' }),
      {},
      clients(),
    );
    expect(result.resources.userPoolDomain).toBe('login.acme.example');
  });

  it("refuses a spec's custom domain the pool does not have", async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ CustomDomain: 'sso.acme.example' }) });
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const error = await failure(
      apply(specWith({ userPoolId: POOL_ID, customDomain: 'login.acme.example' }), {}, clients()),
    );
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('has no custom domain login.acme.example');
    expect(error.message).toContain('its custom domain is sso.acme.example');
  });

  it('refuses a custom domain for a pool that does not exist yet (it needs a certificate first)', async () => {
    const error = await failure(apply(specWith({ customDomain: 'login.acme.example' }), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('must already be set up on the user pool');
  });

  it('refuses a prefix that belongs to another pool with ConflictError', async () => {
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: 'eu-west-1_Other' } });
    cognito.on(DescribeUserPoolCommand, { UserPoolId: 'eu-west-1_Other' }).resolves({
      UserPool: pool({
        Id: 'eu-west-1_Other',
        UserPoolTags: { tenant: 'someone-else', 'managed-by': SERVICE_NAME },
      }),
    });
    const error = await failure(apply(specWith({ domainPrefix: 'shared-login' }), {}, clients()));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('shared-login');
    expect(error.message).toContain('eu-west-1_Other');
    expectNoWrites();
  });

  it('accepts a prefix held by the pool this system made for the tenant on a run that crashed', async () => {
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: 'eu-west-1_Ours' } });
    cognito.on(DescribeUserPoolCommand, { UserPoolId: 'eu-west-1_Ours' }).resolves({
      UserPool: pool({ Id: 'eu-west-1_Ours', UserPoolTags: { tenant: 'acme', 'managed-by': SERVICE_NAME } }),
    });
    const result = await apply(specWith(), {}, clients());
    expect(result.resources.userPoolDomain).toBe(PREFIX_HOST);
  });

  it('gives a recorded pool without a domain the prefix it already holds', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool() });
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: { UserPoolId: POOL_ID } });
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const result = await apply(specWith(), { userPoolId: POOL_ID }, clients());
    // Not brought, so not returned: the recorded pool id stays as ensure-user-pool left it.
    expect(result.resources).toEqual({
      userPoolDomain: PREFIX_HOST,
      redirectUri: `https://${PREFIX_HOST}/oauth2/idpresponse`,
    });
  });
});

describe('validate-tenant: quotas and names', () => {
  beforeEach(() => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ Domain: 'acme-login' }) });
  });

  it('leaves the identity-provider quota to Cognito: it is adjustable, a full count is no refusal', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({
      Providers: Array.from({ length: 300 }, (_, i) => ({ ProviderName: `idp-${i}` })),
    });
    await expect(apply(specWith({ userPoolId: POOL_ID }), {}, clients())).resolves.toMatchObject({
      outcome: 'unchanged',
    });
    expect(cognito).not.toHaveReceivedCommand(ListIdentityProvidersCommand);
  });

  it('does not list identity providers when ours is already there', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: { ProviderName: 'authentik-acme', ProviderDetails: { oidc_issuer: ISSUER } },
    });
    await apply(specWith({ userPoolId: POOL_ID }), {}, clients());
    expect(cognito).not.toHaveReceivedCommand(ListIdentityProvidersCommand);
  });

  it('refuses an identity provider name taken for another issuer with ConflictError', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: {
        ProviderName: 'authentik-acme',
        ProviderType: 'OIDC',
        ProviderDetails: { oidc_issuer: 'https://other.example.com/application/o/x/' },
      },
    });
    const error = await failure(apply(specWith({ userPoolId: POOL_ID }), {}, clients()));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('already has an identity provider named authentik-acme');
  });

  it('accepts an identity provider recorded as ours whatever its issuer (ensure-identity-provider converges it)', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: {
        ProviderName: 'authentik-acme',
        ProviderDetails: { oidc_issuer: ISSUER.slice(0, -1) },
      },
    });
    const resources: Resources = {
      userPoolId: POOL_ID,
      identityProviderName: 'authentik-acme',
      created: ['identityProviderName'],
    };
    await expect(apply(specWith({ userPoolId: POOL_ID }), resources, clients())).resolves.toMatchObject({
      outcome: 'unchanged',
    });
  });

  it("refuses when the app client's callback URLs and the spec's would exceed 100", async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const own = Array.from({ length: 99 }, (_, i) => `https://app.acme.example/cb/${i}`);
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: { UserPoolId: POOL_ID, ClientId: CLIENT_ID, CallbackURLs: own },
    });
    const spec = specWith({
      userPoolId: POOL_ID,
      appClientId: CLIENT_ID,
      callbackUrls: [
        'https://app.acme.example/cb/0',
        'https://new.acme.example/a',
        'https://new.acme.example/b',
      ],
    });
    const error = await failure(apply(spec, {}, clients()));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toContain('would have 101 callback URLs');
  });

  it('accepts exactly 100 callback URLs, counting shared ones once', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    const own = Array.from({ length: 99 }, (_, i) => `https://app.acme.example/cb/${i}`);
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: { UserPoolId: POOL_ID, ClientId: CLIENT_ID, CallbackURLs: own },
    });
    const spec = specWith({
      userPoolId: POOL_ID,
      appClientId: CLIENT_ID,
      callbackUrls: ['https://app.acme.example/cb/0', 'https://new.acme.example/a'],
    });
    await expect(apply(spec, {}, clients())).resolves.toMatchObject({ outcome: 'unchanged' });
  });

  it('lets Cognito throttling through as TransientError', async () => {
    cognito
      .on(DescribeIdentityProviderCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(apply(specWith({ userPoolId: POOL_ID }), {}, clients())).rejects.toBeInstanceOf(
      TransientError,
    );
  });
});

describe('validate-tenant: the brought pool must be tagged for the tenant', () => {
  it.each([
    ['untagged', undefined, 'untagged', 'is not tagged for this tenant'],
    ['without the tenant tag', { 'managed-by': SERVICE_NAME }, 'untagged', 'is not tagged for this tenant'],
    [
      'tagged for another tenant',
      { tenant: 'globex' },
      'tagged for another tenant',
      'is tagged for another tenant',
    ],
  ])(
    'refuses a pool %s with ConflictError, and looks no further into it',
    async (_what, tags, actual, says) => {
      cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ UserPoolTags: tags }) });
      const spec = specWith({ userPoolId: POOL_ID });
      const error = await failure(apply(spec, {}, clients()));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toContain(`user pool ${POOL_ID} ${says}`);
      expect(error.message).toContain('(cognito.userPoolId)');
      expect(cognito.calls().map((c) => (c.args[0] as object).constructor.name)).toEqual([
        'DescribeUserPoolCommand',
      ]);
      expect(await check(spec, {}, clients())).toEqual({
        outcome: 'drifted',
        drift: [{ field: 'cognito.userPoolId', expected: 'tagged tenant=acme', actual }],
      });
      expectNoWrites();
    },
  );

  it('accepts a pool tagged for the tenant by an operator', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: pool({ Domain: 'tenant-own' }) });
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(ListIdentityProvidersCommand).resolves({ Providers: [] });
    await expect(apply(specWith({ userPoolId: POOL_ID }), {}, clients())).resolves.toMatchObject({
      outcome: 'unchanged',
      resources: { userPoolId: POOL_ID },
    });
  });
});

describe("validate-tenant: what the spec names in Authentik must be this tenant's", () => {
  const GROUP_PK = 'g-0000-0001';
  const PROVIDER_CLIENT_ID = 'federation.acme.0123456789abcdef0123456789abcdef';
  const APP_PK = 'a-0000-0001';

  it("accepts objects that carry the tenant's marker", async () => {
    authentikState.groups = [
      { pk: GROUP_PK, name: 'cognito-users-acme', attributes: { [OWNER_ATTRIBUTE]: 'acme' } },
    ];
    authentikState.users = [
      { pk: 3, username: 'cognito-test-acme', attributes: { [OWNER_ATTRIBUTE]: 'acme' } },
    ];
    authentikState.providers = [{ pk: 7, name: 'Cognito acme (OIDC)', client_id: PROVIDER_CLIENT_ID }];
    authentikState.applications = [{ pk: APP_PK, slug: 'cognito-acme', name: 'Cognito acme', provider: 7 }];
    await expect(apply(specWith(), {}, clients())).resolves.toMatchObject({ outcome: 'unchanged' });
    expect(await check(specWith(), {}, clients())).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('accepts unmarked objects an operator adopted (never a user) and an application serving the recorded provider', async () => {
    authentikState.groups = [{ pk: GROUP_PK, name: 'cognito-users-acme' }];
    authentikState.providers = [{ pk: 7, name: 'Cognito acme (OIDC)', client_id: 'generated' }];
    authentikState.applications = [{ pk: APP_PK, slug: 'cognito-acme', name: 'Theirs', provider: 7 }];
    const adopted: Resources = { groupPk: GROUP_PK, providerPk: 7, adopted: ['groupPk', 'providerPk'] };
    await expect(apply(specWith(), adopted, clients())).resolves.toMatchObject({ outcome: 'unchanged' });
  });

  it("names every object that is not this tenant's, in one ConflictError, before any write", async () => {
    authentikState.groups = [{ pk: GROUP_PK, name: 'cognito-users-acme' }];
    authentikState.users = [
      { pk: 1, username: 'cognito-test-acme', attributes: { [OWNER_ATTRIBUTE]: 'globex' } },
    ];
    authentikState.providers = [{ pk: 9, name: 'Cognito acme (OIDC)', client_id: 'generated' }];
    authentikState.applications = [{ pk: APP_PK, slug: 'cognito-acme', name: 'Theirs', provider: 9 }];
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(/^preflight failed \(4 problems\): /);
    expect(error.message).toContain(
      `(1) Authentik group "cognito-users-acme" (authentik.group) was not made by this product for this tenant: ` +
        `choose another authentik.group, or have an operator adopt it for this tenant (federation adopt acme group ${GROUP_PK}; it is then never deleted)`,
    );
    expect(error.message).toContain(
      '(2) Authentik user "cognito-test-acme" (authentik.testUser.username) belongs to another tenant: choose another authentik.testUser.username',
    );
    expect(error.message).toContain(
      '(3) OAuth2 provider "Cognito acme (OIDC)" (authentik.providerName) was not made',
    );
    expect(error.message).toContain('federation adopt acme provider 9;');
    expect(error.message).toContain(
      '(4) Authentik application "cognito-acme" (authentik.applicationSlug) was not made',
    );
    expect(await check(specWith(), {}, clients())).toEqual({
      outcome: 'drifted',
      drift: [
        {
          field: 'authentik.group',
          expected: "this tenant's",
          actual: 'not made by this product for this tenant',
        },
        { field: 'authentik.testUser.username', expected: "this tenant's", actual: "another tenant's" },
        {
          field: 'authentik.providerName',
          expected: "this tenant's",
          actual: 'not made by this product for this tenant',
        },
        {
          field: 'authentik.applicationSlug',
          expected: "this tenant's",
          actual: 'not made by this product for this tenant',
        },
      ],
    });
    expectNoWrites();
  });

  it("refuses an admin user of the test user's name even when the record says it was adopted", async () => {
    authentikState.users = [{ pk: 1, username: 'akadmin', attributes: {} }];
    const spec = specWith({}, { testUser: { username: 'akadmin' } });
    const error = await failure(apply(spec, { testUserPk: 1, adopted: ['testUserPk'] }, clients()));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'preflight failed: Authentik user "akadmin" (authentik.testUser.username) was not made by this product ' +
        'for this tenant: choose another authentik.testUser.username',
    );
  });

  it('refuses an application that serves no provider of this tenant, even one whose provider is ours by name only', async () => {
    authentikState.providers = [{ pk: 9, name: 'Cognito acme (OIDC)', client_id: 'generated' }];
    authentikState.applications = [{ pk: APP_PK, slug: 'cognito-acme', name: 'Theirs', provider: 9 }];
    const error = await failure(apply(specWith(), { providerPk: 7 }, clients()));
    expect(error.message).toContain('(authentik.providerName)');
    expect(error.message).toContain('(authentik.applicationSlug)');
  });

  it.each([
    ['is a superuser group', { is_superuser: true }, [], 'it grants superuser rights'],
    ['grants roles', { roles: ['role-1'] }, [], 'it grants roles (RBAC permissions)'],
    [
      'has a superuser grandparent',
      { parents: ['g-parent'] },
      [
        { pk: 'g-parent', name: 'staff', parents: ['g-admins'] },
        { pk: 'g-admins', name: 'authentik Admins', is_superuser: true },
      ],
      'its ancestor "authentik Admins" grants superuser rights',
    ],
  ] as [string, Partial<FakeGroup>, FakeGroup[], string][])(
    'refuses its own group that %s',
    async (_what, rights, ancestors, why) => {
      authentikState.groups = [
        { pk: GROUP_PK, name: 'cognito-users-acme', attributes: { [OWNER_ATTRIBUTE]: 'acme' }, ...rights },
        ...ancestors,
      ];
      const error = await failure(apply(specWith(), {}, clients()));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toBe(
        `preflight failed: Authentik group "cognito-users-acme" (authentik.group) is refused: ${why}; name a group without admin rights`,
      );
      expect(await check(specWith(), {}, clients())).toEqual({
        outcome: 'drifted',
        drift: [{ field: 'authentik.group', expected: 'a group without admin rights', actual: why }],
      });
      expectNoWrites();
    },
  );

  it("lists the ownership problems after the missing Authentik pieces, the error class being the first's", async () => {
    authentikState.keys = [];
    authentikState.groups = [{ pk: GROUP_PK, name: 'cognito-users-acme' }];
    const error = await failure(apply(specWith(), {}, clients()));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toMatch(
      /\(1\) .*authentik\.signingKeyName.* \(2\) Authentik group "cognito-users-acme" \(authentik\.group\)/,
    );
  });
});

describe('validate-tenant check and destroy', () => {
  it('check is in-sync when the preflight passes', async () => {
    await expect(check(specWith(), {}, clients())).resolves.toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('check reports each problem as drift', async () => {
    authentikState.keys = [];
    const result = await check(specWith(), {}, clients());
    expect(result.outcome).toBe('drifted');
    expect(result.drift).toEqual([
      {
        field: 'authentik.signingKeyName',
        expected: 'authentik Self-signed Certificate with a private key',
        actual: null,
      },
    ]);
  });

  it('destroy has nothing to undo', async () => {
    await expect(destroy(specWith(), {}, clients())).resolves.toEqual({ outcome: 'absent', resources: {} });
    expect(cognito.calls()).toHaveLength(0);
    expect(authentikRequests).toHaveLength(0);
  });
});

describe("the parse action of the workflow's first state", () => {
  const input = {
    tenantId: 'acme',
    authentik: {
      baseUrl: ORIGIN,
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { callbackUrls: CALLBACKS },
  };
  const module = {
    apply: vi.fn(async () => ({ outcome: 'unchanged' as const, resources: {}, writes: 0 })),
    destroy: vi.fn(),
    check: vi.fn(),
  };
  const clientsFor = vi.fn(() => ({}));
  const handler = stepHandler('validate-tenant', module, clientsFor, () => deployment);

  it('returns the spec with its defaults and empty resources and outcomes, building no client', async () => {
    const state = await handler({ action: 'parse', spec: input });
    expect(state.resources).toEqual({});
    expect(state.outcomes).toEqual({});
    expect(state.spec.authentik.authorizationFlow).toBe('default-provider-authorization-explicit-consent');
    expect(state.spec).toEqual(specWith() satisfies TenantSpec);
    expect(clientsFor).not.toHaveBeenCalled();
    expect(module.apply).not.toHaveBeenCalled();
  });

  it('names the bad field', async () => {
    const bad = { ...input, authentik: { ...input.authentik, baseUrl: 'http://169.254.169.254' } };
    const error = await handler({ action: 'parse', spec: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fields)).toEqual(['authentik.baseUrl']);
    expect(clientsFor).not.toHaveBeenCalled();
  });

  it('hands every other action to the step', async () => {
    await handler({ action: 'apply', spec: input });
    await handler({ spec: input });
    expect(module.apply).toHaveBeenCalledTimes(2);
  });
});
