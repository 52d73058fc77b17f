// What the API core needs from whatever runs the state machines: Step Functions on AWS
// (sfn-starter.ts), the local runner in the local API (local/api-executions.ts).
import type { ExecutionRecord, TenantRecord } from '#lib/registry.ts';
import type { ExecutionView, MachineKind } from './types.ts';

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface StartedExecution {
  executionArn: string;
  name: string;
  startDate: string;
  /**
   * Set when the name was already taken by an execution that has finished, or that runs with another
   * input (Step Functions' ExecutionAlreadyExists): that execution's status. Absent when this call
   * started the execution, or found the same one (same name, same input) still running.
   */
  existingStatus?: ExecutionStatus;
}

/** An execution as DescribeExecution tells it. */
export interface DescribedExecution {
  executionArn: string;
  name: string;
  startDate: string;
  status: ExecutionStatus;
}

export interface ExecutionStarter {
  startExecution(machine: MachineKind, name: string, input: unknown): Promise<StartedExecution>;
  /** The ARN an execution of `machine` named `name` has (or will have once started). */
  executionArnOf(machine: MachineKind, name: string): string;
  /**
   * The execution with this ARN; undefined when there is none (not started yet, or never): the
   * API tells a tenant's lock held by a running execution from one a dead execution left behind.
   */
  describeExecution(executionArn: string): Promise<DescribedExecution | undefined>;
  /**
   * The execution running for the tenant, if any. `last` is the registry's last execution while the
   * registry says one runs: an execution started from the console carries a name of the operator's
   * choosing, and only this way is it found.
   */
  describeRunning(tenantId: string, last?: ExecutionRecord): Promise<ExecutionView | undefined>;
}

/** Starts the check of one tenant's federation (the verify-federation step, `check` action). */
export interface Verifier {
  verify(record: TenantRecord): Promise<StartedExecution>;
}

/** No verification machine is configured in this deployment: 501. */
export class VerificationUnavailableError extends Error {
  override readonly name = 'VerificationUnavailableError';
}
