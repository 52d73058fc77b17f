// Step 6 of the guide: a user pool with `email` required, its domain, and an app client with the
// code flow — each only when the tenant brought none. Finds before it creates, adopts what it finds,
// and records which of the three it created, so deprovisioning deletes only those.
//
// Ownership (functions/lib/ownership.ts): a pool serves a tenant only when its `tenant` tag names
// it. A pool the tenant brings (cognito.userPoolId) must carry that tag, which an operator adds; a
// pool found under the spec's name must carry it too. App clients and domains have no tags of their
// own: the pool's tag vouches for them.

import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DeleteUserPoolDomainCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  COGNITO_PROVIDER,
  clientUpdateInput,
  cognitoFind,
  cognitoSend,
  domainPrefixOf,
  POOL_TAG_MANAGED_BY,
  POOL_TAG_TENANT,
  prefixDomainHost,
  redirectUriFor,
  sameMembers,
  userPoolRegion,
} from '#lib/cognito.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import { poolTagProblem } from '#lib/ownership.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export interface UserPoolClients {
  cognito: CognitoIdentityProviderClient;
}

/** The scopes and flow of an app client this system creates (the guide's hosted-UI login). */
export const CLIENT_SCOPES = ['openid', 'email', 'profile'];
export const CLIENT_FLOWS = ['code'] as const;

type OwnedKey = 'userPoolId' | 'userPoolDomain' | 'appClientId';

interface Progress {
  writes: number;
  createdSomething: boolean;
  updatedSomething: boolean;
}

// ---------------------------------------------------------------------------------------------
// Pool

async function describePool(
  cognito: CognitoIdentityProviderClient,
  id: string,
): Promise<UserPoolType | undefined> {
  const result = await cognitoFind('DescribeUserPool', () =>
    cognito.send(new DescribeUserPoolCommand({ UserPoolId: id })),
  );
  return result?.UserPool;
}

async function findPoolIdByName(
  cognito: CognitoIdentityProviderClient,
  name: string,
): Promise<string | undefined> {
  const ids: string[] = [];
  let next: string | undefined;
  do {
    const page = await cognitoSend('ListUserPools', () =>
      cognito.send(new ListUserPoolsCommand({ MaxResults: 60, ...(next ? { NextToken: next } : {}) })),
    );
    for (const pool of page.UserPools ?? []) if (pool.Name === name && pool.Id) ids.push(pool.Id);
    next = page.NextToken;
  } while (next);
  if (ids.length > 1) {
    throw new ConflictError(
      `${ids.length} user pools are named ${name}; name the one to use with cognito.userPoolId`,
    );
  }
  return ids[0];
}

function taggedAsOurs(pool: UserPoolType, tenantId: string): boolean {
  return (
    pool.UserPoolTags?.[POOL_TAG_TENANT] === tenantId &&
    pool.UserPoolTags?.[POOL_TAG_MANAGED_BY] === SERVICE_NAME
  );
}

function refuseUntagged(spec: TenantSpec, pool: UserPoolType, field: string): void {
  const problem = poolTagProblem(spec.tenantId, pool.Id ?? '', pool.UserPoolTags);
  if (problem) throw new ConflictError(`${problem} (${field})`);
}

