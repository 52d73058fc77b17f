// The deployment's configuration: how it is read and checked, and what each option changes in the
// stack (every variant is synthesized with cdk-nag, so it must be as clean as the default).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromContext, parseFederationConfig } from '../../infra/config.ts';
import { type AslDefinition, readAslDefinition, readAslDefinitions } from '../../infra/state-machines.ts';
import {
  actionsOf,
  functionLogicalId,
  grantedActions,
  prop,
  resourcesOf,
  roleStatements,
  synth,
} from './support.ts';

describe('parseFederationConfig', () => {
  it('requires the Authentik hosts, and names the key', () => {
    expect(() => parseFederationConfig({})).toThrow(/allowedAuthentikHosts/);
    expect(() => parseFederationConfig({ allowedAuthentikHosts: ' , ' })).toThrow(
      /at least one Authentik host/,
    );
  });

  it('reads lists and flags as the CLI gives them (strings) and as cdk.json gives them (JSON)', () => {
    const fromCli = parseFederationConfig({
      allowedAuthentikHosts: 'Auth.Example.com, *.idp.example.org',
      logRetentionDays: '30',
    });
    expect(fromCli).toMatchObject({
      allowedAuthentikHosts: ['auth.example.com', '*.idp.example.org'],
      logRetentionDays: 30,
    });
    const fromJson = parseFederationConfig({
      allowedAuthentikHosts: ['auth.example.com'],
      logRetentionDays: 30,
    });
    expect(fromJson).toMatchObject({
      allowedAuthentikHosts: ['auth.example.com'],
      secretPrefix: 'federation',
      verificationSchedule: 'rate(1 day)',
      logRetentionDays: 30,
    });
  });

  it('refuses bad values, naming each key', () => {
    const attempt = () =>
      parseFederationConfig({
        allowedAuthentikHosts: 'https://auth.example.com/',
        secretPrefix: 'has space',
        verificationSchedule: 'daily',
        logRetentionDays: 31,
        existingUserPoolId: 'not a pool',
      });
    expect(attempt).toThrow(/allowedAuthentikHosts/);
    for (const key of ['secretPrefix', 'verificationSchedule', 'logRetentionDays', 'existingUserPoolId']) {
      expect(attempt).toThrow(new RegExp(key));
    }
  });

  it('reads host:port entries, and refuses over-broad ones and IP addresses, naming the key', () => {
    expect(
      parseFederationConfig({ allowedAuthentikHosts: 'auth.example.com:8443, *.idp.example.co.uk' })
        .allowedAuthentikHosts,
    ).toEqual(['auth.example.com:8443', '*.idp.example.co.uk']);
    for (const entry of ['*.com', '*.co.uk', '*.nip.io', '*.sslip.io', '*.github.io', '10.0.0.5', '::1']) {
      const attempt = () => parseFederationConfig({ allowedAuthentikHosts: `auth.example.com,${entry}` });
      expect(attempt, entry).toThrow(/allowedAuthentikHosts: ".*" is (too broad|an IP address)/);
    }
    expect(() => parseFederationConfig({ allowedAuthentikHosts: '*.example.com:8443' })).toThrow(
      /allowedAuthentikHosts: "\*\.example\.com:8443" is not a host, \*\.domain or host:port entry/,
    );
  });

  it('accepts the schedule forms EventBridge knows, and off', () => {
    for (const schedule of ['off', 'rate(6 hours)', 'rate(1 day)', 'cron(0 3 * * ? *)']) {
      expect(
        parseFederationConfig({ allowedAuthentikHosts: 'a.example.com', verificationSchedule: schedule }),
      ).toMatchObject({ verificationSchedule: schedule });
    }
  });

  it('refuses allowPrivateAddresses, which it no longer reads, saying why', () => {
    expect(() =>
      parseFederationConfig({ allowedAuthentikHosts: 'a.example.com', allowPrivateAddresses: 'true' }),
    ).toThrow(/allowPrivateAddresses: removed: Cognito itself fetches the issuer/);
  });

  it('refuses keys it does not know (a typo would otherwise be ignored)', () => {
    expect(() => parseFederationConfig({ allowedAuthentikHosts: 'a.example.com', secretPrefx: 'x' })).toThrow(
      /secretPrefx/,
    );
  });
});

describe('existingUserPoolId', () => {
  const poolId = 'eu-west-1_AbC123';
  let s: ReturnType<typeof synth>;
  beforeAll(() => {
    s = synth({ existingUserPoolId: poolId });
  }, 120_000);
  afterAll(() => s?.dispose());

  it('scopes every Cognito grant to that pool, and no function may create, list or delete pools', () => {
    for (const name of s.stack.functions.keys()) {
      const statements = roleStatements(
        s.json,
        s.stack.getLogicalId(s.stack.functions.get(name)?.role.node.defaultChild as never),
      );
      for (const statement of statements.filter((st) =>
        actionsOf(st).some((a) => a.startsWith('cognito-idp:')),
      )) {
        const resources = resourcesOf(statement).map((r) => JSON.stringify(r));
        if (resources.includes('"*"')) {
          expect(actionsOf(statement), name).toEqual(['cognito-idp:DescribeUserPoolDomain']);
        } else {
          expect(
            resources.every((r) => r.endsWith(`:userpool/${poolId}"]]}`)),
            `${name} ${resources}`,
          ).toBe(true);
        }
      }
      const granted = grantedActions(s, name);
      for (const lifecycle of ['CreateUserPool', 'ListUserPools', 'DeleteUserPool']) {
        expect(granted, name).not.toContain(`cognito-idp:${lifecycle}`);
      }
    }
  });
});

