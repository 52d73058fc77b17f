// Every Lambda of the product, once, as plain data: its name (the folder under functions/), the
// placeholder the ASL files name it by, its part in the workflow, whether it talks to Authentik, the
// environment it validates at cold start, and what it may do in AWS. The rest is derived from this
// table: the CDK functions with their environments and grants (infra/), the clients each Lambda
// builds (lib/lambda.ts), the local runner's handlers, the order the provisioning steps run and are
// checked in, and the tenant states. Every Lambda bundle imports it, so it holds data only and
// imports nothing heavier than the zod/mini environment schemas.
import type * as z from 'zod/mini';
import { apiEnv, registryStepEnv, stepEnv } from './lib/env.ts';
import type { SecretKind } from './lib/secrets.ts';
import { reportEnv } from './report-verification/env.ts';
import { rotationEnv } from './rotate-secret/env.ts';

/** The Cognito user pool actions (without `cognito-idp:`). */
export type CognitoAction =
  | 'CreateIdentityProvider'
  | 'CreateManagedLoginBranding'
  | 'CreateUserPool'
  | 'CreateUserPoolClient'
  | 'CreateUserPoolDomain'
  | 'DeleteIdentityProvider'
  | 'DeleteManagedLoginBranding'
  | 'DeleteUserPool'
  | 'DeleteUserPoolClient'
  | 'DeleteUserPoolDomain'
  | 'DescribeIdentityProvider'
  | 'DescribeManagedLoginBrandingByClient'
  | 'DescribeUserPool'
  | 'DescribeUserPoolClient'
  | 'DescribeUserPoolDomain'
  | 'ListIdentityProviders'
  | 'ListUserPoolClients'
  | 'ListUserPools'
  | 'UpdateIdentityProvider'
  | 'UpdateUserPoolClient'
  | 'UpdateUserPoolDomain';

/**
 * `read`: GetSecretValue. `store`: create or update a value (putSecret). `manage`: store and delete
 * (deprovisioning), and turn rotation on (RotateSecret). See functions/lib/secrets.ts for the calls
 * behind each. `rotate`: what a rotation function does to the versions (rotate-secret/versions.ts).
 * `read-and-rotate`: read, and start a rotation now (the API).
 */
export type SecretUse = 'read' | 'store' | 'manage' | 'rotate' | 'read-and-rotate';

export type RegistryUse = 'none' | 'read' | 'write';

/**
 * What a function may do: the Cognito actions its code sends, the secrets of the kinds it reads or
 * writes (under the deployment's prefix, for one tenant at a time), and the registry table. The
 * Cognito lists are read from each core's imports; a test compares them with the SDK commands in
 * each function's bundle, so a new call without a grant fails the tests.
 */
export interface FunctionAccess {
  readonly cognito: readonly CognitoAction[];
  /**
   * In the table: the secrets the function's own code reads or writes. The tenant's Authentik token,
   * which a function that uses Authentik reads to make its client, follows from `usesAuthentik` and
   * is not listed again (infra/access.ts adds it to the grants).
   */
  readonly secrets: Partial<Record<SecretKind, SecretUse>>;
  readonly registry: RegistryUse;
  /** Puts events (e.g. drift reports) on the account's default event bus. */
  readonly defaultBusEvents?: boolean;
  /** Publishes CloudWatch metrics, in this namespace only. */
  readonly metricNamespace?: string;
  /** Starts and reads executions of the state machines (granted on them in infra/api-access.ts). */
  readonly startsExecutions?: boolean;
}

/**
 * A function's part in the workflow, which fixes where the state machines call it (a test reads the
 * ASL files against this table):
 * - `preflight`: provision-tenant checks the spec, then the world, before anything is written;
 * - `step`: a step of the guide. provision-tenant applies the steps in this table's order,
 *   deprovision-tenant destroys them in the reverse order, and the verification in depth runs each
 *   one's check in this order;
 * - `verification`: provision-tenant's last step, the guide's "Test it";
 * - `registry`: the registry's bookkeeping at the start and end of each execution;
 * - `verification-run`: the verification machine (verify-federations), in this table's order;
 * - `api`: the tenant API behind API Gateway; no state machine calls it.
 * - `rotation`: Secrets Manager invokes it to rotate a tenant's secrets; no state machine calls it.
 */
export type FunctionRole =
  | 'preflight'
  | 'step'
  | 'verification'
  | 'registry'
  | 'verification-run'
  | 'api'
  | 'rotation';

export interface CatalogEntry {
  readonly name: string;
  /** What the ASL files name the function by; CDK substitutes its ARN, the local runner its handler. */
  readonly placeholder?: string;
  readonly role: FunctionRole;
  /** The function reads the tenant's Authentik token and talks to Authentik; the others never do. */
  readonly usesAuthentik: boolean;
  /** The environment the function validates at cold start (CDK types its environment from it). */
  readonly env: z.ZodMiniObject;
  readonly access: FunctionAccess;
}

