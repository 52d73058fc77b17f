// Turns a function's access (access.ts) into IAM statements on the deployment's resources: its own
// role's (Cognito, the registry, events, metrics) and, for secrets, the tenant-secrets role's.

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { POOL_TAG_MANAGED_BY, POOL_TAG_TENANT } from '../functions/lib/cognito.ts';
import { SERVICE_NAME } from '../functions/lib/logger.ts';
import { SECRET_KIND_TAG, type SecretKind, TENANT_TAG } from '../functions/lib/secrets.ts';
import { FUNCTION_TAG, TENANT_SESSION_TAG } from '../functions/lib/tenant-secrets.ts';
import {
  COGNITO_ACTIONS_WITHOUT_RESOURCE,
  COGNITO_POOL_LIFECYCLE,
  type CognitoAction,
  type FunctionAccess,
  isCognitoWrite,
  REGISTRY_ACTIONS,
  SECRET_ACTIONS,
  type SecretUse,
} from './access.ts';

export interface GrantTargets {
  readonly secretPrefix: string;
  readonly secretsKey: IKey;
  readonly registry: ITable;
  /** When set, Cognito grants name this pool only, and no pool may be created or deleted. */
  readonly existingUserPoolId?: string | undefined;
}

/** `${aws:PrincipalTag/<key>}`: the value of a tag of the session making the request. */
export function principalTag(key: string): string {
  return `\${aws:PrincipalTag/${key}}`;
}

/**
 * `<prefix>/${aws:PrincipalTag/tenant}/<kind>-??????`: the secret of one kind of the tenant the
 * session is tagged with, and no other tenant's. Secrets Manager appends six random characters to a
 * secret's ARN; `??????` matches exactly those, so `oidc-client` cannot also match a secret named
 * `oidc-client-old`. IAM User Guide, "IAM policy elements: Variables and tags" (a variable in
 * Resource); Secrets Manager User Guide, "Permissions policy examples" (the `??????` suffix).
 */
export function tenantSecretArnPattern(scope: Construct, prefix: string, kind: SecretKind): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}/${principalTag(TENANT_SESSION_TAG)}/${kind}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function userPoolArn(scope: Construct, poolId: string): string {
  return Stack.of(scope).formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: poolId });
}

/**
 * Cognito grants. Reads go to any pool in the scope (the preflight must be able to say a named pool
 * is untagged or another tenant's); every write goes only to pools tagged with a tenant
 * (`aws:ResourceTag/tenant`), which are the pools this deployment may manage: the ones it created,
 * tagged at creation, and the ones an operator tagged for a tenant. CreateUserPool has no resource
 * and is conditioned on the tags of its request instead (`aws:RequestTag/…`), so a pool it makes is
 * always tagged as this system's. DeleteUserPool also needs the `managed-by` tag: a pool a tenant
 * brought is never deleted.
 *
 * AWS: Service Authorization Reference, "Actions, resources, and condition keys for Amazon Cognito
 * User Pools" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html):
 * every action on the `userpool` resource type takes `aws:ResourceTag/${TagKey}`; CreateUserPool has
 * no resource type and takes `aws:RequestTag/${TagKey}` and `aws:TagKeys`; DescribeUserPoolDomain and
 * ListUserPools take no condition key, so they stay unconditioned reads on `*`.
 */
