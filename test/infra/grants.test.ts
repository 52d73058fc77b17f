// The statements each kind of access turns into, on a bare stack (no synth).
import { App, Stack } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import type { FunctionAccess } from '../../infra/access.ts';
import {
  accessStatements,
  type GrantTargets,
  principalTag,
  type SecretsUser,
  tenantSecretsStatements,
} from '../../infra/grants.ts';

function targetsIn(stack: Stack, targets: Partial<GrantTargets> = {}): GrantTargets {
  return {
    secretPrefix: 'federation',
    secretsKey: new Key(stack, 'Key'),
    registry: new TableV2(stack, 'Table', { partitionKey: { name: 'tenantId', type: AttributeType.STRING } }),
    ...targets,
  };
}

function render(access: FunctionAccess, targets: Partial<GrantTargets> = {}) {
  const stack = new Stack(new App(), 'Grants');
  return accessStatements(stack, access, targetsIn(stack, targets)).map((statement) =>
    stack.resolve(statement.toStatementJson()),
  );
}

function renderTenantSecrets(users: SecretsUser[]) {
  const stack = new Stack(new App(), 'Grants');
  return tenantSecretsStatements(stack, users, targetsIn(stack)).map((statement) =>
    stack.resolve(statement.toStatementJson()),
  );
}

const none: FunctionAccess = { cognito: [], secrets: {}, registry: 'none' };
const join = (value: unknown) => JSON.stringify(value);

describe('accessStatements', () => {
  it('grants nothing for no access', () => {
    expect(render(none)).toEqual([]);
  });

  it('events go to the default bus only, metrics to one namespace only', () => {
    const [events, metrics] = render({ ...none, defaultBusEvents: true, metricNamespace: 'Federation' });
    expect(events).toMatchObject({ Action: 'events:PutEvents', Effect: 'Allow' });
    expect(join(events.Resource)).toContain(':event-bus/default');
    expect(metrics).toMatchObject({
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Federation' } },
    });
  });

  it('grants a function role no secret and no key, whatever secrets it uses', () => {
    expect(render({ ...none, secrets: { 'oidc-client': 'read', 'test-user': 'manage' } })).toEqual([]);
  });
});

describe('tenantSecretsStatements', () => {
  const TENANT = principalTag('tenant');
  const tenantPath = (kind: string) => `:secret:federation/${TENANT}/${kind}-??????`;

  it('a reader reads its kind of the session’s tenant only, tagged with that tenant, and decrypts through Secrets Manager only', () => {
    const [read, decrypt, ...rest] = renderTenantSecrets([
      { name: 'reader', secrets: { 'oidc-client': 'read' } },
    ]);
    expect(rest).toEqual([]);
    expect(read).toMatchObject({
      Action: 'secretsmanager:GetSecretValue',
      Condition: {
        StringEquals: {
          'secretsmanager:ResourceTag/tenant': TENANT,
          'aws:PrincipalTag/function': ['reader'],
        },
      },
    });
    expect(join(read.Resource)).toContain(tenantPath('oidc-client'));
    expect(decrypt).toMatchObject({ Action: 'kms:Decrypt' });
    expect(join(decrypt.Condition)).toContain('kms:ViaService');
    expect(join(decrypt.Condition)).toContain(`:secret:federation/${TENANT}/*`);
  });

  it('a writer creates and tags only with the session’s tenant, looks up by name, and may generate data keys, never encrypt', () => {
    const statements = renderTenantSecrets([{ name: 'writer', secrets: { 'test-user': 'manage' } }]);
    const byAction = (action: string) => statements.filter((s) => join(s.Action).includes(action));
    const [create] = byAction('secretsmanager:CreateSecret');
    expect(create?.Action).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:TagResource']);
    expect(create?.Condition).toEqual({
      StringEquals: {
        'aws:RequestTag/tenant': TENANT,
        'aws:PrincipalTag/function': ['writer'],
      },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant', 'secret-kind'] },
    });
    const [describe] = byAction('secretsmanager:DescribeSecret');
    expect(describe?.Condition).toMatchObject({
      StringEqualsIfExists: { 'secretsmanager:ResourceTag/tenant': TENANT },
    });
    const [change] = byAction('secretsmanager:DeleteSecret');
    expect(change?.Condition?.StringEquals).toMatchObject({
      'secretsmanager:ResourceTag/tenant': TENANT,
    });
    for (const statement of statements.filter((s) => join(s.Action).includes('secretsmanager:'))) {
      expect(join(statement.Resource)).toContain(tenantPath('test-user'));
    }
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => String(a).startsWith('kms:'))).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
  });

  it('names, in each statement, exactly the functions whose sessions it serves', () => {
    const statements = renderTenantSecrets([
      { name: 'a', secrets: { 'authentik-token': 'read' } },
      { name: 'b', secrets: { 'authentik-token': 'read', 'oidc-client': 'read' } },
    ]);
    const reads = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(
      reads.map((s) => [s.Condition.StringEquals['aws:PrincipalTag/function'], join(s.Resource)]),
    ).toEqual([
      [['a', 'b'], expect.stringContaining('/authentik-token-')],
      [['b'], expect.stringContaining('/oidc-client-')],
    ]);
  });

  it('writes the policy variable as IAM reads it', () => {
    expect(TENANT).toBe(['$', '{aws:PrincipalTag/tenant}'].join(''));
  });

  it('grants nothing when no function uses secrets', () => {
    expect(renderTenantSecrets([{ name: 'a', secrets: {} }])).toEqual([]);
  });

  it('deleting a user pool is limited to pools this system tagged as its own', () => {
    const statements = render({ ...none, cognito: ['DeleteUserPool', 'DescribeUserPool'] });
    const deletion = statements.find((s) => s.Action === 'cognito-idp:DeleteUserPool');
    expect(deletion?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/managed-by': 'authentik-cognito-federation' },
      StringLike: { 'aws:ResourceTag/tenant': '?*' },
    });
    const withPool = render(
      { ...none, cognito: ['DeleteUserPool', 'DescribeUserPool'] },
      { existingUserPoolId: 'eu-west-1_X1' },
    );
    expect(withPool.map((s) => s.Action)).toEqual(['cognito-idp:DescribeUserPool']);
    expect(join(withPool[0].Resource)).toContain(':userpool/eu-west-1_X1');
  });
});