/** The Cognito reads of one tenant's verification (verify-federation and each item of verify-tenant). */
const VERIFICATION_READS = [
  'DescribeIdentityProvider',
  'DescribeManagedLoginBrandingByClient',
  'DescribeUserPool',
  'DescribeUserPoolClient',
] as const;

/** The functions the state machines call, in the order they call them. */
export const stepFunctions = [
  {
    name: 'validate-tenant',
    placeholder: 'ValidateTenantFunctionArn',
    role: 'preflight',
    usesAuthentik: true,
    env: stepEnv,
    access: {
      cognito: [
        'DescribeIdentityProvider',
        'DescribeUserPool',
        'DescribeUserPoolClient',
        'DescribeUserPoolDomain',
      ],
      secrets: {},
      registry: 'none',
    },
  },
  {
    name: 'ensure-group',
    placeholder: 'EnsureGroupFunctionArn',
    role: 'step',
    usesAuthentik: true,
    env: stepEnv,
    access: { cognito: [], secrets: {}, registry: 'none' },
  },
  {
    name: 'ensure-test-user',
    placeholder: 'EnsureTestUserFunctionArn',
    role: 'step',
    usesAuthentik: true,
    env: stepEnv,
    access: { cognito: [], secrets: { 'test-user': 'manage' }, registry: 'none' },
  },
  {
    name: 'ensure-user-pool',
    placeholder: 'EnsureUserPoolFunctionArn',
    role: 'step',
    usesAuthentik: false,
    env: stepEnv,
    access: {
      cognito: [
        'CreateManagedLoginBranding',
        'CreateUserPool',
        'CreateUserPoolClient',
        'CreateUserPoolDomain',
        'DeleteManagedLoginBranding',
        'DeleteUserPool',
        'DeleteUserPoolClient',
        'DeleteUserPoolDomain',
        'DescribeManagedLoginBrandingByClient',
        'DescribeUserPool',
        'DescribeUserPoolClient',
        'DescribeUserPoolDomain',
        'ListUserPoolClients',
        'ListUserPools',
        'UpdateUserPoolClient',
        'UpdateUserPoolDomain',
      ],
      secrets: {},
      registry: 'none',
    },
  },
  {
    name: 'ensure-oidc-provider',
    placeholder: 'EnsureOidcProviderFunctionArn',
    role: 'step',
    usesAuthentik: true,
    env: stepEnv,
    access: { cognito: [], secrets: { 'oidc-client': 'manage' }, registry: 'none' },
  },
  {
    name: 'ensure-application',
    placeholder: 'EnsureApplicationFunctionArn',
    role: 'step',
    usesAuthentik: true,
    env: stepEnv,
    access: { cognito: [], secrets: {}, registry: 'none' },
  },
  {
    name: 'ensure-access-policy',
    placeholder: 'EnsureAccessPolicyFunctionArn',
    role: 'step',
    usesAuthentik: true,
    env: stepEnv,
    access: { cognito: [], secrets: {}, registry: 'none' },
  },
  {
    name: 'ensure-identity-provider',
    placeholder: 'EnsureIdentityProviderFunctionArn',
    role: 'step',
    usesAuthentik: false,
    env: stepEnv,
    access: {
      cognito: [
        'CreateIdentityProvider',
        'DeleteIdentityProvider',
        'DescribeIdentityProvider',
        'UpdateIdentityProvider',
      ],
      secrets: { 'oidc-client': 'read' },
      registry: 'none',
    },
  },
  {
    name: 'enable-identity-provider',
    placeholder: 'EnableIdentityProviderFunctionArn',
    role: 'step',
    usesAuthentik: false,
    env: stepEnv,
    access: { cognito: ['DescribeUserPoolClient', 'UpdateUserPoolClient'], secrets: {}, registry: 'none' },
  },
  {
    name: 'verify-federation',
    placeholder: 'VerifyFederationFunctionArn',
    role: 'verification',
    usesAuthentik: true,
    env: stepEnv,
    access: {
      cognito: [...VERIFICATION_READS],
      secrets: { 'test-user': 'read' },
      registry: 'none',
    },
  },
  {
    name: 'record-outcome',
    placeholder: 'RecordOutcomeFunctionArn',
    role: 'registry',
    usesAuthentik: false,
    env: registryStepEnv,
    access: { cognito: [], secrets: {}, registry: 'write' },
  },
  {
    name: 'list-tenants',
    placeholder: 'ListTenantsFunctionArn',
    role: 'verification-run',
    usesAuthentik: false,
    env: registryStepEnv,
    access: { cognito: [], secrets: {}, registry: 'read' },
  },
  {
    name: 'verify-tenant',
    placeholder: 'VerifyTenantFunctionArn',
    role: 'verification-run',
    usesAuthentik: true,
    env: stepEnv,
    access: {
      cognito: [...VERIFICATION_READS],
      // The provider step's check compares the stored OIDC client with Authentik's.
      secrets: { 'test-user': 'read', 'oidc-client': 'read' },
      // Records each tenant's last verification.
      registry: 'write',
    },
  },
  {
    name: 'report-verification',
    placeholder: 'ReportVerificationFunctionArn',
    role: 'verification-run',
    usesAuthentik: false,
    env: reportEnv,
    access: { cognito: [], secrets: {}, registry: 'none', defaultBusEvents: true },
  },
] as const satisfies readonly CatalogEntry[];