async function ensurePool(
  spec: TenantSpec,
  resources: Resources,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<{ pool: UserPoolType; owned: boolean }> {
  const brought = spec.cognito.userPoolId;
  if (brought) {
    const pool = await describePool(cognito, brought);
    if (!pool) throw new PreconditionError(`user pool ${brought} (cognito.userPoolId) does not exist`);
    refuseUntagged(spec, pool, 'cognito.userPoolId');
    return { pool, owned: false };
  }
  if (resources.userPoolId) {
    const pool = await describePool(cognito, resources.userPoolId);
    if (pool) {
      refuseUntagged(spec, pool, 'cognito.userPoolName');
      return {
        pool,
        owned: resources.created?.includes('userPoolId') === true || taggedAsOurs(pool, spec.tenantId),
      };
    }
  }
  const foundId = await findPoolIdByName(cognito, spec.cognito.userPoolName);
  if (foundId) {
    const pool = await describePool(cognito, foundId);
    if (pool) {
      refuseUntagged(spec, pool, 'cognito.userPoolName');
      return { pool, owned: taggedAsOurs(pool, spec.tenantId) };
    }
  }
  const created = await cognitoSend('CreateUserPool', () =>
    cognito.send(
      new CreateUserPoolCommand({
        PoolName: spec.cognito.userPoolName,
        // Users sign in with their email; federated users get `<provider>_<sub>` usernames anyway.
        // Email as the username (rather than an alias) keeps one identifier per user, and
        // case-insensitive usernames stop `Ann@x` and `ann@x` becoming two users.
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        AutoVerifiedAttributes: ['email'],
        // Mutable, or Cognito fails every federated sign-in after the first: it writes mapped
        // attributes on each sign-in.
        Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
        // Identities come from Authentik: nobody signs themselves up in the pool.
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'INACTIVE',
        UserPoolTags: { [POOL_TAG_TENANT]: spec.tenantId, [POOL_TAG_MANAGED_BY]: SERVICE_NAME },
      }),
    ),
  );
  progress.writes += 1;
  progress.createdSomething = true;
  if (!created.UserPool?.Id) throw new PreconditionError('CreateUserPool returned no pool id');
  return { pool: created.UserPool, owned: true };
}

// ---------------------------------------------------------------------------------------------
// Domain

/** The host users sign in on: the pool's custom domain if it has one, else its prefix domain. */
function currentDomainHost(pool: UserPoolType, region: string): string | undefined {
  if (pool.CustomDomain) return pool.CustomDomain;
  return pool.Domain ? prefixDomainHost(pool.Domain, region) : undefined;
}

async function ensureDomain(
  spec: TenantSpec,
  resources: Resources,
  pool: UserPoolType,
  poolOwned: boolean,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<{ host: string; owned: boolean }> {
  const poolId = pool.Id as string;
  const region = userPoolRegion(poolId);
  const wantedCustom = spec.cognito.customDomain;
  if (wantedCustom) {
    if (pool.CustomDomain !== wantedCustom) {
      throw new PreconditionError(
        `user pool ${poolId} has no custom domain ${wantedCustom}: set it up first (it needs an ACM certificate)`,
      );
    }
    return { host: wantedCustom, owned: false };
  }
  const existing = currentDomainHost(pool, region);
  if (existing) {
    const recorded =
      resources.created?.includes('userPoolDomain') === true && resources.userPoolDomain === existing;
    return { host: existing, owned: poolOwned || recorded };
  }
  const prefix = spec.cognito.domainPrefix;
  if (!prefix) throw new PreconditionError('cognito.domainPrefix is needed to give the user pool a domain');
  // Prefixes are global per region: make sure it is free, or already ours (a create that is still settling).
  const described = await cognitoSend('DescribeUserPoolDomain', () =>
    cognito.send(new DescribeUserPoolDomainCommand({ Domain: prefix })),
  );
  const holder = described.DomainDescription?.UserPoolId;
  if (holder && holder !== poolId) {
    throw new ConflictError(
      `domain prefix ${prefix} belongs to another user pool; choose another cognito.domainPrefix`,
    );
  }
  if (!holder) {
    await cognitoSend('CreateUserPoolDomain', () =>
      cognito.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId })),
    );
    progress.writes += 1;
    progress.createdSomething = true;
  }
  return { host: prefixDomainHost(prefix, region), owned: true };
}

// ---------------------------------------------------------------------------------------------
// App client

async function describeClient(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string,
): Promise<UserPoolClientType | undefined> {
  const result = await cognitoFind('DescribeUserPoolClient', () =>
    cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId })),
  );
  return result?.UserPoolClient;
}

async function findClientIdByName(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  name: string,
): Promise<string | undefined> {
  const ids: string[] = [];
  let next: string | undefined;
  do {
    const page = await cognitoSend('ListUserPoolClients', () =>
      cognito.send(
        new ListUserPoolClientsCommand({
          UserPoolId: userPoolId,
          MaxResults: 60,
          ...(next ? { NextToken: next } : {}),
        }),
      ),
    );
    for (const client of page.UserPoolClients ?? [])
      if (client.ClientName === name && client.ClientId) ids.push(client.ClientId);
    next = page.NextToken;
  } while (next);
  if (ids.length > 1) {
    throw new ConflictError(
      `${ids.length} app clients are named ${name}; name the one to use with cognito.appClientId`,
    );
  }
  return ids[0];
}

