// The stack as deployed (default configuration): what matters for security and operations, asserted
// on the synthesized template. cdk-nag and CDK's own CloudFormation checks run in this synth.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { ZodMiniType } from 'zod/mini';
import { routes } from '../../functions/api/routes.ts';
import { functionCatalog, functionEnvSchemas, stepFunctions } from '../../functions/catalog.ts';
import { registryStepEnv, stepEnv } from '../../functions/lib/env.ts';
import { PROVISIONINGS_AT_ONCE } from '../../functions/lib/provision-pace.ts';
import { reportEnv } from '../../functions/report-verification/handler.ts';
import { projectRoot } from '../../infra/bundling.ts';
import { STACK_NAME } from '../../infra/federation-app.ts';
import {
  type FederationStateMachine,
  machinePlaceholder,
  placeholdersOf,
} from '../../infra/state-machines.ts';
import {
  actionsOf,
  functionLogicalId,
  logicalId,
  prop,
  resourcesOf,
  roleStatements,
  useSynth,
} from './support.ts';

const s = useSynth({}, { builtinValidation: true });

const machineId = (machine: FederationStateMachine) =>
  logicalId(s.stack, machine.stateMachine.node.defaultChild);

const resourcesOfType = (type: string) =>
  Object.entries(s.json.Resources).filter(([, resource]) => resource.Type === type);

describe('cdk-nag (AwsSolutions) and CDK CloudFormation checks', () => {
  it('leaves no finding unacknowledged, and every acknowledgement gives a reason', () => {
    const nag = s.report.pluginReports.find((p) => p.pluginName === 'AwsSolutions');
    expect(nag, 'the AwsSolutions report is in the cloud assembly').toBeDefined();
    for (const plugin of s.report.pluginReports) {
      expect(plugin.violations, `${plugin.pluginName} violations`).toEqual([]);
      expect(plugin.conclusion).toBe('success');
      for (const suppressed of plugin.suppressedViolations ?? []) {
        expect(suppressed.reason?.length ?? 0, suppressed.ruleName).toBeGreaterThan(40);
      }
    }
    // The acknowledgements are specific: wildcard findings are named resource by resource.
    const acknowledged = new Set(nag?.suppressedViolations?.map((v) => v.ruleName));
    expect([...acknowledged].filter((rule) => rule === 'AwsSolutions-IAM5')).toEqual([]);
  });
});

describe('cfn-lint', () => {
  it('finds nothing in the synthesized template', () => {
    const template = join(s.outdir, `${STACK_NAME}.template.json`);
    const run = spawnSync('cfn-lint', ['--format', 'parseable', template], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('cfn-lint is not installed: pip install cfn-lint (it is preinstalled on the CI image)');
    }
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});

describe('API Gateway', () => {
  it('has exactly the handler routes, each with IAM authorization, proxied to the API function', () => {
    const methods = resourcesOfType('AWS::ApiGateway::Method');
    expect(methods).toHaveLength(routes.length);
    for (const [, method] of methods) {
      expect(method.Properties?.AuthorizationType).toBe('AWS_IAM');
      expect(method.Properties?.Integration).toMatchObject({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
      });
      expect(JSON.stringify(method.Properties?.Integration)).toContain(functionLogicalId(s, 'api'));
    }
    const paths = new Map<string, string>();
    for (const [id, resource] of resourcesOfType('AWS::ApiGateway::Resource')) {
      const parent = resource.Properties?.ParentId as { Ref?: string; 'Fn::GetAtt'?: string[] };
      const parentPath = parent.Ref ? paths.get(parent.Ref) : '';
      paths.set(id, `${parentPath ?? '?'}/${resource.Properties?.PathPart as string}`);
    }
    const found = methods
      .map(([, m]) => `${m.Properties?.HttpMethod} ${paths.get(prop<{ Ref: string }>(m, 'ResourceId').Ref)}`)
      .sort();
    expect(found).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('validates the PUT /tenants/{tenantId} body against the tenant spec JSON Schema (draft-04)', () => {
    const modelOf = (operation: string) =>
      resourcesOfType('AWS::ApiGateway::Model').find(
        ([, m]) => m.Properties?.Description === `Request body of ${operation}`,
      ) ?? [];
    const [modelId, model] = modelOf('createTenant');
    const schema = model?.Properties?.Schema as Record<string, unknown>;
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(Object.keys(schema.properties as object).sort()).toEqual(['authentikToken', 'spec']);
    expect(JSON.stringify(schema)).toContain('tokenSecretArn');
    s.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'PUT',
      OperationName: 'createTenant',
      RequestParameters: { 'method.request.path.tenantId': true },
      RequestModels: { 'application/json': { Ref: modelId } },
      RequestValidatorId: Match.anyValue(),
    });
    // The batch (POST /tenants): a list of PUT's bodies, at most as many as provision side by side.
    const [batchId, batch] = modelOf('createTenants');
    const batchSchema = batch?.Properties?.Schema as
      | { properties: Record<string, Record<string, unknown>> }
      | undefined;
    const tenants = batchSchema?.properties.tenants;
    expect(tenants).toMatchObject({ type: 'array', minItems: 1, maxItems: PROVISIONINGS_AT_ONCE });
    expect(
      Object.keys((tenants?.items as { properties: object } | undefined)?.properties ?? {}).sort(),
    ).toEqual(['authentikToken', 'spec']);
    s.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      OperationName: 'createTenants',
      RequestModels: { 'application/json': { Ref: batchId } },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
    });
  });

  it('logs access to a retained log group, throttles the stage, and never logs bodies', () => {
    const [[, stage] = []] = resourcesOfType('AWS::ApiGateway::Stage');
    expect(stage?.Properties?.AccessLogSetting).toMatchObject({ DestinationArn: expect.anything() });
    expect(stage?.Properties?.TracingEnabled).toBe(true);
    const settings = stage?.Properties?.MethodSettings as Record<string, unknown>[];
    expect(settings).toEqual([
      expect.objectContaining({
        DataTraceEnabled: false,
        ThrottlingRateLimit: 10,
        ThrottlingBurstLimit: 20,
        HttpMethod: '*',
        ResourcePath: '/*',
      }),
    ]);
  });
});

