// The state machines, from statemachine/*.asl.json: the ASL files are the single source (the local
// runner executes the same files); CDK only fills their `${...Arn}` placeholders with the deployed
// function ARNs, inline (DefinitionBody.fromString), so template tests and cfn-lint see the whole
// definition rather than an S3 asset.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ArnFormat, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type AslStates, statesOf } from '../statemachine/walk.ts';
import { projectRoot } from './bundling.ts';

export const stateMachineDir = join(projectRoot, 'statemachine');

export interface AslDefinition {
  /** The file name without `.asl.json`, e.g. `provision-tenant`. */
  readonly name: string;
  readonly file: string;
  readonly text: string;
  /** Every `${Name}` the definition uses, once each, in order of first use. */
  readonly placeholders: readonly string[];
  /** Every Task state, nested states (Map, Parallel) included. */
  readonly tasks: readonly AslTask[];
  /** Every Task state's `Resource`, once each. */
  readonly taskResources: readonly string[];
}

export interface AslTask {
  readonly state: string;
  readonly resource: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** `${Name}` placeholders in an ASL text. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
}

function tasksOf(machine: AslStates): AslTask[] {
  return statesOf(machine).flatMap(([name, state]) =>
    state.Type === 'Task' && typeof state.Resource === 'string'
      ? [{ state: name, resource: state.Resource, parameters: state.Parameters ?? {} }]
      : [],
  );
}