function cognitoStatements(
  scope: Construct,
  actions: readonly CognitoAction[],
  targets: GrantTargets,
): PolicyStatement[] {
  const allowed = targets.existingUserPoolId
    ? actions.filter((action) => !COGNITO_POOL_LIFECYCLE.has(action))
    : actions;
  const poolArn = userPoolArn(scope, targets.existingUserPoolId ?? '*');
  const withoutResource = allowed.filter((a) => COGNITO_ACTIONS_WITHOUT_RESOURCE.has(a));
  const onPools = allowed.filter((a) => !COGNITO_ACTIONS_WITHOUT_RESOURCE.has(a));
  const reads = onPools.filter((a) => !isCognitoWrite(a));
  const writes = onPools.filter((a) => isCognitoWrite(a) && a !== 'DeleteUserPool');
  const deletePool = onPools.filter((a) => a === 'DeleteUserPool');
  const createPool = withoutResource.filter((a) => a === 'CreateUserPool');
  const unscopedReads = withoutResource.filter((a) => a !== 'CreateUserPool');
  const unplaced = unscopedReads.filter((a) => isCognitoWrite(a));
  if (unplaced.length > 0) throw new Error(`infra/grants.ts places no condition on ${unplaced.join(', ')}`);

  const taggedPool = { StringLike: { [`aws:ResourceTag/${POOL_TAG_TENANT}`]: '?*' } };
  const statements: PolicyStatement[] = [];
  const prefixed = (list: readonly string[]) => list.map((a) => `cognito-idp:${a}`);
  if (reads.length > 0) {
    statements.push(new PolicyStatement({ actions: prefixed(reads), resources: [poolArn] }));
  }
  if (writes.length > 0) {
    statements.push(
      new PolicyStatement({ actions: prefixed(writes), resources: [poolArn], conditions: taggedPool }),
    );
  }
  if (unscopedReads.length > 0) {
    statements.push(new PolicyStatement({ actions: prefixed(unscopedReads), resources: ['*'] }));
  }
  if (createPool.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: prefixed(createPool),
        resources: ['*'],
        conditions: {
          StringEquals: { [`aws:RequestTag/${POOL_TAG_MANAGED_BY}`]: SERVICE_NAME },
          StringLike: { [`aws:RequestTag/${POOL_TAG_TENANT}`]: '?*' },
        },
      }),
    );
  }
  if (deletePool.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: prefixed(deletePool),
        resources: [poolArn],
        conditions: {
          ...taggedPool,
          StringEquals: { [`aws:ResourceTag/${POOL_TAG_MANAGED_BY}`]: SERVICE_NAME },
        },
      }),
    );
  }
  return statements;
}

/** A function that reads or writes tenants' secrets, with the kinds and uses it needs. */
export interface SecretsUser {
  /** The function's name: its role's `function` tag, and its sessions' (see infra/tenant-secrets.ts). */
  readonly name: string;
  readonly secrets: FunctionAccess['secrets'];
}

// How putSecret and deleteSecret touch a secret (functions/lib/secrets.ts), by what IAM can know of
// it when the request arrives.
const ON_EXISTING = new Set([
  'secretsmanager:DeleteSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:RestoreSecret',
  'secretsmanager:RotateSecret',
  'secretsmanager:UpdateSecretVersionStage',
]);
const LOOKUP = new Set(['secretsmanager:DescribeSecret']);
const TAGGING = new Set(['secretsmanager:CreateSecret', 'secretsmanager:TagResource']);

/**
 * The statements of the tenant-secrets role: each function's secret grants (access.ts), on the
 * secrets of the tenant its session is tagged with only. Every statement names the functions whose
 * sessions it serves (`aws:PrincipalTag/function`, pinned to the calling role's own tag by the trust
 * policy), so a step still reaches only the kinds it needs.
 *
 * - Reads and changes of an existing secret also need the secret's `tenant` tag to be the session's
 *   (`secretsmanager:ResourceTag/tenant`): a secret is the tenant's by name and by tag.
 * - DescribeSecret is how putSecret and deleteSecret find out whether the secret exists; a missing
 *   secret has no tag for IAM to compare, so the tag must match only if there is one
 *   (StringEqualsIfExists) and a missing secret answers ResourceNotFound, not AccessDenied.
 * - CreateSecret and TagResource (a tagged create needs both) must set the session's tenant as the
 *   `tenant` tag (`aws:RequestTag/tenant`), and no tag keys but putSecret's.
 * - KMS: Secrets Manager encrypts with GenerateDataKey and decrypts with Decrypt on the caller's
 *   behalf (never kms:Encrypt), only through Secrets Manager (`kms:ViaService`) and only for this
 *   tenant's secrets (`kms:EncryptionContext:SecretARN`).
 *
 * AWS docs: IAM User Guide, "Tutorial: Using tags for attribute-based access control" and "Pass
 * session tags in AWS STS"; Service Authorization Reference, "Actions, resources, and condition keys
 * for AWS Secrets Manager" (secretsmanager:ResourceTag, aws:RequestTag, aws:TagKeys on CreateSecret
 * and TagResource); Secrets Manager User Guide, "Secret encryption and decryption" (GenerateDataKey,
 * Decrypt, the SecretARN encryption context).
 */