// Each function's schema: functions/lib/env.ts (zod/mini), or the one its handler loads directly.
// ZodMiniType is the common shape: classic zod schemas satisfy it too.
const ownSchemas: Record<string, ZodMiniType> = {
  'list-tenants': registryStepEnv,
  'verify-tenant': stepEnv,
  'report-verification': reportEnv,
};
const schemaOf = (name: string): ZodMiniType | undefined =>
  (functionEnvSchemas as Partial<Record<string, ZodMiniType>>)[name] ?? ownSchemas[name];

describe('functions', () => {
  // The state machines' functions, the API and the rotation function.
  const names = functionCatalog.map((f) => f.name);

  it('one per catalog entry and the API, all nodejs22.x on arm64 with JSON logs and source maps', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    expect(functions).toHaveLength(names.length);
    for (const [id, fn] of functions) {
      expect(fn.Properties?.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties?.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties?.Handler, id).toBe('index.handler');
      expect(fn.Properties?.LoggingConfig, id).toMatchObject({
        LogFormat: 'JSON',
        LogGroup: { Ref: expect.any(String) },
      });
      const env = prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;
      expect(env.NODE_OPTIONS, id).toBe('--enable-source-maps');
    }
  });

  it('every log group of the stack has the configured retention', () => {
    const groups = resourcesOfType('AWS::Logs::LogGroup');
    // One per function, one per state machine, the API access logs.
    expect(groups.length).toBe(names.length + s.stack.stateMachines.size + 1);
    for (const [id, group] of groups) expect(group.Properties?.RetentionInDays, id).toBe(90);
    for (const name of names) {
      const fn = s.json.Resources[functionLogicalId(s, name)];
      const group = prop<{ LogGroup: { Ref: string } }>(fn, 'LoggingConfig').LogGroup.Ref;
      expect(s.json.Resources[group]?.Type, name).toBe('AWS::Logs::LogGroup');
    }
  });

  it("each function's environment is accepted by the zod schema the function checks at cold start", () => {
    // Deploy-time values (table name, state machine ARNs) stand in as plausible literals.
    const literal = (value: unknown): string => {
      if (typeof value === 'string') return value;
      const keyArn = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (keyArn && s.json.Resources[keyArn[0]]?.Type === 'AWS::KMS::Key' && keyArn[1] === 'Arn') {
        return 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      }
      if (keyArn && s.json.Resources[keyArn[0]]?.Type === 'AWS::Lambda::Function' && keyArn[1] === 'Arn') {
        return 'arn:aws:lambda:eu-west-1:123456789012:function:AuthentikCognitoFederation-RotateSecret';
      }
      if (keyArn && s.json.Resources[keyArn[0]]?.Type === 'AWS::IAM::Role' && keyArn[1] === 'Arn') {
        return 'arn:aws:iam::123456789012:role/AuthentikCognitoFederation-TenantSecretsRole-1A2B3C4D5E6F';
      }
      const ref = (value as { Ref?: string }).Ref ?? '';
      const type = s.json.Resources[ref]?.Type;
      if (type === 'AWS::DynamoDB::GlobalTable') return 'federation-registry';
      if (type === 'AWS::StepFunctions::StateMachine') {
        return `arn:aws:states:eu-west-1:123456789012:stateMachine:${ref}`;
      }
      throw new Error(`no stand-in for ${JSON.stringify(value)}`);
    };
    for (const name of names) {
      const fn = s.json.Resources[functionLogicalId(s, name)];
      const env = prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;
      const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, literal(v)]));
      const schema = schemaOf(name);
      expect(schema, `${name} has a known environment schema`).toBeDefined();
      const parsed = schema?.safeParse(values);
      expect(parsed?.success ? [] : parsed?.error.issues, name).toEqual([]);
      // Nothing pointing at the local world on AWS.
      expect(
        Object.keys(env).filter((k) => k.endsWith('_ENDPOINT')),
        name,
      ).toEqual([]);
      if ('ALLOW_LOOPBACK_HTTP' in env) expect(env.ALLOW_LOOPBACK_HTTP).toBe('false');
    }
    const api = s.json.Resources[functionLogicalId(s, 'api')];
    const apiEnv = prop<{ Variables: Record<string, unknown> }>(api, 'Environment').Variables;
    expect(apiEnv.STATE_MACHINE_ARN).toEqual({
      Ref: logicalId(s.stack, s.stack.stateMachines.get('provision-tenant')?.stateMachine.node.defaultChild),
    });
    expect(apiEnv.DEPROVISION_STATE_MACHINE_ARN).toEqual({
      Ref: logicalId(
        s.stack,
        s.stack.stateMachines.get('deprovision-tenant')?.stateMachine.node.defaultChild,
      ),
    });
  });
});

