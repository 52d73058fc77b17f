// Step 6 of the guide: a user pool with `email` required, its domain, and an app client with the
// code flow — each only when the tenant brought none. Finds before it creates, adopts what it finds,
// and records which of the three it created, so deprovisioning deletes only those.
//
// Ownership (functions/lib/ownership.ts): a pool serves a tenant only when its `tenant` tag names
// it. A pool the tenant brings (cognito.userPoolId) must carry that tag, which an operator adds; a
// pool found under the spec's name must carry it too. App clients and domains have no tags of their
// own: the pool's tag vouches for them.
//
// Each of the three has its module (pool.ts, domain.ts, app-client.ts); this one runs them in order
// for apply, and holds destroy and check.

import {
  type CognitoIdentityProviderClient,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DeleteUserPoolDomainCommand,
  DescribeUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoFind, cognitoSend, domainPrefixOf, redirectUriFor, userPoolRegion } from '#lib/cognito.ts';
import { poolTagProblem } from '#lib/ownership.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { clientDrift, describeClient, ensureClient } from './app-client.ts';
import { destroyBranding, ensureBranding } from './branding.ts';
import { currentDomainHost, ensureDomain } from './domain.ts';
import { describePool, ensurePool } from './pool.ts';
import type { Progress } from './progress.ts';

export interface UserPoolClients {
  cognito: CognitoIdentityProviderClient;
}

type OwnedKey = 'userPoolId' | 'userPoolDomain' | 'appClientId' | 'managedLoginBrandingId';

function withOwnership(resources: Resources, owned: Record<OwnedKey, boolean>): Resources['created'] {
  const mine: OwnedKey[] = ['userPoolId', 'userPoolDomain', 'appClientId', 'managedLoginBrandingId'];
  const others = (resources.created ?? []).filter((key) => !(mine as string[]).includes(key));
  return [...others, ...mine.filter((key) => owned[key])];
}

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
  const branding = await ensureBranding(
    resources,
    userPoolId,
    client,
    domain.managedLoginVersion,
    cognito,
    progress,
  );
  const outcome = progress.createdSomething ? 'created' : progress.updatedSomething ? 'updated' : 'unchanged';
  return {
    outcome,
    writes: progress.writes,
    resources: {
      userPoolId,
      userPoolDomain: domain.host,
      redirectUri: redirectUriFor(domain.host),
      ...(domain.managedLoginVersion === undefined
        ? {}
        : { managedLoginVersion: domain.managedLoginVersion }),
      appClientId: client.clientId,
      ...(branding.brandingId === undefined ? {} : { managedLoginBrandingId: branding.brandingId }),
      created: withOwnership(resources, {
        userPoolId: poolOwned,
        userPoolDomain: domain.owned,
        appClientId: client.owned,
        managedLoginBrandingId: branding.owned,
      }),
    },
  };
}

/**
 * Deletes what this system created, in the order Cognito needs (a pool with a domain cannot be
 * deleted): the branding style it applied, app client, domain, pool. A pool or client the tenant
 * brought is kept.
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

  if (poolId && resources.managedLoginBrandingId && created.has('managedLoginBrandingId')) {
    owned += 1;
    if (await destroyBranding(cognito, poolId, resources.managedLoginBrandingId)) deleted += 1;
    gone.add('managedLoginBrandingId');
  }
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
  if (gone.has('managedLoginBrandingId')) delete remaining.managedLoginBrandingId;
  if (gone.has('appClientId')) delete remaining.appClientId;
  if (gone.has('userPoolDomain')) {
    delete remaining.userPoolDomain;
    delete remaining.redirectUri;
    delete remaining.managedLoginVersion;
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
