// The state machine's first state: the console's (or the API's) JSON parsed as a tenant spec and
// nothing else, so a bad input fails at once with the field named, before any client is built, any
// secret read or anything written.
import type { StepAction, StepEvent, WorkflowState } from '#lib/handler.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';

export interface ValidateTenantEvent extends Omit<StepEvent, 'action'> {
  action?: StepAction | 'parse';
}

/** Throws ValidationError naming each bad field; returns the spec with its defaults filled in. */
export function parseAction(event: Pick<StepEvent, 'spec'>, deployment: Deployment): WorkflowState {
  return { spec: parseTenantSpec(event.spec, deployment), resources: {}, outcomes: {} };
}

/** `parse` is answered here; apply, destroy and check go to the step handler. */
export function withParseAction(
  deployment: Deployment,
  step: (event: StepEvent) => Promise<WorkflowState>,
): (event: ValidateTenantEvent) => Promise<WorkflowState> {
  return async (event) => {
    if (event.action === 'parse') return parseAction(event, deployment);
    return step(event as StepEvent);
  };
}
