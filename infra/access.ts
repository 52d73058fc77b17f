// What each function may do, as IAM sees it: the access functions/catalog.ts gives each function,
// with the Authentik token read added for the functions that use Authentik, and the IAM actions
// behind each kind of use. grants.ts turns them into statements on the deployment's resources.

import {
  type CatalogEntry,
  type CognitoAction,
  type FunctionAccess,
  type SecretUse,
  type StepFunctionName,
  stepFunctions,
} from '../functions/catalog.ts';

export type { CognitoAction, FunctionAccess, RegistryUse, SecretUse } from '../functions/catalog.ts';

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
 * Cognito writes: the actions that create, change or delete something (the Service Authorization
 * Reference's access level Write for cognito-idp). Each is granted only on pools that carry a
 * `tenant` tag (grants.ts); reads are not, so the preflight can still say that a pool is untagged.
 */
export function isCognitoWrite(action: CognitoAction): boolean {
  return /^(Create|Update|Delete)/.test(action);
}

/**
 * Only possible when the deployment may create pools: with `existingUserPoolId` the stack serves
 * that one pool, so it may neither create another nor delete the one it was given.
 */
export const COGNITO_POOL_LIFECYCLE: ReadonlySet<CognitoAction> = new Set([
  'CreateUserPool',
  'ListUserPools',
  'DeleteUserPool',
]);

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
  // …and turn rotation on when the secret is stored (functions/lib/rotation-schedule.ts).
  manage: [
    'secretsmanager:CreateSecret',
    'secretsmanager:DeleteSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:RestoreSecret',
    'secretsmanager:RotateSecret',
    'secretsmanager:TagResource',
  ],
  // The rotation function: read the versions, store the pending one, move the labels
  // (functions/rotate-secret/versions.ts). It never creates, tags or deletes a secret.
  rotate: [
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
  ],
  // The API: a plan reads the value; POST /tenants/{id}/rotate starts a rotation now.
  'read-and-rotate': ['secretsmanager:GetSecretValue', 'secretsmanager:RotateSecret'],
};

export const REGISTRY_ACTIONS: Record<'read' | 'write', readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:Scan'],
  // The registry writes whole items with a version condition (functions/lib/registry.ts).
  write: ['dynamodb:GetItem', 'dynamodb:PutItem'],
};

/**
 * What a function is granted: its access in the catalog, and for a function that uses Authentik the
 * tenant's token, which it reads to make its Authentik client (and may not change).
 */
export function grantedAccess(entry: CatalogEntry): FunctionAccess {
  if (!entry.usesAuthentik) return entry.access;
  return { ...entry.access, secrets: { 'authentik-token': 'read', ...entry.access.secrets } };
}

/** Every step function's grants; the API's are in api-access.ts, next to its state machines. */
export const stepAccess = Object.fromEntries(
  stepFunctions.map((entry) => [entry.name, grantedAccess(entry)]),
) as Record<StepFunctionName, FunctionAccess>;
