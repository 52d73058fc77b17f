// Turns a function's access (access.ts) into IAM statements on the deployment's resources.

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { POOL_TAG_MANAGED_BY } from '../functions/lib/cognito.ts';
import { SERVICE_NAME } from '../functions/lib/logger.ts';
import type { SecretKind } from '../functions/lib/secrets.ts';
import {
  COGNITO_ACTIONS_WITHOUT_RESOURCE,
  COGNITO_POOL_LIFECYCLE,
  type CognitoAction,
  type FunctionAccess,
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

/**
 * `<prefix>/*​/<kind>-??????`: every tenant's secret of one kind. Secrets Manager appends six random
 * characters to a secret's ARN; `??????` matches exactly those, so `oidc-client` cannot also match a
 * secret named `oidc-client-old`.
 */
export function secretArnPattern(scope: Construct, prefix: string, kind: SecretKind): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}/*/${kind}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function userPoolArn(scope: Construct, poolId: string): string {
  return Stack.of(scope).formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: poolId });
}

function cognitoStatements(
  scope: Construct,
  actions: readonly CognitoAction[],
  targets: GrantTargets,
): PolicyStatement[] {
  const allowed = targets.existingUserPoolId
    ? actions.filter((action) => !COGNITO_POOL_LIFECYCLE.has(action))
    : actions;
  const poolArn = userPoolArn(scope, targets.existingUserPoolId ?? '*');
  const unscoped = allowed.filter((a) => COGNITO_ACTIONS_WITHOUT_RESOURCE.has(a));
  const deletePool = allowed.filter((a) => a === 'DeleteUserPool');
  const scoped = allowed.filter((a) => !COGNITO_ACTIONS_WITHOUT_RESOURCE.has(a) && a !== 'DeleteUserPool');
  const statements: PolicyStatement[] = [];
  const prefixed = (list: readonly string[]) => list.map((a) => `cognito-idp:${a}`);
  if (scoped.length > 0) {
    statements.push(new PolicyStatement({ actions: prefixed(scoped), resources: [poolArn] }));
  }
  if (unscoped.length > 0) {
    statements.push(new PolicyStatement({ actions: prefixed(unscoped), resources: ['*'] }));
  }
  if (deletePool.length > 0) {
    // IAM backs the ownership rule: only a pool this system created (and tagged) can be deleted;
    // a pool a tenant brought never carries the tag.
    statements.push(
      new PolicyStatement({
        actions: prefixed(deletePool),
        resources: [poolArn],
        conditions: { StringEquals: { [`aws:ResourceTag/${POOL_TAG_MANAGED_BY}`]: SERVICE_NAME } },
      }),
    );
  }
  return statements;
}

function secretStatements(
  scope: Construct,
  secrets: FunctionAccess['secrets'],
  targets: GrantTargets,
): PolicyStatement[] {
  const byUse = new Map<SecretUse, SecretKind[]>();
  for (const [kind, use] of Object.entries(secrets) as [SecretKind, SecretUse][]) {
    byUse.set(use, [...(byUse.get(use) ?? []), kind]);
  }
  const statements = [...byUse].map(
    ([use, kinds]) =>
      new PolicyStatement({
        actions: [...SECRET_ACTIONS[use]],
        resources: kinds.map((kind) => secretArnPattern(scope, targets.secretPrefix, kind)),
      }),
  );
  if (byUse.size === 0) return statements;
  // Only through Secrets Manager: the key cannot be used directly to decrypt anything else.
  const writes = byUse.has('store') || byUse.has('manage');
  statements.push(
    new PolicyStatement({
      actions: writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
      resources: [targets.secretsKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` },
      },
    }),
  );
  return statements;
}

/** The statements granting exactly `access` on the deployment's resources. */
export function accessStatements(
  scope: Construct,
  access: FunctionAccess,
  targets: GrantTargets,
): PolicyStatement[] {
  const statements = [
    ...cognitoStatements(scope, access.cognito, targets),
    ...secretStatements(scope, access.secrets, targets),
  ];
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
