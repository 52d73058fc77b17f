// The JSON Schema of PUT /tenants/{tenantId}, derived from the tenant spec's zod schema: for API
// Gateway's request validation (draft-04) and for openapi.yaml (openapi-3.0). The API takes the
// Authentik token either by ARN in the spec or once in `authentikToken`, so tokenSecretArn is optional
// here; the path names the tenant, so tenantId is optional too. The Lambda enforces "one of the two",
// "the path's tenant" and every rule that is code rather than schema.
import { type JsonSchemaTarget, tenantSpecJsonSchema } from '#lib/tenant-spec.ts';

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  required?: string[];
};

/** The tenant spec as the API accepts it. */
export function apiTenantSpecSchema(target: JsonSchemaTarget = 'draft-04'): Record<string, unknown> {
  const schema = structuredClone(tenantSpecJsonSchema(target)) as Schema;
  if (schema.required) schema.required = schema.required.filter((key) => key !== 'tenantId');
  const tenantId = schema.properties?.tenantId;
  if (tenantId) {
    tenantId.description =
      `${String(tenantId.description ?? '')} The path's tenant: give the same or leave it out.`.trim();
  }
  const authentik = schema.properties?.authentik;
  if (authentik?.required) authentik.required = authentik.required.filter((key) => key !== 'tokenSecretArn');
  const arn = authentik?.properties?.tokenSecretArn;
  if (arn) {
    arn.description =
      `${String(arn.description ?? '')} Required unless the request carries authentikToken.`.trim();
  }
  return schema;
}

export const AUTHENTIK_TOKEN_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 4096,
  pattern: '^[!-~]+$',
  description:
    'An Authentik API token (intent api), handed over once: the API stores it in Secrets Manager and puts ' +
    'only its ARN in the spec. Never answered, logged or passed to the workflow. Give it or ' +
    'spec.authentik.tokenSecretArn, not both.',
} as const;

/** `{ spec, authentikToken? }`. */
export function createTenantRequestSchema(target: JsonSchemaTarget = 'draft-04'): Record<string, unknown> {
  const { $schema, ...spec } = apiTenantSpecSchema(target);
  return {
    ...($schema === undefined ? {} : { $schema }),
    title: 'Create tenant request',
    type: 'object',
    properties: { spec, authentikToken: AUTHENTIK_TOKEN_SCHEMA },
    required: ['spec'],
    additionalProperties: false,
  };
}

/** `{ spec }`: POST /tenants/{tenantId}/plan takes the spec alone (it reads with the stored token). */
export function planTenantRequestSchema(target: JsonSchemaTarget = 'draft-04'): Record<string, unknown> {
  const { $schema, ...spec } = apiTenantSpecSchema(target);
  return {
    ...($schema === undefined ? {} : { $schema }),
    title: 'Plan tenant request',
    type: 'object',
    properties: { spec },
    required: ['spec'],
    additionalProperties: false,
  };
}
