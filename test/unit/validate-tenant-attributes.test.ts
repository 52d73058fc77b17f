import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { attributeMappingProblems } from '../../functions/validate-tenant/attribute-mapping.ts';

const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };

const specMapping = (attributeMapping: Record<string, string>, cognito: Record<string, unknown> = {}) =>
  parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: 'https://authentik.example.com',
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
      },
      cognito: { callbackUrls: ['https://app.acme.example/cb'], attributeMapping, ...cognito },
    },
    deployment,
  );

const broughtPool = (custom: string[]): UserPoolType => ({
  Id: 'eu-west-1_Pool1',
  SchemaAttributes: [{ Name: 'email' }, ...custom.map((Name) => ({ Name }))],
});

const client = (WriteAttributes?: string[]): UserPoolClientType => ({
  ClientId: 'client1',
  ...(WriteAttributes ? { WriteAttributes } : {}),
});

describe('attribute mapping preflight', () => {
  it('accepts standard attributes and username on a pool it creates', () => {
    const spec = specMapping({ email: 'email', name: 'name', given_name: 'given_name', username: 'sub' });
    expect(attributeMappingProblems(spec, undefined, undefined)).toEqual([]);
  });

  it('refuses a custom attribute on a pool it creates, naming the field', () => {
    const problems = attributeMappingProblems(
      specMapping({ email: 'email', 'custom:tier': 'tier' }),
      undefined,
      undefined,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      field: 'cognito.attributeMapping.custom:tier',
      kind: 'precondition',
    });
    expect(problems[0]?.message).toContain('creates has the standard attributes only');
  });

  it('refuses a custom attribute a brought pool lacks, naming the pool', () => {
    const spec = specMapping({ email: 'email', 'custom:tier': 'tier' }, { userPoolId: 'eu-west-1_Pool1' });
    const [problem] = attributeMappingProblems(spec, broughtPool(['custom:plan']), client());
    expect(problem?.field).toBe('cognito.attributeMapping.custom:tier');
    expect(problem?.message).toContain('user pool eu-west-1_Pool1 has no attribute custom:tier');
  });

  it("refuses a custom attribute the pool has but the client may not write (Cognito's default is standard only)", () => {
    const spec = specMapping({ email: 'email', 'custom:tier': 'tier' }, { userPoolId: 'eu-west-1_Pool1' });
    const [problem] = attributeMappingProblems(spec, broughtPool(['custom:tier']), client());
    expect(problem?.field).toBe('cognito.attributeMapping.custom:tier');
    expect(problem?.message).toContain('app client client1 may not write custom:tier');
  });

  it("refuses a standard attribute left out of the client's own WriteAttributes", () => {
    const spec = specMapping({ email: 'email', name: 'name' }, { userPoolId: 'eu-west-1_Pool1' });
    const problems = attributeMappingProblems(spec, broughtPool([]), client(['email']));
    expect(problems.map((p) => p.field)).toEqual(['cognito.attributeMapping.name']);
  });

  it('accepts what the pool has and the client may write', () => {
    const spec = specMapping({ email: 'email', 'custom:tier': 'tier' }, { userPoolId: 'eu-west-1_Pool1' });
    expect(
      attributeMappingProblems(spec, broughtPool(['custom:tier']), client(['email', 'custom:tier'])),
    ).toEqual([]);
  });
});