/**
 * The tenant API. Registry: read only (the executions write it through record-outcome; the lock
 * items are granted in infra/api-access.ts). Secrets: the Authentik token a caller hands over once,
 * stored before anything starts; never deleted here (deprovisioning removes nothing the tenant
 * brought). A plan (POST /tenants/{id}/plan) runs the preflight and every step's check in the API:
 * their Cognito reads, Authentik with the tenant's token, and the stored OIDC client and test-user
 * password they compare; never a write.
 */
export const apiFunction = {
  name: 'api',
  role: 'api',
  usesAuthentik: true,
  env: apiEnv,
  access: {
    cognito: [
      'DescribeIdentityProvider',
      'DescribeUserPool',
      'DescribeUserPoolClient',
      'DescribeUserPoolDomain',
    ],
    // POST /tenants/{id}/rotate starts a rotation of the OIDC client and the test user's password.
    secrets: { 'authentik-token': 'store', 'oidc-client': 'read-and-rotate', 'test-user': 'read-and-rotate' },
    registry: 'read',
    startsExecutions: true,
  },
} as const satisfies CatalogEntry;

/**
 * The rotation function, which Secrets Manager invokes for each step of a rotation of a tenant's
 * OIDC client secret or test-user password. It writes the new OIDC client secret to Cognito's
 * identity provider, reads what the verification in depth reads (testSecret), records the rotation
 * in the registry and announces it on the default bus.
 */
export const rotationFunction = {
  name: 'rotate-secret',
  role: 'rotation',
  usesAuthentik: true,
  env: rotationEnv,
  access: {
    cognito: [...VERIFICATION_READS, 'UpdateIdentityProvider'],
    secrets: { 'oidc-client': 'rotate', 'test-user': 'rotate' },
    registry: 'write',
    defaultBusEvents: true,
  },
} as const satisfies CatalogEntry;

/** Every function: the ones the state machines call, the API, then the rotation function. */
export const functionCatalog = [...stepFunctions, apiFunction, rotationFunction] as const;

type Entry = (typeof functionCatalog)[number];
export type StepFunctionName = (typeof stepFunctions)[number]['name'];
export type FunctionPlaceholder = (typeof stepFunctions)[number]['placeholder'];
export type FunctionName = Entry['name'];
/** The table's entry of a function, with its literal types. */
export type EntryOf<N extends FunctionName> = Extract<Entry, { name: N }>;
/** The guide's steps, which provisioning applies in order (see FunctionRole). */
export type ProvisioningStepName = Extract<Entry, { role: 'step' }>['name'];

/** The functions that run a core through the shared step wrapper (lib/workflow-step.ts). */
export type WorkflowStepName = Extract<Entry, { role: 'preflight' | 'step' | 'verification' }>['name'];

function isProvisioningStep(entry: Entry): entry is EntryOf<ProvisioningStepName> {
  return entry.role === 'step';
}

export function isWorkflowStep(entry: Entry): entry is EntryOf<WorkflowStepName> {
  return entry.role === 'preflight' || entry.role === 'step' || entry.role === 'verification';
}

/** The guide's steps in the order provision-tenant applies them. */
export const PROVISIONING_STEPS: readonly ProvisioningStepName[] = functionCatalog
  .filter(isProvisioningStep)
  .map((entry) => entry.name);

export function catalogEntry<N extends FunctionName>(name: N): EntryOf<N> {
  const entry = functionCatalog.find((candidate): candidate is EntryOf<N> => candidate.name === name);
  if (!entry) throw new Error(`functions/catalog.ts has no function ${name}`);
  return entry;
}

/** Each function's environment schema by name. */
export const functionEnvSchemas = Object.fromEntries(
  functionCatalog.map((entry) => [entry.name, entry.env]),
) as { readonly [N in FunctionName]: EntryOf<N>['env'] };

/** What CDK sets (strings, defaults optional). */
export type FunctionEnvInput<N extends FunctionName> = z.input<EntryOf<N>['env']>;
/** What the function reads after validation. */
export type FunctionEnv<N extends FunctionName> = z.output<EntryOf<N>['env']>;