export function readAslDefinition(file: string): AslDefinition {
  const text = readFileSync(file, 'utf8');
  let parsed: AslStates;
  try {
    parsed = JSON.parse(text) as AslStates;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const tasks = tasksOf(parsed);
  return {
    name: basename(file, '.asl.json'),
    file,
    text,
    placeholders: placeholdersOf(text),
    tasks,
    taskResources: [...new Set(tasks.map((task) => task.resource))],
  };
}

/** Every `*.asl.json` in the folder, sorted by name: a new file is deployed without a code change. */
export function readAslDefinitions(dir: string = stateMachineDir): AslDefinition[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.asl.json'))
    .sort()
    .map((file) => readAslDefinition(join(dir, file)));
}

/** `provision-tenant` → `ProvisionTenant`, for construct ids. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** `<stack name>-<file name>`, e.g. `AuthentikCognitoFederation-provision-tenant` (at most 80 characters). */
export function stateMachineName(scope: Construct, name: string): string {
  return `${Stack.of(scope).stackName}-${name}`.slice(0, 80);
}

/**
 * The last group of the stack id's UUID (`arn:…:stack/<name>/<uuid>`, 12 hex digits), resolved at
 * deploy time: the same for every update of the stack, new when the stack is created again.
 */
export function stackIdSuffix(scope: Construct): string {
  const uuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return Fn.select(4, Fn.split('-', uuid));
}

/** The placeholder another definition names this machine by: `provision-tenant` → `ProvisionTenantStateMachineArn`. */
export function machinePlaceholder(name: string): string {
  return `${pascalCase(name)}StateMachineArn`;
}

/** The machines a definition starts (by file name), from its `${…StateMachineArn}` placeholders. */
export function startedMachines(definition: AslDefinition, all: readonly AslDefinition[]): string[] {
  return all
    .filter((other) => definition.placeholders.includes(machinePlaceholder(other.name)))
    .map((o) => o.name);
}

export interface MachineRef {
  readonly arn: string;
  /** The literal name (`stateMachineName`), so its execution ARNs are known at synth. */
  readonly name: string;
}

/**
 * The machine itself, when a Task starts it again (`"StateMachineArn.$": "$$.StateMachine.Id"`,
 * the Context Object's ARN of the running machine: how an execution continues its work in a new
 * one). Named by its literal name, not the construct's ARN, which its own policy cannot reference.
 */
function selfStarted(scope: Construct, task: AslTask, definition: AslDefinition): MachineRef | undefined {
  if (task.parameters['StateMachineArn.$'] !== '$$.StateMachine.Id') return undefined;
  const name = stateMachineName(scope, definition.name);
  return {
    name,
    arn: Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  };
}

export interface FederationStateMachineProps {
  readonly definition: AslDefinition;
  /** The functions by their ASL placeholder (`EnsureGroupFunctionArn`), from functions/catalog.ts. */
  readonly functionsByPlaceholder: ReadonlyMap<string, IFunction>;
  /** The machines already made, by their placeholder (`ProvisionTenantStateMachineArn`). */
  readonly machinesByPlaceholder: ReadonlyMap<string, MachineRef>;
  readonly logRetention: RetentionDays;
}

// Step Functions' own integration for starting another execution; `.sync` variants wait for it,
// which Step Functions does through a managed EventBridge rule.
const START_EXECUTION = /^arn:aws:states:::states:startExecution(\.sync(:2)?|\.waitForTaskToken)?$/;
const SYNC_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';
const PLACEHOLDER = /^\$\{([A-Za-z0-9_]+)\}$/;

export class FederationStateMachine extends Construct {
  readonly definition: AslDefinition;
  readonly stateMachine: StateMachine;
  readonly failedExecutionsAlarm: Alarm;
  readonly logGroup: LogGroup;
  /** The functions this machine invokes (and may invoke: nothing else). */
  readonly invokedFunctions: readonly IFunction[];
  /** What its Task states are granted (Lambda invocations, executions it starts). */
  readonly taskStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: FederationStateMachineProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    const where = `statemachine/${basename(definition.file)}`;

    const substitutions: Record<string, string> = {};
    const invoked: IFunction[] = [];
    for (const placeholder of definition.placeholders) {
      const fn = props.functionsByPlaceholder.get(placeholder);
      const machine = props.machinesByPlaceholder.get(placeholder);
      if (fn) {
        substitutions[placeholder] = fn.functionArn;
        invoked.push(fn);
      } else if (machine) {
        substitutions[placeholder] = machine.arn;
      } else {
        throw new Error(
          `${where} uses \${${placeholder}}, which no function in functions/catalog.ts provides ` +
            '(nor a state machine in statemachine/)',
        );
      }
    }
    this.invokedFunctions = invoked;

    // What each Task integration needs, granted on exactly what it names. Anything else fails the
    // synth, so an execution never meets AccessDenied at run time.
    const statements: PolicyStatement[] = [];
    if (invoked.length > 0) {
      // The unqualified ARNs, exactly as substituted: no version or alias wildcard.
      statements.push(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map((fn) => fn.functionArn),
        }),
      );
    }
    const stack = Stack.of(this);
    for (const task of definition.tasks) {
      const direct = PLACEHOLDER.exec(task.resource)?.[1];
      if (direct && props.functionsByPlaceholder.has(direct)) continue;
      const started = PLACEHOLDER.exec(String(task.parameters.StateMachineArn ?? ''))?.[1];
      const target = started ? props.machinesByPlaceholder.get(started) : selfStarted(this, task, definition);
      const integration = START_EXECUTION.exec(task.resource);
      if (!integration || !target) {
        throw new Error(
          `${where} has a Task with Resource ${task.resource} (state "${task.state}"): only the ` +
            '…FunctionArn placeholders and states:startExecution of a …StateMachineArn placeholder (or of ' +
            'the machine itself, $$.StateMachine.Id) are ' +
            'granted by infra/state-machines.ts; add the grant there before using another integration',
        );
      }
      statements.push(new PolicyStatement({ actions: ['states:StartExecution'], resources: [target.arn] }));
      if (integration[1]?.startsWith('.sync')) {
        statements.push(
          new PolicyStatement({
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [
              stack.formatArn({
                service: 'states',
                resource: 'execution',
                resourceName: `${target.name}:*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
          new PolicyStatement({
            actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
            resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_RULE })],
          }),
        );
      }
    }
    this.taskStatements = statements;

    // Step Functions recommends the /aws/vendedlogs/ prefix: log groups under it share one resource
    // policy entry instead of growing the account's 5,120-character CloudWatch Logs policy. Log
    // groups are retained when the stack is destroyed (DeletionPolicy Retain keeps the resource:
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html),
    // and a named resource cannot be created while one of that name exists
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html), so the
    // name ends with a part of the stack's id (a new UUID each time the stack is created): a redeploy
    // after `cdk destroy` makes new log groups instead of failing on the retained ones' names.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${definition.name}-${stackIdSuffix(this)}`,
      retention: props.logRetention,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      // Named, so the console lists `<stack>-provision-tenant` and an execution ARN says which machine.
      stateMachineName: stateMachineName(this, definition.name),
      definitionBody: DefinitionBody.fromString(definition.text),
      definitionSubstitutions: substitutions,
      stateMachineType: StateMachineType.STANDARD,
      tracingEnabled: true,
      // Every event is logged, but without its input and output. No secret is ever in a payload (the
      // steps pass ARNs and ids only), yet the payloads hold each tenant's spec and resource ids, and
      // log readers are a wider audience than execution-history readers; the history keeps the data.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    for (const statement of statements) this.stateMachine.addToRolePolicy(statement);

    this.failedExecutionsAlarm = new Alarm(this, 'FailedExecutions', {
      alarmDescription: `An execution of ${definition.name} failed: see its execution history and the logs of the failing step.`,
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
