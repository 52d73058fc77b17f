// Tenant isolation of secrets, on the synthesized template: no function role reaches a tenant's
// secret itself; the tenant-secrets role does, only for the tenant its session is tagged with, and
// only this stack's functions may assume it, only with a tenant tag and their own function tag.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotationFunction, stepFunctions } from '../../functions/catalog.ts';
import { grantedAccess, stepAccess } from '../../infra/access.ts';
import { apiAccess } from '../../infra/api-access.ts';
import { principalTag } from '../../infra/grants.ts';
import {
  actionsOf,
  functionLogicalId,
  functionRoleId,
  logicalId,
  prop,
  resourcesOf,
  roleStatements,
  type Statement,
  type Synthesized,
  synth,
} from './support.ts';

const TENANT = principalTag('tenant');
const names = [...stepFunctions.map((f) => f.name), 'api' as const, rotationFunction.name];
const accessOf = (name: (typeof names)[number]) =>
  name === 'api'
    ? apiAccess
    : name === rotationFunction.name
      ? grantedAccess(rotationFunction)
      : stepAccess[name];
const usesSecrets = (name: (typeof names)[number]) => Object.keys(accessOf(name).secrets).length > 0;

let s: Synthesized;
let roleId: string;
beforeAll(() => {
  s = synth();
  roleId = logicalId(s.stack, s.stack.tenantSecrets.role.node.defaultChild);
}, 120_000);
afterAll(() => s?.dispose());

const secretStatements = () =>
  roleStatements(s.json, roleId).filter((st) => actionsOf(st).some((a) => a.startsWith('secretsmanager:')));
const has = (st: Statement, action: string) => actionsOf(st).includes(`secretsmanager:${action}`);

describe('function roles', () => {
  it('none has a Secrets Manager or KMS action: a tenant’s secret is out of a function role’s reach', () => {
    for (const name of names) {
      const actions = roleStatements(s.json, functionRoleId(s, name)).flatMap(actionsOf);
      expect(
        actions.filter((a) => a.startsWith('secretsmanager:') || a.startsWith('kms:')),
        name,
      ).toEqual([]);
    }
  });

  it('the functions that use secrets may assume the tenant-secrets role and tag the session, and no other role', () => {
    const roleArn = { 'Fn::GetAtt': [roleId, 'Arn'] };
    for (const name of names) {
      const sts = roleStatements(s.json, functionRoleId(s, name)).filter((st) =>
        actionsOf(st).some((a) => a.startsWith('sts:')),
      );
      if (usesSecrets(name)) {
        expect(
          sts.map((st) => [actionsOf(st).sort(), resourcesOf(st)]),
          name,
        ).toEqual([[['sts:AssumeRole', 'sts:TagSession'], [roleArn]]]);
      } else {
        expect(sts, name).toEqual([]);
      }
    }
  });

  it('each is told the role, and carries its own name as its `function` tag', () => {
    for (const name of names) {
      const fn = s.json.Resources[functionLogicalId(s, name)];
      const env = prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;
      if (usesSecrets(name)) {
        expect(env.TENANT_SECRETS_ROLE_ARN, name).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      }
      const role = s.json.Resources[functionRoleId(s, name)];
      expect(prop<{ Key: string; Value: string }[]>(role, 'Tags'), name).toContainEqual({
        Key: 'function',
        Value: name,
      });
    }
  });
});

