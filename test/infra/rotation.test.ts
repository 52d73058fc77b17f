// The rotation function on the synthesized template: Secrets Manager may invoke it for this
// deployment's secrets and account only; it may write only the identity providers of tenant-tagged
// pools and the versions of the tenants' oidc-client and test-user secrets (through the
// tenant-secrets role, per tenant); the steps that store those secrets turn rotation on with it, every
// 90 days unless configured otherwise.
import { describe, expect, it } from 'vitest';
import { principalTag } from '../../infra/grants.ts';
import {
  actionsOf,
  functionLogicalId,
  functionRoleId,
  grantedActions,
  logicalId,
  prop,
  resourcesOf,
  roleStatements,
  synth,
  useSynth,
} from './support.ts';

const s = useSynth({ rotationAfterDays: 30 });

const environmentOf = (
  name: 'rotate-secret' | 'ensure-oidc-provider' | 'ensure-test-user' | 'ensure-group',
) =>
  prop<{ Variables: Record<string, unknown> }>(s.json.Resources[functionLogicalId(s, name)], 'Environment')
    .Variables;

describe('the rotation function', () => {
  it('may be invoked by Secrets Manager, from this account, for secrets under the prefix only', () => {
    const permissions = Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission');
    const fn = functionLogicalId(s, 'rotate-secret');
    const mine = permissions.filter((p) => JSON.stringify(p.Properties?.FunctionName).includes(fn));
    expect(mine).toHaveLength(1);
    const props = mine[0]?.Properties ?? {};
    expect(props.Principal).toBe('secretsmanager.amazonaws.com');
    expect(props.Action).toBe('lambda:InvokeFunction');
    expect(props.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(props.SourceArn)).toContain(':secret:federation/*');
  });

  it('writes only identity providers, on tenant-tagged pools, and reads what the verification reads', () => {
    const statements = roleStatements(s.json, functionRoleId(s, 'rotate-secret'));
    const writes = statements.filter((st) => actionsOf(st).includes('cognito-idp:UpdateIdentityProvider'));
    expect(writes).toHaveLength(1);
    expect(actionsOf(writes[0] as never)).toEqual(['cognito-idp:UpdateIdentityProvider']);
    expect(writes[0]?.Condition).toEqual({ StringLike: { 'aws:ResourceTag/tenant': '?*' } });
    const granted = grantedActions(s, 'rotate-secret');
    expect(granted.filter((a) => a.startsWith('cognito-idp:'))).toEqual([
      'cognito-idp:DescribeIdentityProvider',
      'cognito-idp:DescribeManagedLoginBrandingByClient',
      'cognito-idp:DescribeUserPool',
      'cognito-idp:DescribeUserPoolClient',
      'cognito-idp:UpdateIdentityProvider',
    ]);
    // No secret on its own role: the tenant-secrets role, per tenant.
    expect(granted.some((a) => a.startsWith('secretsmanager:'))).toBe(false);
    expect(granted).toContain('events:PutEvents');
  });

  it('reaches only the versions of the tenant its session is tagged with, and never creates or deletes a secret', () => {
    const roleId = logicalId(s.stack, s.stack.tenantSecrets.role.node.defaultChild);
    const forRotation = roleStatements(s.json, roleId).filter((st) =>
      JSON.stringify(st.Condition ?? {}).includes('"rotate-secret"'),
    );
    const actions = new Set(forRotation.flatMap(actionsOf).filter((a) => a.startsWith('secretsmanager:')));
    expect([...actions].sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    for (const st of forRotation.filter((x) => actionsOf(x).some((a) => a.startsWith('secretsmanager:')))) {
      const resources = JSON.stringify(resourcesOf(st));
      expect(resources).toContain(principalTag('tenant'));
      // The Authentik token (its Authentik client's) is read, never written.
      if (resources.includes('authentik-token')) {
        expect(actionsOf(st)).toEqual(['secretsmanager:GetSecretValue']);
      }
    }
    const writes = forRotation.filter((st) => actionsOf(st).includes('secretsmanager:PutSecretValue'));
    expect(writes.length).toBeGreaterThan(0);
    for (const st of writes) {
      const resources = JSON.stringify(resourcesOf(st));
      expect(resources).not.toContain('authentik-token');
      expect(JSON.stringify(st.Condition)).toContain('secretsmanager:ResourceTag/tenant');
    }
  });
});

describe('turning rotation on', () => {
  it('gives the steps that store the secrets the function and the configured days, and the function not itself', () => {
    for (const name of ['ensure-oidc-provider', 'ensure-test-user'] as const) {
      const vars = environmentOf(name);
      expect(vars.ROTATION_AFTER_DAYS).toBe('30');
      expect(JSON.stringify(vars.ROTATION_FUNCTION_ARN)).toContain(functionLogicalId(s, 'rotate-secret'));
    }
    expect(environmentOf('rotate-secret').ROTATION_FUNCTION_ARN).toBeUndefined();
  });

  it('lets only the sessions of the functions that call RotateSecret invoke the function', () => {
    const roleId = logicalId(s.stack, s.stack.tenantSecrets.role.node.defaultChild);
    const invoke = roleStatements(s.json, roleId).filter((st) =>
      actionsOf(st).includes('lambda:InvokeFunction'),
    );
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.Condition).toEqual({
      StringEquals: { 'aws:PrincipalTag/function': ['api', 'ensure-oidc-provider', 'ensure-test-user'] },
    });
    const rotateSecret = roleStatements(s.json, roleId).filter((st) =>
      actionsOf(st).includes('secretsmanager:RotateSecret'),
    );
    expect(rotateSecret.length).toBeGreaterThan(0);
    for (const st of rotateSecret) {
      expect(JSON.stringify(st.Condition)).toContain('secretsmanager:ResourceTag/tenant');
    }
  });

  it('refuses a schedule Secrets Manager would refuse, naming the key', () => {
    expect(() => synth({ rotationAfterDays: 0 })).toThrow(
      /rotationAfterDays: must be a whole number of days/,
    );
  });
});
