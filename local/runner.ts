// Runs the same ASL files that CDK deploys, on aws-local-stepfunctions, with each Task mapped to its
// Lambda handler in-process. What crosses a Task boundary is JSON-cloned and errors are reshaped as
// Lambda reports them (Cause is `{"errorType","errorMessage"}`), so the local run sees what AWS would.
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type AslState, type AslStates, statesOf } from '../statemachine/walk.ts';
import { ExecutionLimits, type LocalEvent, taskKindsOf } from './execution-limits.ts';

/** One execution event as aws-local-stepfunctions streams it (its type is not exported). */
export type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'] & {
  type: string;
};

export type StateMachineName = 'provision-tenant' | 'deprovision-tenant' | 'verify-federations';
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

/** Step Functions' own integration that runs another state machine and waits for its output. */
const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';
const stateMachinePlaceholder = /^\$\{(\w+)StateMachineArn\}$/;

/**
 * Runs the state machine a `startExecution.sync:2` Task names (`${ProvisionTenantStateMachineArn}`
 * is provision-tenant) in-process, answering as Step Functions does: the execution's description
 * with its output parsed on success, `States.TaskFailed` with that description as the cause on failure.
 */
function startExecutionSync(
  stateName: string,
  state: AslState,
  options: RunOptions,
): (input: unknown) => Promise<unknown> {
  const parameters = (state.Parameters ?? {}) as { StateMachineArn?: unknown };
  const match =
    typeof parameters.StateMachineArn === 'string'
      ? stateMachinePlaceholder.exec(parameters.StateMachineArn)
      : null;
  if (!match?.[1]) {
    throw new Error(`state "${stateName}": StateMachineArn must be a \${...StateMachineArn} placeholder`);
  }
  const machine = match[1].replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase() as StateMachineName;
  return async (input) => {
    const request = input as { Input?: unknown; Name?: string };
    const child = await runStateMachine(machine, request.Input ?? {}, {
      ...options,
      onEvent: undefined,
      executionName: request.Name ?? `local-${randomUUID()}`,
    });
    const description = {
      ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:${machine}:${request.Name ?? 'local'}`,
      StateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${machine}`,
      Status: child.status,
    };
    if (child.status === 'FAILED') {
      throw new LambdaError(
        'States.TaskFailed',
        JSON.stringify({ ...description, Error: child.error, Cause: child.cause }),
      );
    }
    return { ...description, Output: child.output };
  };
}

export interface RunOptions {
  handlers: HandlersByPlaceholder;
  /** Replaces every Retry interval (ms), so tests of retries do not wait for real backoff. */
  retryIntervalMs?: number;
  /** Called with each execution event as it happens. */
  onEvent?: (event: EventLog) => void;
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
    } else if (Resource === START_EXECUTION_SYNC) {
      localHandlers[stateName] = startExecutionSync(stateName, state, options);
    }
    if (Retry && options.retryIntervalMs !== undefined)
      retryIntervalOverrides[stateName] = options.retryIntervalMs;
  }

  const limits = new ExecutionLimits(taskKindsOf(statesOf(definition as AslStates)));
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
  const executionName = options.executionName ?? `local-${randomUUID()}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: localHandlers as never, retryIntervalOverrides },
    // The Context Object the ASL reads ($$.Execution.Id), shaped as Step Functions fills it.
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:${name}:${executionName}`,
        Name: executionName,
        Input: input,
        StartTime: new Date().toISOString(),
      },
    } as never,
  });
  const events: EventLog[] = [];
  // The first quota crossed ends the execution, as Step Functions ends it.
  let overQuota: { error: string; cause: string } | undefined;
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      options.onEvent?.(event);
      const crossed = overQuota ? undefined : limits.record(event as LocalEvent);
      if (crossed) {
        overQuota = crossed;
        execution.abort();
      }
    }
  })();
  const measured = () => ({
    events,
    historyEvents: limits.historyEvents,
    largestPayloadBytes: limits.largestPayloadBytes,
  });
  try {
    const output = await execution.result;
    await collecting;
    // The execution's last events (its output among them) may cross a quota after its result.
    if (overQuota) return { status: 'FAILED', ...overQuota, ...measured() };
    return { status: 'SUCCEEDED', output, ...measured() };
  } catch (error) {
    await collecting.catch(() => {});
    if (overQuota) return { status: 'FAILED', ...overQuota, ...measured() };
    const failure = (error as Error & { cause?: Error }).cause ?? (error as Error);
    return { status: 'FAILED', error: failure.name, cause: failure.message, ...measured() };
  }
}
