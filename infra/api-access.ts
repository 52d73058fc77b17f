// The tenant API's side of the stack: its routes (from the handler's own route table), the JSON
// Schema API Gateway checks request bodies against, and what the API Lambda may do.

import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { BATCH_LIMIT } from '../functions/api/batch.ts';
import { routes } from '../functions/api/routes.ts';
import { apiFunction } from '../functions/catalog.ts';
import { LOCK_KEY_PREFIX } from '../functions/lib/registry.ts';
import { tenantSpecJsonSchema } from '../functions/lib/tenant-spec.ts';
import { type FunctionAccess, grantedAccess } from './access.ts';
import { accessStatements, type GrantTargets } from './grants.ts';

export type { MachineKind } from '../functions/api/types.ts';

import type { MachineKind } from '../functions/api/types.ts';

export const apiRoutes = routes;

/** The API's access in the catalog (functions/catalog.ts); its executions are granted below. */
export const apiAccess: FunctionAccess = grantedAccess(apiFunction);

type JsonObject = Record<string, unknown>;

function objectAt(schema: JsonObject, ...path: string[]): JsonObject {
  let node: unknown = schema;
  for (const key of path) node = (node as JsonObject | undefined)?.[key];
  if (!node || typeof node !== 'object') throw new Error(`tenant spec JSON Schema has no ${path.join('.')}`);
  return node as JsonObject;
}

/**
 * `PUT /tenants/{tenantId}`: `{ "spec": <tenant spec>, "authentikToken"?: "<token>" }`. The spec's
 * `authentik.tokenSecretArn` is optional here because the token may come in the body instead (the
 * Lambda enforces "one of the two"), and its `tenantId` because the path names the tenant (the Lambda
 * refuses another one); everything else is the spec's own schema.
 */
export function createTenantBodySchema(): JsonObject {
  const { $schema, title: _title, ...spec } = tenantSpecJsonSchema('draft-04');
  const authentik = objectAt(spec, 'properties', 'authentik');
  const required = (authentik.required as string[] | undefined) ?? [];
  const relaxed = {
    ...spec,
    required: ((spec.required as string[] | undefined) ?? []).filter((key) => key !== 'tenantId'),
    properties: {
      ...(spec.properties as JsonObject),
      authentik: { ...authentik, required: required.filter((key) => key !== 'tokenSecretArn') },
    },
  };
  return {
    $schema,
    title: 'Create tenant request',
    type: 'object',
    properties: {
      spec: relaxed,
      authentikToken: {
        type: 'string',
        pattern: '^[\\x21-\\x7e]{1,4096}$',
        description: 'An Authentik API token, stored in Secrets Manager before anything starts',
      },
    },
    required: ['spec'],
    additionalProperties: false,
  };
}

/** `POST /tenants/{tenantId}/plan`: `{ "spec": … }`, the spec as PUT takes it, without a token. */
export function planTenantBodySchema(): JsonObject {
  const create = createTenantBodySchema();
  const { spec } = create.properties as { spec: JsonObject };
  return { ...create, title: 'Plan tenant request', properties: { spec } };
}

/** `POST /tenants`: `{ "tenants": [<PUT's body>, …] }`, at most BATCH_LIMIT of them. */
export function createTenantsBodySchema(): JsonObject {
  const { $schema, title: _title, ...item } = createTenantBodySchema();
  return {
    $schema,
    title: 'Create tenants request',
    type: 'object',
    properties: { tenants: { type: 'array', minItems: 1, maxItems: BATCH_LIMIT, items: item } },
    required: ['tenants'],
    additionalProperties: false,
  };
}

export function apiBodySchemas(): Record<string, JsonObject> {
  return {
    createTenant: createTenantBodySchema(),
    createTenants: createTenantsBodySchema(),
    planTenant: planTenantBodySchema(),
  };
}

export interface StartedMachine {
  readonly arn: string;
  /** The literal name (infra/state-machines.ts `stateMachineName`), so the execution ARNs are known. */
  readonly name: string;
}

/** Executions of a state machine: `arn:…:execution:<machine name>:*`. */
function executionsOf(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${name}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The API starts the three machines, finds a tenant's running execution (409 while one runs) and
 * reports on executions: on those machines only. It takes a tenant's lock before starting an
 * execution: a conditional PutItem of the tenant's lock item (`lock#<tenantId>`, see
 * functions/lib/registry.ts), and of no other item, so the tenants' records stay read-only to it.
 */
export function apiAccessStatements(
  scope: Construct,
  targets: GrantTargets,
  machines: ReadonlyMap<MachineKind, StartedMachine>,
): PolicyStatement[] {
  const arns = [...machines.values()].map((machine) => machine.arn);
  return [
    ...accessStatements(scope, apiAccess, targets),
    new PolicyStatement({ actions: ['states:ListExecutions', 'states:StartExecution'], resources: arns }),
    new PolicyStatement({
      actions: ['states:DescribeExecution'],
      resources: [...machines.values()].map((machine) => executionsOf(scope, machine.name)),
    }),
    new PolicyStatement({
      actions: ['dynamodb:PutItem'],
      resources: [targets.registry.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${LOCK_KEY_PREFIX}*`] } },
    }),
  ];
}