/** What an app client this system owns must say; everything else on it is left as found. */
function desiredClientSettings(spec: TenantSpec) {
  return {
    AllowedOAuthFlows: [...CLIENT_FLOWS],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: [...CLIENT_SCOPES],
    CallbackURLs: spec.cognito.callbackUrls,
    LogoutURLs: spec.cognito.logoutUrls,
  };
}

function clientDrift(spec: TenantSpec, client: UserPoolClientType): Drift[] {
  const wanted = desiredClientSettings(spec);
  const drift: Drift[] = [];
  const lists = ['CallbackURLs', 'LogoutURLs', 'AllowedOAuthFlows', 'AllowedOAuthScopes'] as const;
  for (const field of lists) {
    if (!sameMembers(wanted[field], client[field])) {
      drift.push({ field, expected: wanted[field], actual: client[field] ?? [] });
    }
  }
  if (client.AllowedOAuthFlowsUserPoolClient !== true) {
    drift.push({
      field: 'AllowedOAuthFlowsUserPoolClient',
      expected: true,
      actual: client.AllowedOAuthFlowsUserPoolClient ?? false,
    });
  }
  return drift;
}

async function ensureClient(
  spec: TenantSpec,
  resources: Resources,
  poolId: string,
  poolOwned: boolean,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<{ clientId: string; owned: boolean }> {
  const brought = spec.cognito.appClientId;
  if (brought) {
    const client = await describeClient(cognito, poolId, brought);
    if (!client)
      throw new PreconditionError(`app client ${brought} (cognito.appClientId) does not exist in ${poolId}`);
    return { clientId: brought, owned: false };
  }
  let found: { client: UserPoolClientType; owned: boolean } | undefined;
  if (resources.appClientId && resources.userPoolId === poolId) {
    const client = await describeClient(cognito, poolId, resources.appClientId);
    if (client) found = { client, owned: resources.created?.includes('appClientId') === true };
  }
  if (!found) {
    const id = await findClientIdByName(cognito, poolId, spec.cognito.appClientName);
    const client = id ? await describeClient(cognito, poolId, id) : undefined;
    // Found by name in a pool we did not create: it may be the tenant's, so never ours to delete.
    if (client) found = { client, owned: poolOwned };
  }
  if (found) {
    const clientId = found.client.ClientId as string;
    if (found.owned && clientDrift(spec, found.client).length > 0) {
      await cognitoSend('UpdateUserPoolClient', () =>
        cognito.send(
          new UpdateUserPoolClientCommand(clientUpdateInput(found.client, desiredClientSettings(spec))),
        ),
      );
      progress.writes += 1;
      progress.updatedSomething = true;
    }
    return { clientId, owned: found.owned };
  }
  const created = await cognitoSend('CreateUserPoolClient', () =>
    cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: spec.cognito.appClientName,
        // A public client: the hosted-UI login of the guide uses the code flow with PKCE, and no
        // client secret has to be stored, handed out and rotated. A tenant that needs a
        // confidential client brings its own (cognito.appClientId).
        GenerateSecret: false,
        ...desiredClientSettings(spec),
        // The Authentik identity provider is added by enable-identity-provider once it exists.
        SupportedIdentityProviders: [COGNITO_PROVIDER],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
      }),
    ),
  );
  progress.writes += 1;
  progress.createdSomething = true;
  const clientId = created.UserPoolClient?.ClientId;
  if (!clientId) throw new PreconditionError('CreateUserPoolClient returned no client id');
  return { clientId, owned: true };
}

function withOwnership(resources: Resources, owned: Record<OwnedKey, boolean>): Resources['created'] {
  const mine: OwnedKey[] = ['userPoolId', 'userPoolDomain', 'appClientId'];
  const others = (resources.created ?? []).filter((key) => !(mine as string[]).includes(key));
  return [...others, ...mine.filter((key) => owned[key])];
}

// ---------------------------------------------------------------------------------------------
// The step

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: UserPoolClients,
): Promise<ApplyResult> {
  const { cognito } = clients;
  const progress: Progress = { writes: 0, createdSomething: false, updatedSomething: false };
  const { pool, owned: poolOwned } = await ensurePool(spec, resources, cognito, progress);
  const userPoolId = pool.Id as string;
  const domain = await ensureDomain(spec, resources, pool, poolOwned, cognito, progress);
  const client = await ensureClient(spec, resources, userPoolId, poolOwned, cognito, progress);
  const outcome = progress.createdSomething ? 'created' : progress.updatedSomething ? 'updated' : 'unchanged';
  return {
    outcome,
    writes: progress.writes,
    resources: {
      userPoolId,
      userPoolDomain: domain.host,
      redirectUri: redirectUriFor(domain.host),
      appClientId: client.clientId,
      created: withOwnership(resources, {
        userPoolId: poolOwned,
        userPoolDomain: domain.owned,
        appClientId: client.owned,
      }),
    },
  };
}

