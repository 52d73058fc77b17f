// The user pool of a tenant: the one it brought (cognito.userPoolId), the one recorded or found under
// the spec's name, or a new one with `email` required. A pool serves a tenant only when its `tenant`
// tag names it (functions/lib/ownership.ts); a pool this system creates carries that tag and
// `managed-by`, so a re-run after a crash recognises it as its own.
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoFind, cognitoSend, POOL_TAG_MANAGED_BY, POOL_TAG_TENANT } from '#lib/cognito.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import { poolTagProblem } from '#lib/ownership.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { Progress } from './progress.ts';

export async function describePool(
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

export async function ensurePool(
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
