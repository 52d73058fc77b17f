// Runs the same ASL files that CDK deploys, on aws-local-stepfunctions, with each Task mapped to its
// Lambda handler in-process. What crosses a Task boundary is JSON-cloned and errors are reshaped as
// Lambda reports them (Cause is `{"errorType","errorMessage"}`), so the local run sees what AWS would.
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type AslStates, statesOf } from '../statemachine/walk.ts';
import { isKnownValid, rememberValid } from './asl-validation.ts';
import { ExecutionLimits, type LocalEvent, taskKindsOf } from './execution-limits.ts';

/** One execution event as aws-local-stepfunctions streams it (its type is not exported). */
export type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'] & {
  type: string;
};

export type StateMachineName =
  | 'provision-tenant'
  | 'deprovision-tenant'
  | 'verify-federations'
  | 'verify-tenants-page';
export type LambdaHandler = (event: unknown) => Promise<unknown>;
/** Handlers keyed by the ASL placeholder of their function, e.g. `EnsureGroupFunctionArn`. */
export type HandlersByPlaceholder = Record<string, LambdaHandler>;

const statemachineDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'statemachine');
const placeholderPattern = /^\$\{(\w+)\}$/;

export function readDefinition(name: StateMachineName): StateMachineDefinition {
  return JSON.parse(
    readFileSync(join(statemachineDir, `${name}.asl.json`), 'utf8'),
  ) as StateMachineDefinition;
}

/** The `${Placeholder}` names a definition uses as Task resources, in order of appearance. */
export function placeholdersOf(definition: StateMachineDefinition): string[] {
  const found = new Set<string>();
  for (const [, state] of statesOf(definition as AslStates)) {
    const resource = state.Resource;
    const match = typeof resource === 'string' ? placeholderPattern.exec(resource) : null;
    if (match?.[1]) found.add(match[1]);
  }
  return [...found];
}

/** A Lambda error as Step Functions records it: the error name, and a JSON cause. */
export class LambdaError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

function asLambda(handler: LambdaHandler): (input: unknown) => Promise<unknown> {
  return async (input) => {
    try {
      const output = await handler(JSON.parse(JSON.stringify(input)));
      return JSON.parse(JSON.stringify(output ?? null));
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      throw new LambdaError(err.name, JSON.stringify({ errorType: err.name, errorMessage: err.message }));
    }
  };
}

/** Step Functions' own integrations that start another execution: waiting for it, or not. */
const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';
const START_EXECUTION = 'arn:aws:states:::states:startExecution';
const stateMachinePlaceholder = /^\$\{(\w+)StateMachineArn\}$/;
const ACCOUNT_ARN = 'arn:aws:states:us-east-1:123456789012';
/** 2^31 - 1 ms, the most setTimeout waits (a longer delay fires at once), in whole seconds. */
const NO_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The machine a StateMachineArn names: a `${…StateMachineArn}` placeholder, or an ARN ($$.StateMachine.Id). */
function machineNamed(arn: unknown, where: string): string {
  const placeholder = typeof arn === 'string' ? stateMachinePlaceholder.exec(arn)?.[1] : undefined;
  if (placeholder) return placeholder.replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase();
  if (typeof arn === 'string' && arn.startsWith(`${ACCOUNT_ARN}:stateMachine:`)) {
    return arn.slice(`${ACCOUNT_ARN}:stateMachine:`.length);
  }
  throw new Error(
    `${where}: StateMachineArn must be a \${...StateMachineArn} placeholder or $$.StateMachine.Id`,
  );
}

/** An execution another one started, with how: waited for (`.sync:2`) or left to run. */
export type StartedExecution = ExecutionResult & { machine: string; waited: boolean };

/**
 * Runs the execution a `startExecution` Task starts, in-process, answering as Step Functions does.
 * `.sync:2`: the execution's description with its output parsed on success, `States.TaskFailed`
 * with that description as the cause on failure. Without `.sync`: the new execution's ARN and start
 * date at once, the execution running on (its result joins `started` when it ends).
 */
