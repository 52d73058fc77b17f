// What a first deployment on a fresh account, and a deployment again after `cdk destroy`, need from
// the template: no retained resource with a fixed name, the API's logging prerequisite met or not
// needed, every Cognito write limited to pools this deployment may manage, and schedules EventBridge
// accepts. Each rule is also shown failing on a template that breaks it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CognitoAction } from '../../infra/access.ts';
import { isCognitoWrite } from '../../infra/access.ts';
import { parseFederationConfig } from '../../infra/config.ts';
import { createFederationApp } from '../../infra/federation-app.ts';
import { scheduleExpressionProblems } from '../../infra/schedule.ts';
import {
  actionsOf,
  type CfnTemplate,
  functionRoleId,
  prop,
  resourcesOf,
  roleStatements,
  type Statement,
  type Synthesized,
  synth,
} from './support.ts';

type Resource = CfnTemplate['Resources'][string] & { DeletionPolicy?: string; UpdateReplacePolicy?: string };

// The properties that name a resource, for the types that can be retained (CloudFormation User
// Guide, each type's reference page). A name given in the template is recreated by a new deploy.
const NAME_PROPERTIES = ['LogGroupName', 'TableName', 'RoleName', 'AliasName', 'BucketName', 'Name'];

/**
 * Retained resources whose name would be the same on a deploy after `cdk destroy`: a literal, or
 * built without the stack's id (a new UUID each time the stack is created).
 */
function retainedFixedNames(template: CfnTemplate): string[] {
  const found: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources) as [string, Resource][]) {
    if (resource.DeletionPolicy !== 'Retain' && resource.DeletionPolicy !== 'RetainExceptOnCreate') continue;
    for (const key of NAME_PROPERTIES) {
      const name = resource.Properties?.[key];
      if (name === undefined) continue;
      if (!JSON.stringify(name).includes('"AWS::StackId"')) found.push(`${id}.${key}`);
    }
  }
  return found;
}

const cognitoStatements = (s: Synthesized): [string, Statement][] =>
  [...s.stack.functions.keys()].flatMap((name) =>
    roleStatements(s.json, functionRoleId(s, name))
      .filter((st) => actionsOf(st).some((a) => a.startsWith('cognito-idp:')))
      .map((st): [string, Statement] => [name, st]),
  );

const action = (a: string) => a.replace('cognito-idp:', '') as CognitoAction;

/** Statements granting a Cognito write without the condition its action supports. */
function unconditionedWrites(statements: [string, Statement][]): string[] {
  const found: string[] = [];
  for (const [name, st] of statements) {
    for (const a of actionsOf(st).filter((x) => isCognitoWrite(action(x)))) {
      const keys = Object.values(st.Condition ?? {}).flatMap((c) => Object.keys(c));
      // Service Authorization Reference, Amazon Cognito User Pools: CreateUserPool takes the request's
      // tags, every action on a userpool resource takes the pool's.
      const wanted = a === 'cognito-idp:CreateUserPool' ? 'aws:RequestTag/tenant' : 'aws:ResourceTag/tenant';
      if (!keys.includes(wanted)) found.push(`${name} ${a}`);
    }
  }
  return found;
}

