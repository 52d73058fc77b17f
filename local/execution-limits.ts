// What Step Functions refuses that aws-local-stepfunctions does not: an execution whose history
// grows past 25,000 events, and a state's input or output over 256 KiB. Both are quotas of the
// Step Functions developer guide ("Service quotas", quotas related to state machine executions:
// https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html): "Maximum execution
// history size: 25,000 events in a single state machine execution history", and "Maximum input or
// output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string".
// The local runner counts the events Step Functions would record for each event it sees and fails
// the execution the way Step Functions does when either is crossed.
import type { AslState } from '../statemachine/walk.ts';

export const HISTORY_EVENTS_QUOTA = 25_000;
export const PAYLOAD_BYTES_QUOTA = 256 * 1024;

/**
 * "States.DataLimitExceeded": the payload quota. A terminal error that `States.ALL` does not catch
 * (developer guide, "Handling errors in Step Functions workflows", error names:
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';
/**
 * The history quota. The developer guide says the execution fails but names no error for it; the
 * local runner reports it as States.Runtime (the error names page's "runtime exception that could
 * not be processed"), with the quota in the cause.
 */
export const HISTORY_LIMIT_EXCEEDED = 'States.Runtime';

/** One event as aws-local-stepfunctions streams it (the fields this module reads). */
export interface LocalEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  input?: unknown;
  output?: unknown;
}

/** How a Task's work shows in the history: a Lambda function, or an integrated service's task. */
type TaskKind = 'lambda' | 'service';

/**
 * How many history events Step Functions records for one event of the local runner. The event
 * types are those of the HistoryEvent API reference
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
 * - a Task entered: TaskStateEntered, then its attempt's LambdaFunctionScheduled and
 *   LambdaFunctionStarted (a service integration: TaskScheduled, TaskStarted, TaskSubmitted);
 * - a Task exited: LambdaFunctionSucceeded (TaskSucceeded) and TaskStateExited;
 * - an attempt failed: LambdaFunctionFailed (TaskFailed); retried: the next attempt's scheduled and
 *   started events; caught: TaskStateExited;
 * - a Map or Parallel entered: <Type>StateEntered and <Type>StateStarted; exited:
 *   <Type>StateSucceeded and <Type>StateExited; each Map iteration started, succeeded or failed: one;
 * - any other state: one event entering (Pass, Choice, Wait, Succeed, Fail) and one exiting;
 * - the execution started, and succeeded or failed: one each.
 */
export function historyEventsOf(event: LocalEvent, taskKinds: ReadonlyMap<string, TaskKind>): number {
  const kind = event.state ? taskKinds.get(event.state.name) : undefined;
  const attemptStarts = kind === 'service' ? 3 : 2;
  const stateType = event.state?.type;
  const nested = stateType === 'Map' || stateType === 'Parallel';
  switch (event.type) {
    case 'StateEntered':
      if (stateType === 'Task') return 1 + attemptStarts;
      return nested ? 2 : 1;
    case 'StateExited':
      return stateType === 'Task' || nested ? 2 : 1;
    case 'StateFailed':
    case 'StateCaught':
      return 1;
    case 'StateRetried':
      return stateType === 'Task' ? attemptStarts : 0;
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
    case 'ParallelBranchFailed':
      return 0;
    default:
      // ExecutionStarted/Succeeded/Failed/Aborted, MapIterationStarted/Succeeded/Failed.
      return 1;
  }
}

/** Which Task states run a Lambda function and which an integrated service, by state name. */
export function taskKindsOf(states: Iterable<[string, AslState]>): Map<string, TaskKind> {
  const kinds = new Map<string, TaskKind>();
  for (const [name, state] of states) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource ?? '');
    kinds.set(name, resource.startsWith('arn:aws:states:::') ? 'service' : 'lambda');
  }
  return kinds;
}

/** The UTF-8 size of a payload as Step Functions measures it: its JSON text. */
export function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The payloads of an event that the 256 KiB quota applies to, with what each is. */
export function payloadsOf(event: LocalEvent): [string, unknown][] {
  switch (event.type) {
    case 'ExecutionStarted':
      return [['the execution input', event.input]];
    case 'ExecutionSucceeded':
      return [['the execution output', event.output]];
    case 'StateEntered':
      return [[`the input of state "${event.state?.name}"`, event.state?.input]];
    case 'StateExited':
      return [[`the output of state "${event.state?.name}"`, event.state?.output]];
    default:
      return [];
  }
}

/** Counts an execution's history as it happens; says what quota it crossed, if any. */
export class ExecutionLimits {
  historyEvents = 0;
  largestPayloadBytes = 0;

  constructor(private readonly taskKinds: ReadonlyMap<string, TaskKind>) {}

  /** The failure Step Functions would end the execution with, once this event is recorded. */
  record(event: LocalEvent): { error: string; cause: string } | undefined {
    this.historyEvents += historyEventsOf(event, this.taskKinds);
    for (const [what, payload] of payloadsOf(event)) {
      const bytes = payloadBytes(payload);
      this.largestPayloadBytes = Math.max(this.largestPayloadBytes, bytes);
      if (bytes > PAYLOAD_BYTES_QUOTA) {
        return {
          error: DATA_LIMIT_EXCEEDED,
          cause: `${what} is ${bytes} bytes, over the ${PAYLOAD_BYTES_QUOTA}-byte payload quota of Step Functions`,
        };
      }
    }
    if (this.historyEvents > HISTORY_EVENTS_QUOTA) {
      return {
        error: HISTORY_LIMIT_EXCEEDED,
        cause: `the execution history reached ${this.historyEvents} events, over the quota of ${HISTORY_EVENTS_QUOTA} events per execution`,
      };
    }
    return undefined;
  }
}