describe('verification schedule', () => {
  let dir: string;
  let definitions: AslDefinition[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'federation-asl-'));
    const file = join(dir, 'verify-federations.asl.json');
    writeFileSync(
      file,
      JSON.stringify({
        StartAt: 'Verify',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder, filled in by CDK
        States: { Verify: { Type: 'Task', Resource: '${VerifyFederationFunctionArn}', End: true } },
      }),
    );
    definitions = [
      ...readAslDefinitions().filter((d) => d.name !== 'verify-federations'),
      readAslDefinition(file),
    ];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the verification machine on the configured rate, and the API may start it too', () => {
    const s = synth({ verificationSchedule: 'rate(6 hours)' }, { definitions });
    try {
      const verify = s.stack.stateMachines.get('verify-federations');
      const verifyId = s.stack.getLogicalId(verify?.stateMachine.node.defaultChild as never);
      s.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(6 hours)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { Ref: verifyId } })],
      });
      const rule = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::Events::Rule');
      const target = prop<{ RoleArn: { 'Fn::GetAtt': string[] } }[]>(rule, 'Targets')[0];
      const roleId = target?.RoleArn['Fn::GetAtt'][0] ?? '';
      const statements = roleStatements(s.json, roleId);
      expect(statements.map((st) => [actionsOf(st), resourcesOf(st)])).toEqual([
        [['states:StartExecution'], [{ Ref: verifyId }]],
      ]);
      const api = s.json.Resources[functionLogicalId(s, 'api')];
      const env = prop<{ Variables: Record<string, unknown> }>(api, 'Environment').Variables;
      expect(env.VERIFY_STATE_MACHINE_ARN).toEqual({ Ref: verifyId });
    } finally {
      s.dispose();
    }
  }, 120_000);

  it('is not created when off', () => {
    const s = synth({ verificationSchedule: 'off' }, { definitions });
    try {
      expect(Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::Events::Rule')).toEqual([]);
      expect(s.stack.stateMachines.has('verify-federations')).toBe(true);
    } finally {
      s.dispose();
    }
  }, 120_000);
});

describe('state machine definitions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'federation-asl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const withExtra = (name: string, machine: unknown) => {
    const file = join(dir, `${name}.asl.json`);
    writeFileSync(file, JSON.stringify(machine));
    return [...readAslDefinitions(), readAslDefinition(file)];
  };

  it('a placeholder no function provides fails the synth, naming the file and the placeholder', () => {
    const definitions = withExtra('stray', {
      StartAt: 'A',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder, filled in by CDK
      States: { A: { Type: 'Task', Resource: '${MissingFunctionArn}', End: true } },
    });
    expect(() => synth({}, { definitions })).toThrow(/stray\.asl\.json uses \$\{MissingFunctionArn\}/);
  });

  it('a service integration without a grant fails the synth instead of failing at run time', () => {
    const definitions = withExtra('direct-sdk', {
      StartAt: 'A',
      States: {
        A: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'B',
            States: { B: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', End: true } },
          },
          End: true,
        },
      },
    });
    expect(() => synth({}, { definitions })).toThrow(
      /direct-sdk\.asl\.json has a Task with Resource arn:aws:states:::dynamodb:getItem/,
    );
  });
});

describe('configFromContext', () => {
  it("reads the stack's keys, leaves CDK's own alone, and fails on an unknown camelCase key", () => {
    const context = {
      allowedAuthentikHosts: 'auth.example.com',
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:newStyleStackSynthesis': true,
      'cli-telemetry': false,
    };
    expect(configFromContext(context).allowedAuthentikHosts).toEqual(['auth.example.com']);
    expect(() => configFromContext({ ...context, verificationSchedul: 'off' })).toThrow(
      /verificationSchedul/,
    );
  });
});

describe('machines starting machines', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'federation-asl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const starting = (name: string, other: string) => {
    const file = join(dir, `${name}.asl.json`);
    writeFileSync(
      file,
      JSON.stringify({
        StartAt: 'Start',
        States: {
          Start: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: { StateMachineArn: `\${${other}StateMachineArn}`, 'Input.$': '$' },
            End: true,
          },
        },
      }),
    );
    return readAslDefinition(file);
  };

  it('fails the synth on a cycle instead of creating half of it', () => {
    const definitions = [...readAslDefinitions(), starting('ping', 'Pong'), starting('pong', 'Ping')];
    expect(() => synth({}, { definitions })).toThrow(/start each other in a cycle: ping, pong/);
  });

  it('creates a started machine first, whatever the file order', () => {
    const s = synth(
      {},
      {
        definitions: [
          starting('a-first', 'ZLast'),
          ...readAslDefinitions(),
          starting('z-last', 'ProvisionTenant'),
        ],
      },
    );
    try {
      expect(s.stack.stateMachines.has('a-first')).toBe(true);
      const aFirst = s.stack.stateMachines.get('a-first');
      const zLast = s.stack.getLogicalId(
        s.stack.stateMachines.get('z-last')?.stateMachine.node.defaultChild as never,
      );
      const resource =
        s.json.Resources[s.stack.getLogicalId(aFirst?.stateMachine.node.defaultChild as never)];
      expect(resource?.Properties?.DefinitionSubstitutions).toEqual({ ZLastStateMachineArn: { Ref: zLast } });
    } finally {
      s.dispose();
    }
  }, 120_000);
});
