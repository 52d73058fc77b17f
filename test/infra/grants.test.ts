// The statements each kind of access turns into, on a bare stack (no synth).
import { App, Stack } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import type { FunctionAccess } from '../../infra/access.ts';
import { accessStatements, type GrantTargets } from '../../infra/grants.ts';

function render(access: FunctionAccess, targets: Partial<GrantTargets> = {}) {
  const stack = new Stack(new App(), 'Grants');
  const all: GrantTargets = {
    secretPrefix: 'federation',
    secretsKey: new Key(stack, 'Key'),
    registry: new TableV2(stack, 'Table', { partitionKey: { name: 'tenantId', type: AttributeType.STRING } }),
    ...targets,
  };
  return accessStatements(stack, access, all).map((statement) => stack.resolve(statement.toStatementJson()));
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

  it('a reader of secrets may decrypt through Secrets Manager only; a writer may also encrypt', () => {
    const reader = render({ ...none, secrets: { 'oidc-client': 'read' } });
    expect(reader.map((s) => s.Action)).toEqual(['secretsmanager:GetSecretValue', 'kms:Decrypt']);
    expect(join(reader[0].Resource)).toContain(':secret:federation/*/oidc-client-??????');
    expect(join(reader[1].Condition)).toContain('kms:ViaService');
    const writer = render({ ...none, secrets: { 'test-user': 'manage' } });
    expect(writer[1].Action).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('deleting a user pool is limited to pools this system tagged as its own', () => {
    const statements = render({ ...none, cognito: ['DeleteUserPool', 'DescribeUserPool'] });
    const deletion = statements.find((s) => s.Action === 'cognito-idp:DeleteUserPool');
    expect(deletion?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/managed-by': 'authentik-cognito-federation' },
    });
    const withPool = render(
      { ...none, cognito: ['DeleteUserPool', 'DescribeUserPool'] },
      { existingUserPoolId: 'eu-west-1_X1' },
    );
    expect(withPool.map((s) => s.Action)).toEqual(['cognito-idp:DescribeUserPool']);
    expect(join(withPool[0].Resource)).toContain(':userpool/eu-west-1_X1');
  });
});