describe('the default deployment', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  }, 120_000);
  afterAll(() => s?.dispose());

  it('retains no resource under a name a redeploy after destroy would make again', () => {
    expect(retainedFixedNames(s.json)).toEqual([]);
    const retained = Object.values(s.json.Resources as Record<string, Resource>).filter(
      (r) => r.DeletionPolicy === 'Retain',
    );
    // Not vacuous: the log groups, the registry, the key and the API's logging role are retained.
    expect(retained.map((r) => r.Type)).toEqual(
      expect.arrayContaining(['AWS::Logs::LogGroup', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key']),
    );
  });

  it('names the state machines’ log groups under /aws/vendedlogs/states/ with a part of the stack id', () => {
    const machine = s.stack.stateMachines.get('provision-tenant');
    const id = s.stack.getLogicalId(machine?.logGroup.node.defaultChild as never);
    const name = JSON.stringify(s.json.Resources[id]?.Properties?.LogGroupName);
    expect(name).toContain('/aws/vendedlogs/states/AuthentikCognitoFederation-provision-tenant-');
    expect(name).toContain('"AWS::StackId"');
  });

  it("sets the account's API Gateway logging role before the stage that logs through it", () => {
    const accounts = Object.entries(s.json.Resources).filter(
      ([, r]) => r.Type === 'AWS::ApiGateway::Account',
    );
    expect(accounts).toHaveLength(1);
    const [accountId, account] = accounts[0] as [string, Resource];
    // Retained: other APIs of the account use the setting after this stack is gone.
    expect(account.DeletionPolicy).toBe('Retain');
    const roleId = prop<{ 'Fn::GetAtt': string[] }>(account, 'CloudWatchRoleArn')['Fn::GetAtt'][0] ?? '';
    const role = s.json.Resources[roleId] as Resource;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(role.Properties?.ManagedPolicyArns)).toContain(
      'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('apigateway.amazonaws.com');
    const [, stage] =
      Object.entries(s.json.Resources).find(([, r]) => r.Type === 'AWS::ApiGateway::Stage') ?? [];
    expect(stage?.Properties?.AccessLogSetting).toBeDefined();
    expect(stage?.DependsOn).toContain(accountId);
  });

  it('conditions every Cognito write on the pool’s tenant tag (CreateUserPool: on its request’s tags)', () => {
    const statements = cognitoStatements(s);
    expect(statements.length).toBeGreaterThan(0);
    expect(unconditionedWrites(statements)).toEqual([]);
    const create = statements.find(([, st]) => actionsOf(st).includes('cognito-idp:CreateUserPool'))?.[1];
    expect(create?.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/managed-by': 'authentik-cognito-federation' },
      StringLike: { 'aws:RequestTag/tenant': '?*' },
    });
    const writes = statements.filter(([, st]) => actionsOf(st).some((a) => isCognitoWrite(action(a))));
    expect(writes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['ensure-user-pool', 'ensure-identity-provider', 'enable-identity-provider']),
    );
  });

  it('puts no condition on the Cognito actions that support none (DescribeUserPoolDomain, ListUserPools)', () => {
    for (const [name, st] of cognitoStatements(s)) {
      const unconditionable = actionsOf(st).filter((a) =>
        ['cognito-idp:DescribeUserPoolDomain', 'cognito-idp:ListUserPools'].includes(a),
      );
      if (unconditionable.length === 0) continue;
      expect(st.Condition, `${name} ${unconditionable.join(',')}`).toBeUndefined();
      expect(resourcesOf(st)).toEqual(['*']);
    }
  });

  it('the write check fails on an unconditioned write', () => {
    const bare: Statement = { Effect: 'Allow', Action: 'cognito-idp:UpdateUserPoolClient', Resource: '*' };
    expect(unconditionedWrites([['x', bare]])).toEqual(['x cognito-idp:UpdateUserPoolClient']);
  });
});

describe('retainedFixedNames', () => {
  it('finds a retained log group with a literal name, and accepts one named with the stack id', () => {
    const template: CfnTemplate = {
      Resources: {
        Fixed: {
          Type: 'AWS::Logs::LogGroup',
          Properties: { LogGroupName: '/aws/vendedlogs/states/x' },
          DeletionPolicy: 'Retain',
        } as Resource,
        Unique: {
          Type: 'AWS::Logs::LogGroup',
          Properties: { LogGroupName: { 'Fn::Join': ['', ['x-', { Ref: 'AWS::StackId' }]] } },
          DeletionPolicy: 'Retain',
        } as Resource,
        Deleted: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: 'y' } },
      },
    };
    expect(retainedFixedNames(template)).toEqual(['Fixed.LogGroupName']);
  });
});

