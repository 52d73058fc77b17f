// Keeps the tenant registry in step with the state machines: `start` registers the execution and
// hands back what earlier runs recorded (resource ids and which of them this system created),
// `success` stores every step's outcome and the final status, `failure` stores the failed step, the
// error's name and message, and answers the readable cause the execution fails with.
import { PreconditionError, ValidationError } from '#lib/errors.ts';
import type { StepOutcomeRecord, WorkflowState } from '#lib/handler.ts';
import type { StepRecord, TenantRecord, TenantRegistry } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export type Operation = 'provision' | 'deprovision';

export interface RecordClients {
  registry: TenantRegistry;
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
  const record = await clients.registry.startExecution(spec, { kind: operation, name: input.execution });
  return { spec, resources: record.resources, outcomes: {} };
}

export async function success(
  operation: Operation,
  state: WorkflowState,
  clients: RecordClients,
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
): Promise<{ error: string; cause: string }> {
  const message = describeCause(state.error);
  const at = new Date().toISOString();
  await clients.registry.update(state.spec.tenantId, (current) => {
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
  return {
    error: state.error.Error,
    cause: `${operation} of tenant ${state.spec.tenantId} failed at ${state.failedStep}: ${state.error.Error}: ${message}`,
  };
}
