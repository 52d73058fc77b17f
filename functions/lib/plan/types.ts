// What a plan says: for each step of the guide, what provisioning the spec would do, field by field.
// It is built from the steps' own `check()` (their drift), so it never holds a secret value; fields
// that name a secret show `(secret)` on both sides all the same.
import type { ProvisioningStepName } from '../../catalog.ts';

/** `create`: the object is missing; `update`: it differs; `leave`: in sync; `unknown`: not checkable. */
export type PlanAction = 'create' | 'update' | 'leave' | 'unknown';

export interface PlanChange {
  /** The step's field, in the domain's words: `redirect_uris`, `SupportedIdentityProviders`, … */
  field: string;
  /** What is there now (null: nothing). */
  current: unknown;
  /** What provisioning would set. */
  desired: unknown;
}

export interface StepPlan {
  step: ProvisioningStepName;
  action: PlanAction;
  changes: PlanChange[];
  /** Why, when the changes alone do not say it: an object an earlier step creates first, an error. */
  note?: string;
}

/** Something that would stop provisioning before its first write (the preflight's findings). */
export interface PlanProblem {
  field: string;
  message: string;
  /** The error provisioning would fail with: PreconditionError, ConflictError, LimitExceededError. */
  errorName: string;
}

export interface TenantPlan {
  tenantId: string;
  /** The tenant is in the registry (its recorded resources were checked), or new. */
  registered: boolean;
  /** Some step would create or update something. */
  pending: boolean;
  /** Provisioning would fail (problems), or a step could not be checked. */
  blocked: boolean;
  problems: PlanProblem[];
  steps: StepPlan[];
  /** Writes the plan made: always 0, stated so a machine can rely on it. */
  writes: 0;
}