function startExecution(
  stateName: string,
  waited: boolean,
  run: { name: string; definition: StateMachineDefinition },
  options: RunOptions,
  started: Promise<StartedExecution>[],
): (input: unknown) => Promise<unknown> {
  return async (input) => {
    const request = input as { StateMachineArn?: unknown; Input?: unknown; Name?: string };
    const machine = machineNamed(request.StateMachineArn, `state "${stateName}"`);
    const executionName = request.Name ?? `local-${randomUUID()}`;
    const childOptions = { ...options, executionName };
    const child = (
      machine === run.name
        ? runDefinition(
            machine,
            JSON.parse(JSON.stringify(run.definition)),
            request.Input ?? {},
            childOptions,
          )
        : runStateMachine(machine as StateMachineName, request.Input ?? {}, childOptions)
    ).then((result) => ({ ...result, machine, waited }));
    started.push(child);
    const description = {
      ExecutionArn: `${ACCOUNT_ARN}:execution:${machine}:${executionName}`,
      StateMachineArn: `${ACCOUNT_ARN}:stateMachine:${machine}`,
    };
    if (!waited) return { ExecutionArn: description.ExecutionArn, StartDate: new Date().toISOString() };
    const result = await child;
    if (result.status === 'FAILED') {
      throw new LambdaError(
        'States.TaskFailed',
        JSON.stringify({ ...description, Status: result.status, Error: result.error, Cause: result.cause }),
      );
    }
    return { ...description, Status: result.status, Output: result.output };
  };
}

export interface RunOptions {
  handlers: HandlersByPlaceholder;
  /** Replaces every Retry interval (ms), so tests of retries do not wait for real backoff. */
  retryIntervalMs?: number;
  /** Called with each execution event as it happens, those of the executions it starts included. */
  onEvent?: (event: EventLog) => void;
  /** Keep every event in the result (default true); a run of thousands of pages keeps only counts. */
  keepEvents?: boolean;
  /** The execution's name (default: random), as the API derives it from tenant and spec. */
  executionName?: string;
}

export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  events: EventLog[];
  /** The events Step Functions would have recorded in the execution's history (execution-limits.ts). */
  historyEvents: number;
  /** The largest state input or output of the execution, in bytes of JSON. */
  largestPayloadBytes: number;
  /** The executions it started, each with its own history and payloads, in the order they started. */
  children: StartedExecution[];
}

/** The execution and every execution it started, and they started, depth first. */
export function everyExecution(result: ExecutionResult): ExecutionResult[] {
  return [result, ...result.children.flatMap(everyExecution)];
}

/**
 * The execution that ended a run continued in new executions (a `startExecution` not waited for,
 * as verify-federations continues itself): its output is the run's.
 */
export function lastExecution(result: ExecutionResult): ExecutionResult {
  const continued = result.children.filter((child) => !child.waited).at(-1);
  return continued ? lastExecution(continued) : result;
}

export function runStateMachine(
  name: StateMachineName,
  input: unknown,
  options: RunOptions,
): Promise<ExecutionResult> {
  return runDefinition(name, readDefinition(name), input, options);
}

