// The JSON Schema API Gateway checks `PUT /tenants/{tenantId}` bodies against: it must let through every body
// the API accepts (a spec naming its token secret, or a spec plus the token), and stop the shapes the
// API would refuse anyway before a Lambda runs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createTenantBodySchema } from '../../infra/api-access.ts';
import { projectRoot } from '../../infra/bundling.ts';

const { $schema, ...schema } = createTenantBodySchema();
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const example = JSON.parse(readFileSync(join(projectRoot, 'examples', 'tenant.json'), 'utf8')) as {
  authentik: Record<string, unknown>;
};
const withoutArn = { ...example, authentik: { ...example.authentik, tokenSecretArn: undefined } };
delete withoutArn.authentik.tokenSecretArn;

describe('PUT /tenants/{tenantId} body schema', () => {
  it('is draft-04, as API Gateway models require', () => {
    expect($schema).toBe('http://json-schema.org/draft-04/schema#');
  });

  it('accepts a spec that names its token secret, and a spec with the token handed over', () => {
    expect(validate({ spec: example }), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate({ spec: withoutArn, authentikToken: 'ak-token-value' }),
      JSON.stringify(validate.errors),
    ).toBe(true);
  });

  it('accepts a spec without its tenantId: the path names the tenant', () => {
    const { tenantId: _id, ...rest } = example as typeof example & { tenantId?: string };
    expect(validate({ spec: rest }), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses a missing spec, unknown fields, an inline secret and a free-form policy expression', () => {
    expect(validate({})).toBe(false);
    expect(validate({ spec: example, extra: 1 })).toBe(false);
    expect(validate({ spec: { ...example, token: 'x' } })).toBe(false);
    expect(
      validate({ spec: { ...example, access: { template: 'expression', expression: 'return True' } } }),
    ).toBe(false);
    expect(validate({ spec: example, authentikToken: 'has spaces in it' })).toBe(false);
    expect(validate({ spec: { ...example, tenantId: 'Not_An_Id' } })).toBe(false);
  });
});
