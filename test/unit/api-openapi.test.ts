import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { AUTHENTIK_TOKEN_SCHEMA, createTenantRequestSchema } from '../../functions/api/request-schema.ts';
import { routes } from '../../functions/api/routes.ts';
import {
  documentedOperations,
  OPENAPI_PATH,
  openApiResponseChecker,
  readOpenApi,
  renderOpenApi,
} from '../../local/api-openapi.ts';

const document = readOpenApi();
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf';
const spec = {
  tenantId: 'acme',
  authentik: { baseUrl: 'https://authentik.example.com', tokenSecretArn: ARN },
  cognito: { callbackUrls: ['https://app.acme.example/cb'] },
};

describe('openapi.yaml', () => {
  it('describes exactly the routes the API serves, under their operation ids', () => {
    expect(documentedOperations(document).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as { operationId?: string };
      expect(operation.operationId).toBe(route.operation);
    }
  });

  it('carries the tenant spec schema generated from the zod schema (run local/api-openapi.ts when this fails)', () => {
    const text = readFileSync(OPENAPI_PATH, 'utf8');
    expect(renderOpenApi(text)).toBe(text);
  });

  it('documents the token field with the rule the API enforces', () => {
    const token = (document.components.schemas.CreateTenantRequest as { properties: Record<string, object> })
      .properties.authentikToken;
    const { description: _ignored, ...rule } = AUTHENTIK_TOKEN_SCHEMA;
    expect(token).toMatchObject(rule);
  });

  it('has a checker that finds answers that do not conform', () => {
    const check = openApiResponseChecker(document);
    expect(check('GET', '/tenants', 200, { items: [] })).toEqual([]);
    expect(check('GET', '/tenants', 200, { items: [{ tenantId: 'acme' }] })).not.toEqual([]);
    expect(check('PUT', '/tenants/acme', 400, { error: 'invalid request' })).not.toEqual([]);
    expect(check('PUT', '/tenants/acme', 400, { error: 'invalid request', fields: {} })).not.toEqual([]);
    expect(check('PUT', '/tenants/acme', 200, { tenantId: 'acme' })).toEqual([
      'PUT /tenants/acme 200: status 200 is not documented for createTenant',
    ]);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/oidc-client-AbCdEf';
    const view = { tenantId: 'acme', status: 'active', steps: {}, resources: { oidcClientSecretArn: arn } };
    expect(check('GET', '/tenants/acme', 200, view)).not.toEqual([]);
    expect(check('PATCH', '/tenants/acme', 405, { error: 'method not allowed on this route' })).toEqual([]);
  });
});

describe('the request schema for API Gateway', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(createTenantRequestSchema('draft-07'));

  it('takes the token or the ARN', () => {
    const { tokenSecretArn: _arn, ...authentik } = spec.authentik;
    expect(validate({ spec })).toBe(true);
    expect(validate({ spec: { ...spec, authentik }, authentikToken: 'ak-token' })).toBe(true);
  });

  it('takes a spec without its tenantId: the path names the tenant', () => {
    const { tenantId: _id, ...rest } = spec;
    expect(validate({ spec: rest })).toBe(true);
  });

  it('refuses what the API refuses by schema', () => {
    expect(validate({})).toBe(false);
    expect(validate({ spec, extra: 1 })).toBe(false);
    expect(validate({ spec, authentikToken: 'has spaces' })).toBe(false);
    expect(validate({ spec, authentikToken: '' })).toBe(false);
    expect(validate({ spec: { ...spec, tenantId: 'Bad_Id' } })).toBe(false);
  });

  it('is draft-04 by default, as API Gateway models want', () => {
    expect(createTenantRequestSchema().$schema).toBe('http://json-schema.org/draft-04/schema#');
    const nested = (createTenantRequestSchema() as { properties: { spec: Record<string, unknown> } })
      .properties.spec;
    expect(nested.$schema).toBeUndefined();
  });
});