/** Runs a definition given as such (a test's own machine); `name` goes into the execution's ARN. */
export async function runDefinition(
  name: string,
  definition: StateMachineDefinition,
  input: unknown,
  options: RunOptions,
): Promise<ExecutionResult> {
  // The definition as given, before its resources are replaced: what an execution of itself runs.
  const original = JSON.parse(JSON.stringify(definition)) as StateMachineDefinition;
  const started: Promise<StartedExecution>[] = [];
  const localHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const seen = new Set<string>();
  for (const [stateName, state] of statesOf(definition as AslStates)) {
    // Overrides are keyed by state name across nested machines, so a name may appear only once.
    if (seen.has(stateName)) throw new Error(`${name}: the state name "${stateName}" is used twice`);
    seen.add(stateName);
    const { Resource, Retry } = state;
    const placeholder = Resource ? placeholderPattern.exec(Resource)?.[1] : undefined;
    if (placeholder) {
      const handler = options.handlers[placeholder];
      if (!handler) throw new Error(`No local handler for ${placeholder} (state "${stateName}")`);
      localHandlers[stateName] = asLambda(handler);
      // Stands in for the function ARN CDK substitutes; the local handler runs instead.
      state.Resource = `arn:aws:lambda:us-east-1:123456789012:function:${placeholder}`;
    } else if (Resource === START_EXECUTION_SYNC || Resource === START_EXECUTION) {
      const waited = Resource === START_EXECUTION_SYNC;
      // Step Functions gives a Task no timeout unless it names one (TimeoutSeconds defaults to
      // 99999999: developer guide, "Task workflow state"); aws-local-stepfunctions gives 60 s,
      // which a page execution outlasts. The longest delay Node's timers hold stands in for it.
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = NO_TIMEOUT_SECONDS;
      }
      localHandlers[stateName] = startExecution(
        stateName,
        waited,
        { name, definition: original },
        options,
        started,
      );
    }
    if (Retry && options.retryIntervalMs !== undefined)
      retryIntervalOverrides[stateName] = options.retryIntervalMs;
  }

  const limits = new ExecutionLimits(taskKindsOf(statesOf(definition as AslStates)));
  // Validating compiles the ASL schema (most of a page execution's time): once per definition text.
  const text = JSON.stringify(definition);
  const known = isKnownValid(text);
  const machine = new StateMachine(definition, {
    validationOptions: known ? { noValidate: true } : { checkPaths: true, checkArn: true },
  });
  if (!known) rememberValid(text);
  const executionName = options.executionName ?? `local-${randomUUID()}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: localHandlers as never, retryIntervalOverrides },
    // The Context Object the ASL reads ($$.Execution.Id), shaped as Step Functions fills it.
    context: {
      Execution: {
        Id: `${ACCOUNT_ARN}:execution:${name}:${executionName}`,
        Name: executionName,
        Input: input,
        StartTime: new Date().toISOString(),
      },
      StateMachine: { Id: `${ACCOUNT_ARN}:stateMachine:${name}`, Name: name },
    } as never,
  });
  const events: EventLog[] = [];
  // The first quota crossed ends the execution, as Step Functions ends it.
  let overQuota: { error: string; cause: string } | undefined;
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (options.keepEvents !== false) events.push(event);
      options.onEvent?.(event);
      const crossed = overQuota ? undefined : limits.record(event as LocalEvent);
      if (crossed) {
        overQuota = crossed;
        execution.abort();
      }
    }
  })();
  // A run ends once every execution it started has: a test sees the whole run.
  const children: StartedExecution[] = [];
  const measured = () => ({
    events,
    historyEvents: limits.historyEvents,
    largestPayloadBytes: limits.largestPayloadBytes,
    children,
  });
  const joinStarted = async () => {
    for (let i = 0; i < started.length; i += 1)
      children.push(await (started[i] as Promise<StartedExecution>));
  };
  try {
    const output = await execution.result;
    await collecting;
    await joinStarted();
    // The execution's last events (its output among them) may cross a quota after its result.
    if (overQuota) return { status: 'FAILED', ...overQuota, ...measured() };
    return { status: 'SUCCEEDED', output, ...measured() };
  } catch (error) {
    await collecting.catch(() => {});
    await joinStarted();
    if (overQuota) return { status: 'FAILED', ...overQuota, ...measured() };
    const failure = (error as Error & { cause?: Error }).cause ?? (error as Error);
    return { status: 'FAILED', error: failure.name, cause: failure.message, ...measured() };
  }
}