describe('the tenant-secrets role', () => {
  it('reaches only secrets under the prefix and the session’s tenant (aws:PrincipalTag/tenant)', () => {
    const statements = secretStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const resource of resourcesOf(statement)) {
        expect(JSON.stringify(resource)).toMatch(
          /:secret:federation\/\$\{aws:PrincipalTag\/tenant\}\/(authentik-token|oidc-client|test-user)-\?{6}"/,
        );
      }
    }
  });

  it('touches an existing secret only if its tenant tag is the session’s tenant', () => {
    const onExisting = secretStatements().filter(
      (st) =>
        has(st, 'GetSecretValue') ||
        has(st, 'PutSecretValue') ||
        has(st, 'DeleteSecret') ||
        has(st, 'RestoreSecret'),
    );
    expect(onExisting.length).toBeGreaterThan(0);
    for (const statement of onExisting) {
      expect(statement.Condition?.StringEquals?.['secretsmanager:ResourceTag/tenant']).toBe(TENANT);
    }
    // A lookup may find no secret (and so no tag): the tag must match whenever there is one.
    const lookups = secretStatements().filter((st) => has(st, 'DescribeSecret'));
    expect(lookups.length).toBeGreaterThan(0);
    for (const statement of lookups) {
      expect(actionsOf(statement)).toEqual(['secretsmanager:DescribeSecret']);
      expect(statement.Condition?.StringEqualsIfExists?.['secretsmanager:ResourceTag/tenant']).toBe(TENANT);
    }
  });

  it('creates and tags secrets only with the session’s tenant as their `tenant` tag, and no other tag key', () => {
    const tagging = secretStatements().filter((st) => has(st, 'CreateSecret') || has(st, 'TagResource'));
    expect(tagging.length).toBeGreaterThan(0);
    for (const statement of tagging) {
      expect(actionsOf(statement).sort()).toEqual([
        'secretsmanager:CreateSecret',
        'secretsmanager:TagResource',
      ]);
      expect(statement.Condition?.StringEquals?.['aws:RequestTag/tenant']).toBe(TENANT);
      expect(statement.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']).toEqual([
        'tenant',
        'secret-kind',
      ]);
    }
  });

  it('serves in each statement only the sessions of the functions it names', () => {
    for (const statement of roleStatements(s.json, roleId)) {
      const functions = statement.Condition?.StringEquals?.['aws:PrincipalTag/function'];
      expect(Array.isArray(functions) && functions.length > 0, JSON.stringify(statement.Action)).toBe(true);
      for (const name of functions as string[]) expect(names).toContain(name);
    }
  });

  it('uses the secrets key only through Secrets Manager, for the session’s tenant, and never to encrypt', () => {
    const kms = roleStatements(s.json, roleId).filter((st) =>
      actionsOf(st).some((a) => a.startsWith('kms:')),
    );
    expect(kms.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    for (const statement of kms) {
      expect(JSON.stringify(statement.Condition?.StringEquals?.['kms:ViaService'])).toContain(
        'secretsmanager.',
      );
      expect(JSON.stringify(statement.Condition?.StringLike?.['kms:EncryptionContext:SecretARN'])).toContain(
        `:secret:federation/${TENANT}/*`,
      );
    }
  });

  it('may be assumed only by this stack’s functions that use secrets, only with a tenant tag and their own function tag', () => {
    const role = s.json.Resources[roleId];
    const trust = prop<{ Statement: (Statement & { Principal: { AWS: unknown } })[] }>(
      role,
      'AssumeRolePolicyDocument',
    ).Statement;
    expect(trust).toHaveLength(1);
    const [statement] = trust;
    expect(statement?.Effect).toBe('Allow');
    expect(actionsOf(statement as Statement).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    const callers = names
      .filter(usesSecrets)
      .map((name) => ({ 'Fn::GetAtt': [functionRoleId(s, name), 'Arn'] }));
    expect(callers.length).toBeGreaterThan(0);
    expect(statement?.Principal).toEqual({ AWS: callers });
    expect(statement?.Condition).toEqual({
      Null: { 'aws:RequestTag/tenant': 'false' },
      StringEquals: { 'aws:RequestTag/function': principalTag('function') },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant', 'function'] },
    });
    // Role chaining (a Lambda role session assuming a role) allows sessions of one hour at most.
    expect(role?.Properties?.MaxSessionDuration).toBe(3600);
  });

  it('fits IAM’s size limits once every ARN is resolved at its longest', () => {
    // Role ARNs are at most 95 characters (a 64-character name); a policy's resolved ARNs are shorter
    // than the template's Fn::Join for them. Limits: IAM User Guide, "IAM and AWS STS quotas".
    const longestRoleArn = JSON.stringify(`arn:aws:iam::123456789012:role/${'R'.repeat(64)}`);
    const role = s.json.Resources[roleId];
    const trust = JSON.stringify(prop(role, 'AssumeRolePolicyDocument')).replace(
      /\{"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]\}/g,
      longestRoleArn,
    );
    expect(trust.length).toBeLessThan(2048);
    const policies = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]));
    const inline = policies.map((p) => JSON.stringify(prop(p, 'PolicyDocument'))).join('');
    expect(inline.length).toBeLessThan(10_240);
  });
});

describe('the whole template', () => {
  it('never grants kms:Encrypt', () => {
    const actions = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => prop<{ Statement: Statement[] }>(r, 'PolicyDocument').Statement)
      .flatMap(actionsOf);
    expect(actions.filter((a) => /^kms:(Encrypt|\*)|^kms:.*\*/.test(a))).toEqual([]);
    // Nor anything else: a key policy or a role's inline policy (the whole template, as text).
    expect(/"kms:Encrypt"/.test(JSON.stringify(s.json))).toBe(false);
  });
});