/**
 * Deletes what this system created, in the order Cognito needs (a pool with a domain cannot be
 * deleted): app client, domain, pool. A pool or client the tenant brought is kept.
 */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: UserPoolClients,
): Promise<DestroyResult> {
  const { cognito } = clients;
  const poolId = resources.userPoolId;
  const pool = poolId ? await describePool(cognito, poolId) : undefined;
  // Nothing in a pool that no longer carries this tenant's tag is deleted: the pool may have changed
  // hands since the record was written.
  const created = new Set(
    pool === undefined || poolTagProblem(spec.tenantId, pool.Id ?? '', pool.UserPoolTags) === undefined
      ? (resources.created ?? [])
      : [],
  );
  const gone = new Set<OwnedKey>();
  let deleted = 0;
  let owned = 0;

  if (poolId && resources.appClientId && created.has('appClientId')) {
    owned += 1;
    const clientId = resources.appClientId;
    const result = await cognitoFind('DeleteUserPoolClient', () =>
      cognito.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId })),
    );
    if (result) deleted += 1;
    gone.add('appClientId');
  }
  const prefix = resources.userPoolDomain ? domainPrefixOf(resources.userPoolDomain) : undefined;
  if (poolId && prefix && created.has('userPoolDomain')) {
    owned += 1;
    const described = await cognitoSend('DescribeUserPoolDomain', () =>
      cognito.send(new DescribeUserPoolDomainCommand({ Domain: prefix })),
    );
    if (described.DomainDescription?.UserPoolId === poolId) {
      await cognitoSend('DeleteUserPoolDomain', () =>
        cognito.send(new DeleteUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId })),
      );
      deleted += 1;
    }
    gone.add('userPoolDomain');
  }
  if (poolId && created.has('userPoolId')) {
    owned += 1;
    const result = await cognitoFind('DeleteUserPool', () =>
      cognito.send(new DeleteUserPoolCommand({ UserPoolId: poolId })),
    );
    if (result) deleted += 1;
    gone.add('userPoolId');
  }

  const remaining: Resources = { ...resources };
  if (gone.has('appClientId')) delete remaining.appClientId;
  if (gone.has('userPoolDomain')) {
    delete remaining.userPoolDomain;
    delete remaining.redirectUri;
  }
  if (gone.has('userPoolId')) delete remaining.userPoolId;
  remaining.created = (resources.created ?? []).filter((key) => !gone.has(key as OwnedKey));
  const outcome = deleted > 0 ? 'deleted' : owned > 0 ? 'absent' : 'kept';
  return { outcome, resources: remaining };
}

/** Whether the pool, its domain and the app client are still there, and the client still as created. */
export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: UserPoolClients,
): Promise<CheckResult> {
  const { cognito } = clients;
  const poolId = resources.userPoolId ?? spec.cognito.userPoolId;
  if (!poolId)
    return { outcome: 'missing', drift: [{ field: 'userPoolId', expected: 'a user pool', actual: null }] };
  const pool = await describePool(cognito, poolId);
  if (!pool) return { outcome: 'missing', drift: [{ field: 'userPoolId', expected: poolId, actual: null }] };

  const drift: Drift[] = [];
  const host = currentDomainHost(pool, userPoolRegion(poolId));
  if (resources.userPoolDomain && host !== resources.userPoolDomain) {
    drift.push({ field: 'userPoolDomain', expected: resources.userPoolDomain, actual: host ?? null });
  }
  const clientId = resources.appClientId ?? spec.cognito.appClientId;
  if (!clientId)
    return {
      outcome: 'missing',
      drift: [...drift, { field: 'appClientId', expected: 'an app client', actual: null }],
    };
  const client = await describeClient(cognito, poolId, clientId);
  if (!client)
    return {
      outcome: 'missing',
      drift: [...drift, { field: 'appClientId', expected: clientId, actual: null }],
    };
  if (resources.created?.includes('appClientId')) drift.push(...clientDrift(spec, client));
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
