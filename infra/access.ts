// What each function may do, and nothing more: the Cognito actions its code sends, the secrets of
// the kinds it reads or writes (under the deployment's prefix), and the registry table for the two
// functions that keep it. The Cognito lists are read from each core's imports (a test compares them
// with the SDK commands in each function's bundle, so a new call without a grant fails the tests).

import type { StepFunctionName } from '../functions/catalog.ts';
import type { SecretKind } from '../functions/lib/secrets.ts';

/** The Cognito user pool actions (without `cognito-idp:`). */
export type CognitoAction =
  | 'CreateIdentityProvider'
  | 'CreateUserPool'
  | 'CreateUserPoolClient'
  | 'CreateUserPoolDomain'
  | 'DeleteIdentityProvider'
  | 'DeleteUserPool'
  | 'DeleteUserPoolClient'
  | 'DeleteUserPoolDomain'
  | 'DescribeIdentityProvider'
  | 'DescribeUserPool'
  | 'DescribeUserPoolClient'
  | 'DescribeUserPoolDomain'
  | 'ListIdentityProviders'
  | 'ListUserPoolClients'
  | 'ListUserPools'
  | 'UpdateIdentityProvider'
  | 'UpdateUserPoolClient';

/**
 * Actions IAM cannot scope to a user pool (the Service Authorization Reference lists no resource
 * type for them): they need `Resource: *`. Everything else is granted on user pool ARNs only.
 */
export const COGNITO_ACTIONS_WITHOUT_RESOURCE: ReadonlySet<CognitoAction> = new Set([
  'CreateUserPool',
  'ListUserPools',
  'DescribeUserPoolDomain',
]);

/**
 * Only possible when the deployment may create pools: with `existingUserPoolId` the stack serves
 * that one pool, so it may neither create another nor delete the one it was given.
 */
export const COGNITO_POOL_LIFECYCLE: ReadonlySet<CognitoAction> = new Set([
  'CreateUserPool',
  'ListUserPools',
  'DeleteUserPool',
]);

/**
 * `read`: GetSecretValue. `store`: create or update a value (putSecret). `manage`: store and delete
 * (deprovisioning). See functions/lib/secrets.ts for the calls behind each.
 */
export type SecretUse = 'read' | 'store' | 'manage';

export const SECRET_ACTIONS: Record<SecretUse, readonly string[]> = {
  read: ['secretsmanager:GetSecretValue'],
  // putSecret: look, create (tagged, so TagResource too), restore one pending deletion, re-tag,
  // compare the value, store a new version.
  store: [
    'secretsmanager:CreateSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:RestoreSecret',
    'secretsmanager:TagResource',
  ],
  manage: [
    'secretsmanager:CreateSecret',
    'secretsmanager:DeleteSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:RestoreSecret',
    'secretsmanager:TagResource',
  ],
};

export type RegistryUse = 'none' | 'read' | 'write';

export const REGISTRY_ACTIONS: Record<Exclude<RegistryUse, 'none'>, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:Scan'],
  // The registry writes whole items with a version condition (functions/lib/registry.ts).
  write: ['dynamodb:GetItem', 'dynamodb:PutItem'],
};

export interface FunctionAccess {
  readonly cognito: readonly CognitoAction[];
  readonly secrets: Partial<Record<SecretKind, SecretUse>>;
  readonly registry: RegistryUse;
  /** Puts events (e.g. drift reports) on the account's default event bus. */
  readonly defaultBusEvents?: boolean;
  /** Publishes CloudWatch metrics, in this namespace only. */
  readonly metricNamespace?: string;
}

const authentikToken = { 'authentik-token': 'read' } as const;

/** Every step function's grants; the API's are in api-access.ts, next to its state machines. */
export const stepAccess: Record<StepFunctionName, FunctionAccess> = {
  'validate-tenant': {
    cognito: [
      'DescribeIdentityProvider',
      'DescribeUserPool',
      'DescribeUserPoolClient',
      'DescribeUserPoolDomain',
      'ListIdentityProviders',
    ],
    secrets: authentikToken,
    registry: 'none',
  },
  'ensure-group': { cognito: [], secrets: authentikToken, registry: 'none' },
  'ensure-test-user': {
    cognito: [],
    secrets: { ...authentikToken, 'test-user': 'manage' },
    registry: 'none',
  },
  'ensure-user-pool': {
    cognito: [
      'CreateUserPool',
      'CreateUserPoolClient',
      'CreateUserPoolDomain',
      'DeleteUserPool',
      'DeleteUserPoolClient',
      'DeleteUserPoolDomain',
      'DescribeUserPool',
      'DescribeUserPoolClient',
      'DescribeUserPoolDomain',
      'ListUserPoolClients',
      'ListUserPools',
      'UpdateUserPoolClient',
    ],
    secrets: {},
    registry: 'none',
  },
  'ensure-oidc-provider': {
    cognito: [],
    secrets: { ...authentikToken, 'oidc-client': 'manage' },
    registry: 'none',
  },
  'ensure-application': { cognito: [], secrets: authentikToken, registry: 'none' },
  'ensure-access-policy': { cognito: [], secrets: authentikToken, registry: 'none' },
  'ensure-identity-provider': {
    cognito: [
      'CreateIdentityProvider',
      'DeleteIdentityProvider',
      'DescribeIdentityProvider',
      'UpdateIdentityProvider',
    ],
    secrets: { 'oidc-client': 'read' },
    registry: 'none',
  },
  'enable-identity-provider': {
    cognito: ['DescribeUserPoolClient', 'UpdateUserPoolClient'],
    secrets: {},
    registry: 'none',
  },
  'verify-federation': {
    cognito: ['DescribeIdentityProvider', 'DescribeUserPool', 'DescribeUserPoolClient'],
    secrets: { ...authentikToken, 'test-user': 'read' },
    registry: 'none',
  },
  'record-outcome': { cognito: [], secrets: {}, registry: 'write' },
  // The verification run (verify-federations): list, verify each tenant, report.
  'list-tenants': { cognito: [], secrets: {}, registry: 'read' },
  'verify-tenant': {
    cognito: ['DescribeIdentityProvider', 'DescribeUserPool', 'DescribeUserPoolClient'],
    // The provider step's check compares the stored OIDC client with Authentik's.
    secrets: { ...authentikToken, 'test-user': 'read', 'oidc-client': 'read' },
    // Records each tenant's last verification.
    registry: 'write',
  },
  'report-verification': { cognito: [], secrets: {}, registry: 'none', defaultBusEvents: true },
};