describe('apiAccessLogs', () => {
  it('account-role: access logs on, the account setting left alone', () => {
    const s = synth({ apiAccessLogs: 'account-role' });
    try {
      const types = Object.values(s.json.Resources).map((r) => r.Type);
      expect(types).not.toContain('AWS::ApiGateway::Account');
      const stage = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::ApiGateway::Stage');
      expect(stage?.Properties?.AccessLogSetting).toBeDefined();
    } finally {
      s.dispose();
    }
  }, 120_000);

  it('off: no access logs and nothing asked of the account, cdk-nag acknowledged with a reason', () => {
    const s = synth({ apiAccessLogs: 'off' });
    try {
      const types = Object.values(s.json.Resources).map((r) => r.Type);
      expect(types).not.toContain('AWS::ApiGateway::Account');
      const stage = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::ApiGateway::Stage');
      expect(stage?.Properties?.AccessLogSetting).toBeUndefined();
      const nag = s.report.pluginReports.find((p) => p.pluginName === 'AwsSolutions');
      expect(nag?.suppressedViolations?.map((v) => v.ruleName)).toContain('AwsSolutions-APIG1');
    } finally {
      s.dispose();
    }
  }, 120_000);

  it('refuses another value, naming the key', () => {
    expect(() =>
      parseFederationConfig({ allowedAuthentikHosts: 'a.example.com', apiAccessLogs: 'on' }),
    ).toThrow(/apiAccessLogs/);
  });
});

describe('existingUserPoolId', () => {
  it('still conditions every write on the tenant tag, on that one pool', () => {
    const s = synth({ existingUserPoolId: 'eu-west-1_AbC123' });
    try {
      expect(unconditionedWrites(cognitoStatements(s))).toEqual([]);
      expect(retainedFixedNames(s.json)).toEqual([]);
    } finally {
      s.dispose();
    }
  }, 120_000);
});

describe('verificationSchedule', () => {
  const config = (verificationSchedule: string) =>
    parseFederationConfig({ allowedAuthentikHosts: 'a.example.com', verificationSchedule });

  it('accepts what EventBridge accepts', () => {
    for (const schedule of [
      'rate(1 minute)',
      'rate(1 day)',
      'rate(5 days)',
      'rate(12 hours)',
      'cron(0 3 * * ? *)',
      'cron(0/15 8-18 ? * MON-FRI *)',
      'cron(0 12 L * ? 2030-2040)',
      'cron(0 9 ? JAN,JUL 2#1 *)',
      'cron(30 6 15W * ? *)',
    ]) {
      expect(scheduleExpressionProblems(schedule), schedule).toEqual([]);
      expect(config(schedule).verificationSchedule).toBe(schedule);
    }
  });

  it('refuses what EventBridge refuses, and the synth names verificationSchedule', () => {
    const bad: [string, RegExp][] = [
      ['rate(1 days)', /singular/],
      ['rate(5 day)', /plural/],
      ['rate(0 minutes)', /1 or more/],
      ['rate(1.5 hours)', /whole number/],
      ['rate(1 week)', /whole number/],
      ['cron(0 3 * * *)', /six fields/],
      ['cron(0 3 * * * *)', /Day-of-month and Day-of-week/],
      ['cron(60 3 ? * * *)', /Minutes is 0-59/],
      ['cron(0 24 ? * * *)', /Hours is 0-23/],
      ['cron(0 3 ? 13 * *)', /Month is 1-12/],
      ['cron(0 3 ? * 8 *)', /Day-of-week is 1-7/],
      ['cron(0 3 ? * MON#6 *)', /#/],
      ['cron(0 3 ? * * 1969)', /Year is 1970-2199/],
      ['cron(0 3 W ? * *)', /Day-of-month/],
      ['daily', /'off', rate/],
    ];
    for (const [schedule, reason] of bad) {
      expect(scheduleExpressionProblems(schedule).join(' '), schedule).toMatch(reason);
      expect(() => synth({ verificationSchedule: schedule }), schedule).toThrow(/verificationSchedule: /);
    }
  });
});

describe('another stack name (the live kit’s throwaway stack)', () => {
  it('names the stack and its state machines after it, and refuses a name CloudFormation would', () => {
    const context = { 'aws:cdk:bundling-stacks': [], allowedAuthentikHosts: 'auth.example.com' };
    const { stack } = createFederationApp({ context, stackName: 'AuthentikCognitoFederation-live-0a1b2c' });
    expect(stack.stackName).toBe('AuthentikCognitoFederation-live-0a1b2c');
    const machine = stack.stateMachines.get('provision-tenant')?.stateMachine.node.defaultChild as {
      stateMachineName?: string;
    };
    expect(machine.stateMachineName).toBe('AuthentikCognitoFederation-live-0a1b2c-provision-tenant');
    for (const bad of ['live_stack', '1stack', 'a'.repeat(129)]) {
      expect(() => createFederationApp({ context, stackName: bad }), bad).toThrow(/stack name/);
    }
  });
});
