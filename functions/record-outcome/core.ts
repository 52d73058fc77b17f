// Keeps the tenant registry in step with the state machines: `start` takes the tenant's lock (one
// execution per tenant), registers the execution and hands back what earlier runs recorded (resource
// ids and which of them this system created), `success` stores every step's outcome and the final
// status, `failure` stores the failed step, the error's name and message, and answers the readable
// cause the execution fails with; both then release the lock.
import { ConflictError, PreconditionError, ValidationError } from '#lib/errors.ts';
import { emit, METRIC, type Metrics } from '#lib/metrics.ts';
import {
  type ExecutionLock,
  executionNameOf,
  type StepRecord,
  type TenantRecord,
  type TenantRegistry,
} from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { StepOutcomeRecord, WorkflowState } from '#lib/workflow-step.ts';

export type Operation = 'provision' | 'deprovision';

export interface RecordClients {
  registry: TenantRegistry;
  /** Each execution's outcome and duration; none when not given (the local world's default). */
  metrics?: Metrics;
}

/** Step Functions' error output: `Cause` is Lambda's JSON `{errorType, errorMessage}` or plain text. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

export function describeCause(error: CaughtError): string {
  try {
    const parsed = JSON.parse(error.Cause ?? '') as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: a Step Functions error such as States.Timeout carries plain text
  }
  return error.Cause ?? '';
}

function stepRecords(outcomes: Record<string, StepOutcomeRecord>, at: string): Record<string, StepRecord> {
  return Object.fromEntries(Object.entries(outcomes).map(([step, o]) => [step, { outcome: o.outcome, at }]));
}

function lockConflict(tenantId: string, execution: string, holder: ExecutionLock): ConflictError {
  return new ConflictError(
    `tenant ${tenantId} is held by the ${holder.kind} execution ${holder.execution}; this execution ` +
      `(${executionNameOf(execution)}) changed nothing: start it again once that one has ended`,
  );
}

/**
 * The lock first, before anything is written: an execution started from the console competes on it
 * like one the API started (which took it before starting and is accepted here). Another holder is
 * a ConflictError; the state machines route it to no Catch, so the execution fails without touching
 * the record, or the lock, of the execution that holds the tenant.
 */
export async function start(
  operation: Operation,
  input: { spec?: TenantSpec; tenantId?: string; execution: string },
  clients: RecordClients,
): Promise<WorkflowState> {
  let spec = input.spec;
  if (operation === 'deprovision') {
    if (!input.tenantId) throw new ValidationError('tenantId is required', { tenantId: ['required'] });
    const existing = await clients.registry.get(input.tenantId);
    if (!existing)
      throw new PreconditionError(`tenant ${input.tenantId} is not registered: nothing to deprovision`);
    spec = existing.spec;
  }
  if (!spec) throw new ValidationError('spec is required', { spec: ['required'] });
  const tenantId = spec.tenantId;
  const claim = await clients.registry.claimLock(tenantId, {
    execution: input.execution,
    kind: operation,
    ...(input.execution.startsWith('arn:') ? { executionArn: input.execution } : {}),
  });
  if (!claim.held) throw lockConflict(tenantId, input.execution, claim.holder);
  try {
    const record = await clients.registry.startExecution(spec, { kind: operation, name: input.execution });
    return { spec, resources: record.resources, outcomes: {} };
  } catch (error) {
    // Taken just now and nothing registered: free it, so a retry or another execution may go on.
    if (!claim.already) await clients.registry.releaseLock(tenantId, input.execution);
    throw error;
  }
}

export async function success(
  operation: Operation,
  state: WorkflowState,
  clients: RecordClients,
  execution: string,
): Promise<WorkflowState & { status: TenantRecord['status'] }> {
  const at = new Date().toISOString();
  const status = operation === 'provision' ? 'active' : 'deprovisioned';
  const record = await clients.registry.update(state.spec.tenantId, (current) => {
    if (!current) throw new PreconditionError(`tenant ${state.spec.tenantId} vanished from the registry`);
    const { lastError: _cleared, ...rest } = current;
    return {
      ...rest,
      status,
      resources: remaining(operation, state.resources),
      steps: { ...current.steps, ...stepRecords(state.outcomes, at) },
    };
  });
  // Conditional on holding it: never another execution's lock.
  await clients.registry.releaseLock(state.spec.tenantId, execution);
  if (clients.metrics) executionMetrics(clients.metrics, operation, record, at);
  return { ...state, status: record.status };
}

/** After deprovisioning nothing this system created is left; ids of what the tenant brought stay. */
function remaining(operation: Operation, resources: Resources): Resources {
  if (operation === 'provision') return resources;
  const kept: Resources = {};
  if (resources.userPoolId && !resources.created?.includes('userPoolId'))
    kept.userPoolId = resources.userPoolId;
  if (resources.appClientId && !resources.created?.includes('appClientId'))
    kept.appClientId = resources.appClientId;
  return kept;
}

export async function failure(
  operation: Operation,
  state: WorkflowState & { failedStep: string; error: CaughtError },
  clients: RecordClients,
  execution: string,
): Promise<{ error: string; cause: string }> {
  const message = describeCause(state.error);
  const at = new Date().toISOString();
  const record = await clients.registry.update(state.spec.tenantId, (current) => {
    if (!current) throw new PreconditionError(`tenant ${state.spec.tenantId} vanished from the registry`);
    return {
      ...current,
      status: 'failed',
      resources: state.resources,
      steps: { ...current.steps, ...stepRecords(state.outcomes, at) },
      lastError: {
        step: state.failedStep,
        errorName: state.error.Error,
        message: message.slice(0, 1000),
        at,
      },
    };
  });
  await clients.registry.releaseLock(state.spec.tenantId, execution);
  if (clients.metrics) executionMetrics(clients.metrics, operation, record, at, state.failedStep);
  return {
    error: state.error.Error,
    cause: `${operation} of tenant ${state.spec.tenantId} failed at ${state.failedStep}: ${state.error.Error}: ${message}`,
  };
}

/**
 * An execution's outcome, per operation (and, for a failure, the step it failed at), and its
 * duration from the start the registry recorded, so a dashboard shows success, failure and p95.
 */
function executionMetrics(
  metrics: Metrics,
  operation: Operation,
  record: TenantRecord,
  at: string,
  failedStep?: string,
): void {
  const dimensions = { Operation: operation };
  const startedAt = Date.parse(record.lastExecution?.startedAt ?? '');
  if (Number.isFinite(startedAt)) {
    const durationMs = Math.max(0, Date.parse(at) - startedAt);
    emit(metrics, dimensions, [{ name: METRIC.executionDuration, unit: 'Milliseconds', value: durationMs }]);
  }
  if (failedStep === undefined) {
    emit(metrics, dimensions, [{ name: METRIC.executionSucceeded, unit: 'Count', value: 1 }]);
    return;
  }
  // Once per operation (what a graph or an alarm sums) and once per step (where to look).
  emit(metrics, dimensions, [{ name: METRIC.executionFailed, unit: 'Count', value: 1 }]);
  emit(metrics, { ...dimensions, FailedStep: failedStep }, [
    { name: METRIC.executionFailed, unit: 'Count', value: 1 },
  ]);
}