describe('state machines', () => {
  const aslFiles = readdirSync(join(projectRoot, 'statemachine'))
    .filter((f) => f.endsWith('.asl.json'))
    .sort();

  it('one Standard workflow per statemachine/*.asl.json, with logging (no execution data) and tracing', () => {
    expect([...s.stack.stateMachines.keys()]).toEqual(aslFiles.map((f) => f.replace('.asl.json', '')));
    const machines = resourcesOfType('AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(aslFiles.length);
    for (const [id, machine] of machines) {
      expect(machine.Properties?.StateMachineType, id).toBe('STANDARD');
      expect(machine.Properties?.TracingConfiguration, id).toEqual({ Enabled: true });
      expect(machine.Properties?.LoggingConfiguration, id).toMatchObject({
        Level: 'ALL',
        IncludeExecutionData: false,
      });
      expect(machine.Properties?.DefinitionS3Location, id).toBeUndefined();
    }
  });

  it('keeps each ASL file inline and substitutes every placeholder with its own function or machine, and nothing else', () => {
    const byPlaceholder = new Map<string, unknown>(
      stepFunctions.map((f) => [f.placeholder, { 'Fn::GetAtt': [functionLogicalId(s, f.name), 'Arn'] }]),
    );
    for (const [name, machine] of s.stack.stateMachines) {
      byPlaceholder.set(machinePlaceholder(name), { Ref: machineId(machine) });
    }
    for (const file of aslFiles) {
      const machine = s.stack.stateMachines.get(file.replace('.asl.json', ''));
      const resource = s.json.Resources[logicalId(s.stack, machine?.stateMachine.node.defaultChild)];
      const text = readFileSync(join(projectRoot, 'statemachine', file), 'utf8');
      expect(resource?.Properties?.DefinitionString, file).toBe(text);
      const substitutions = resource?.Properties?.DefinitionSubstitutions as Record<string, unknown>;
      // Every placeholder is substituted, and every substitution is used.
      expect(Object.keys(substitutions).sort(), file).toEqual(placeholdersOf(text).sort());
      for (const [placeholder, value] of Object.entries(substitutions)) {
        expect(value, `${file} ${placeholder}`).toEqual(byPlaceholder.get(placeholder));
      }
    }
  });

  const machineRole = (machine: FederationStateMachine) => {
    const resource = s.json.Resources[machineId(machine)];
    return prop<{ 'Fn::GetAtt': string[] }>(resource, 'RoleArn')['Fn::GetAtt'][0] as string;
  };

  it('may invoke only the functions its definition names', () => {
    for (const [name, machine] of s.stack.stateMachines) {
      const resource = s.json.Resources[machineId(machine)];
      const used = Object.values(prop<Record<string, unknown>>(resource, 'DefinitionSubstitutions')).filter(
        (value) => JSON.stringify(value).includes('Fn::GetAtt'),
      );
      const statements = roleStatements(s.json, machineRole(machine));
      const invoke = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('lambda:')));
      expect(invoke.flatMap(actionsOf), name).toEqual(['lambda:InvokeFunction']);
      const granted = invoke.flatMap(resourcesOf).map((r) => JSON.stringify(r));
      expect(granted.sort(), name).toEqual([...new Set(used.map((u) => JSON.stringify(u)))].sort());
      // The resource depends on its role's policy (it must not run without its permissions).
      expect(resource?.DependsOn?.length, name).toBe(1);
      expect(s.json.Resources[resource?.DependsOn?.[0] ?? '']?.Type).toBe('AWS::IAM::Policy');
    }
  });

  it('may start only the machines its definition names, and waits for them through the managed rule only', () => {
    for (const [name, machine] of s.stack.stateMachines) {
      const statements = roleStatements(s.json, machineRole(machine));
      const started = statements
        .filter((st) => actionsOf(st).includes('states:StartExecution'))
        .flatMap(resourcesOf);
      const named = [...s.stack.stateMachines]
        .filter(([other]) => machine.definition.placeholders.includes(machinePlaceholder(other)))
        .map(([, other]) => ({ Ref: machineId(other) }));
      // A machine that continues in a new execution of itself ($$.StateMachine.Id) may start itself,
      // named by its literal ARN (its own policy cannot reference the machine).
      const itself = machine.definition.text.includes('"$$.StateMachine.Id"');
      expect(started.slice(0, named.length), name).toEqual(named);
      expect(
        started.slice(named.length).map((resource) => JSON.stringify(resource)),
        name,
      ).toEqual(itself ? [expect.stringMatching(`:stateMachine:AuthentikCognitoFederation-${name}"`)] : []);
      for (const statement of statements.filter((st) => actionsOf(st).some((a) => a.startsWith('events:')))) {
        expect(actionsOf(statement), name).toEqual([
          'events:DescribeRule',
          'events:PutRule',
          'events:PutTargets',
        ]);
        expect(JSON.stringify(statement.Resource), name).toContain(
          ':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
        );
      }
      for (const statement of statements.filter((st) => actionsOf(st).includes('states:DescribeExecution'))) {
        expect(JSON.stringify(statement.Resource), name).toMatch(
          /:execution:AuthentikCognitoFederation-[a-z-]+:\*/,
        );
      }
    }
  });

  it('each has an alarm on failed executions', () => {
    for (const [name, machine] of s.stack.stateMachines) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [
          {
            Name: 'StateMachineArn',
            Value: { Ref: logicalId(s.stack, machine.stateMachine.node.defaultChild) },
          },
        ],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(name).toBeTruthy();
    }
    expect(resourcesOfType('AWS::CloudWatch::Alarm')).toHaveLength(s.stack.stateMachines.size);
  });
});

