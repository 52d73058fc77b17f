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

export interface ExecutionStarter {
  startExecution(machine: MachineKind, name: string, input: unknown): Promise<StartedExecution>;
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