export function tenantSecretsStatements(
  scope: Construct,
  users: readonly SecretsUser[],
  targets: GrantTargets,
): PolicyStatement[] {
  // Functions by kind and use, then kinds by use and set of functions: one group per statement.
  const byKindAndUse = new Map<string, { kind: SecretKind; use: SecretUse; functions: string[] }>();
  for (const user of users) {
    for (const [kind, use] of Object.entries(user.secrets) as [SecretKind, SecretUse][]) {
      const key = `${use} ${kind}`;
      const entry = byKindAndUse.get(key) ?? { kind, use, functions: [] };
      entry.functions.push(user.name);
      byKindAndUse.set(key, entry);
    }
  }
  const groups = new Map<string, { use: SecretUse; functions: string[]; kinds: SecretKind[] }>();
  for (const { kind, use, functions } of byKindAndUse.values()) {
    const sorted = [...functions].sort();
    const key = `${use} ${sorted.join(',')}`;
    const group = groups.get(key) ?? { use, functions: sorted, kinds: [] };
    group.kinds.push(kind);
    groups.set(key, group);
  }

  const tenant = principalTag(TENANT_SESSION_TAG);
  const statements: PolicyStatement[] = [];
  for (const { use, functions, kinds } of groups.values()) {
    const resources = kinds.sort().map((kind) => tenantSecretArnPattern(scope, targets.secretPrefix, kind));
    const byFunction = { [`aws:PrincipalTag/${FUNCTION_TAG}`]: functions };
    const actions = SECRET_ACTIONS[use];
    const existing = actions.filter((a) => ON_EXISTING.has(a));
    const lookup = actions.filter((a) => LOOKUP.has(a));
    const tagging = actions.filter((a) => TAGGING.has(a));
    const unplaced = actions.filter((a) => !ON_EXISTING.has(a) && !LOOKUP.has(a) && !TAGGING.has(a));
    if (unplaced.length > 0) throw new Error(`infra/grants.ts places no condition on ${unplaced.join(', ')}`);
    if (existing.length > 0) {
      statements.push(
        new PolicyStatement({
          actions: existing,
          resources,
          conditions: {
            StringEquals: { [`secretsmanager:ResourceTag/${TENANT_TAG}`]: tenant, ...byFunction },
          },
        }),
      );
    }
    if (lookup.length > 0) {
      statements.push(
        new PolicyStatement({
          actions: lookup,
          resources,
          conditions: {
            StringEquals: byFunction,
            StringEqualsIfExists: { [`secretsmanager:ResourceTag/${TENANT_TAG}`]: tenant },
          },
        }),
      );
    }
    if (tagging.length > 0) {
      statements.push(
        new PolicyStatement({
          actions: tagging,
          resources,
          conditions: {
            StringEquals: { [`aws:RequestTag/${TENANT_TAG}`]: tenant, ...byFunction },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG, SECRET_KIND_TAG] },
          },
        }),
      );
    }
  }
  if (statements.length === 0) return statements;

  // The key is used only through Secrets Manager, for this tenant's secrets.
  const stack = Stack.of(scope);
  const viaSecretsManager = {
    StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
    StringLike: {
      'kms:EncryptionContext:SecretARN': stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${targets.secretPrefix}/${tenant}/*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };
  const kmsFor = (functions: string[]) => ({
    ...viaSecretsManager,
    StringEquals: {
      ...viaSecretsManager.StringEquals,
      [`aws:PrincipalTag/${FUNCTION_TAG}`]: [...new Set(functions)].sort(),
    },
  });
  const readers = users.filter((u) => Object.keys(u.secrets).length > 0).map((u) => u.name);
  const writers = users
    .filter((u) =>
      Object.values(u.secrets).some((use) => use === 'store' || use === 'manage' || use === 'rotate'),
    )
    .map((u) => u.name);
  statements.push(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [targets.secretsKey.keyArn],
      conditions: kmsFor(readers),
    }),
  );
  if (writers.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [targets.secretsKey.keyArn],
        conditions: kmsFor(writers),
      }),
    );
  }
  return statements;
}

/** The statements granting exactly `access` on the deployment's resources. */
export function accessStatements(
  scope: Construct,
  access: FunctionAccess,
  targets: GrantTargets,
): PolicyStatement[] {
  // Secrets are not granted here: no function role reaches a tenant's secrets itself; the
  // tenant-secrets role does, per tenant (tenantSecretsStatements).
  const statements = [...cognitoStatements(scope, access.cognito, targets)];
  if (access.defaultBusEvents) {
    statements.push(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [
          Stack.of(scope).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        ],
      }),
    );
  }
  if (access.metricNamespace) {
    // PutMetricData has no resource type; the namespace condition is what scopes it.
    statements.push(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': access.metricNamespace } },
      }),
    );
  }
  if (access.registry !== 'none') {
    statements.push(
      new PolicyStatement({
        actions: [...REGISTRY_ACTIONS[access.registry]],
        resources: [targets.registry.tableArn],
      }),
    );
  }
  return statements;
}
