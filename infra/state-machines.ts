// The state machines, from statemachine/*.asl.json: the ASL files are the single source (the local
// runner executes the same files); CDK only fills their `${...Arn}` placeholders with the deployed
// function ARNs, inline (DefinitionBody.fromString), so template tests and cfn-lint see the whole
// definition rather than an S3 asset.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { projectRoot } from './bundling.ts';

export const stateMachineDir = join(projectRoot, 'statemachine');

export interface AslDefinition {
  /** The file name without `.asl.json`, e.g. `provision-tenant`. */
  readonly name: string;
  readonly file: string;
  readonly text: string;
  /** Every `${Name}` the definition uses, once each, in order of first use. */
  readonly placeholders: readonly string[];
  /** Every Task state's `Resource`, nested states (Map, Parallel) included. */
  readonly taskResources: readonly string[];
}

/** `${Name}` placeholders in an ASL text. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
}

interface AslStates {
  States?: Record<string, AslState>;
}
interface AslState {
  Type?: string;
  Resource?: string;
  Branches?: AslStates[];
  Iterator?: AslStates;
  ItemProcessor?: AslStates;
}

function taskResourcesOf(machine: AslStates): string[] {
  const found: string[] = [];
  for (const state of Object.values(machine.States ?? {})) {
    if (state.Type === 'Task' && typeof state.Resource === 'string') found.push(state.Resource);
    for (const branch of state.Branches ?? []) found.push(...taskResourcesOf(branch));
    if (state.Iterator) found.push(...taskResourcesOf(state.Iterator));
    if (state.ItemProcessor) found.push(...taskResourcesOf(state.ItemProcessor));
  }
  return found;
}

export function readAslDefinition(file: string): AslDefinition {
  const text = readFileSync(file, 'utf8');
  let parsed: AslStates;
  try {
    parsed = JSON.parse(text) as AslStates;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return {
    name: basename(file, '.asl.json'),
    file,
    text,
    placeholders: placeholdersOf(text),
    taskResources: [...new Set(taskResourcesOf(parsed))],
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

export interface FederationStateMachineProps {
  readonly definition: AslDefinition;
  /** The functions by their ASL placeholder (`EnsureGroupFunctionArn`), from functions/catalog.ts. */
  readonly functionsByPlaceholder: ReadonlyMap<string, IFunction>;
  readonly logRetention: RetentionDays;
}

export class FederationStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  readonly failedExecutionsAlarm: Alarm;
  readonly logGroup: LogGroup;
  /** The functions this machine invokes (and may invoke: nothing else). */
  readonly invokedFunctions: readonly IFunction[];

  constructor(scope: Construct, id: string, props: FederationStateMachineProps) {
    super(scope, id);
    const { definition } = props;
    const where = `statemachine/${basename(definition.file)}`;

    const substitutions: Record<string, string> = {};
    const invoked: IFunction[] = [];
    for (const placeholder of definition.placeholders) {
      const fn = props.functionsByPlaceholder.get(placeholder);
      if (!fn) {
        throw new Error(
          `${where} uses \${${placeholder}}, which no function in functions/catalog.ts provides`,
        );
      }
      substitutions[placeholder] = fn.functionArn;
      invoked.push(fn);
    }
    // Only direct Lambda ARNs are granted below; any other integration needs its own grant here
    // first, or the execution would fail at run time with AccessDenied.
    for (const resource of definition.taskResources) {
      if (!/^\$\{[A-Za-z0-9_]+\}$/.test(resource)) {
        throw new Error(
          `${where} has a Task with Resource ${resource}: only \${...FunctionArn} placeholders are ` +
            'granted by infra/state-machines.ts; add the grant there before using another integration',
        );
      }
    }
    this.invokedFunctions = invoked;

    // Step Functions recommends the /aws/vendedlogs/ prefix: log groups under it share one resource
    // policy entry instead of growing the account's 5,120-character CloudWatch Logs policy.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${definition.name}`,
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
    if (invoked.length > 0) {
      // The unqualified ARNs, exactly as substituted: no version or alias wildcard.
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map((fn) => fn.functionArn),
        }),
      );
    }

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