describe('registry and secrets', () => {
  it('the registry is on-demand, with point-in-time recovery and encryption, keyed by tenantId, and retained', () => {
    const [[, table] = []] = resourcesOfType('AWS::DynamoDB::GlobalTable');
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'tenantId', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
    s.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });

  it('the secrets key rotates and is retained; its grants pass through Secrets Manager only', () => {
    s.template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
    const kmsStatements = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap(
        (r) => prop<{ Statement: { Action: unknown; Condition?: unknown }[] }>(r, 'PolicyDocument').Statement,
      )
      .filter((st) => JSON.stringify(st.Action).includes('kms:'));
    expect(kmsStatements.length).toBeGreaterThan(0);
    for (const statement of kmsStatements) {
      expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
      expect(JSON.stringify(statement.Condition)).toContain('secretsmanager.');
    }
  });

  it('every function that creates secrets is told the key to create them with', () => {
    const keyId = Object.entries(s.json.Resources).find(([, r]) => r.Type === 'AWS::KMS::Key')?.[0];
    for (const name of ['ensure-test-user', 'ensure-oidc-provider'] as const) {
      const fn = s.json.Resources[functionLogicalId(s, name)];
      const env = prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;
      expect(env.SECRETS_KMS_KEY_ID, name).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
  });
});

describe('verification schedule', () => {
  it('is absent while statemachine/verify-federations.asl.json does not exist, and present once it does', () => {
    const rules = resourcesOfType('AWS::Events::Rule');
    if (s.stack.stateMachines.has('verify-federations')) {
      expect(rules).toHaveLength(1);
      expect(rules[0]?.[1].Properties?.ScheduleExpression).toBe('rate(1 day)');
    } else {
      expect(rules).toEqual([]);
      expect(s.stack.verificationSchedule).toBeUndefined();
    }
  });
});
