// The plan of a tenant spec: the preflight, then every step's own `check()` in the order provisioning
// applies them, against what the registry recorded for the tenant (nothing, for a new one). Reads
// only: a plan makes no write on either side, nor in the registry or Secrets Manager.
import { PROVISIONING_STEPS, type ProvisioningStepName } from '../../catalog.ts';
import { type StepCoreClients, stepCoreChecks } from '../../step-cores.ts';
import { preflight } from '../../validate-tenant/core.ts';
import { AuthentikAuthError, PreconditionError, TransientError } from '../errors.ts';
import { mergeResources } from '../registry-records.ts';
import { retryTransient } from '../retry-transient.ts';
import type { CheckResult, Drift, Resources } from '../step.ts';
import { parseTenantSpec, type TenantSpec } from '../tenant-spec.ts';
import type { TenantVerifyClients } from '../verification/types.ts';
import type { PlanAction, PlanChange, PlanProblem, StepPlan, TenantPlan } from './types.ts';

export type PlanClients = StepCoreClients;

const ACTIONS: Record<CheckResult['outcome'], PlanAction> = {
  missing: 'create',
  drifted: 'update',
  'in-sync': 'leave',
};

const PROBLEM_ERRORS = {
  precondition: 'PreconditionError',
  conflict: 'ConflictError',
  limit: 'LimitExceededError',
} as const;

/**
 * Fields that name a secret show only whether there is one, and a secret's ARN is not shown either
 * (API views never show them): the steps put no secret value in their drift, and a plan is printed.
 */
const SECRET_FIELD = /secret|password|token/i;
const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:/;

const redacted = (value: unknown) =>
  value === null || value === undefined ? null : SECRET_ARN.test(String(value)) ? '(secret)' : value;

export function changeOf(drift: Drift): PlanChange {
  if (!SECRET_FIELD.test(drift.field)) {
    return { field: drift.field, current: redacted(drift.actual), desired: redacted(drift.expected) };
  }
  return {
    field: drift.field,
    current: drift.actual === null || drift.actual === undefined ? null : '(secret)',
    desired: '(secret)',
  };
}

// Our errors name fields and objects, never a secret value.
const messageOf = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * A plan reads in bursts (the preflight and nine checks, several of the same pool), and Cognito
 * throttles reads per pool and operation (5 per second): a throttled or failing read is tried again
 * with backoff, as the provision machine's Retry would, before it ends the plan.
 */
const READ_ATTEMPTS = 5;
const READ_BACKOFF_MS = 250;

export function retried<T>(read: () => Promise<T>, backoffMs = READ_BACKOFF_MS): Promise<T> {
  return retryTransient(read, { attempts: READ_ATTEMPTS, baseMs: backoffMs });
}

async function planStep(
  step: ProvisioningStepName,
  spec: TenantSpec,
  resources: Resources,
  clients: PlanClients,
  earlier: readonly StepPlan[],
): Promise<StepPlan> {
  try {
    const result = await retried(() => stepCoreChecks[step](spec, resources, clients));
    return { step, action: ACTIONS[result.outcome], changes: result.drift.map(changeOf) };
  } catch (error) {
    // A failing service or a refused token ends the plan, as it would end provisioning.
    if (error instanceof TransientError || error instanceof AuthentikAuthError) throw error;
    // A check that needs an object an earlier step creates (the pool, the issuer, the stored
    // client) cannot read it yet; its own object is made after those, so it is created too.
    if (error instanceof PreconditionError && earlier.some((s) => s.action === 'create')) {
      return { step, action: 'create', changes: [], note: `after the steps before it: ${error.message}` };
    }
    return { step, action: 'unknown', changes: [], note: messageOf(error) };
  }
}

/**
 * What provisioning `spec` would do now. `recorded` is what the registry holds for the tenant
 * (its resources), undefined for a tenant that was never provisioned.
 */
export async function planTenant(
  spec: TenantSpec,
  recorded: Resources | undefined,
  clients: PlanClients,
): Promise<TenantPlan> {
  const found = await retried(() => preflight(spec, recorded ?? {}, clients));
  const problems: PlanProblem[] = found.problems.map((problem) => ({
    field: problem.field,
    message: problem.message,
    errorName: PROBLEM_ERRORS[problem.kind],
  }));
  const resources = mergeResources(recorded ?? {}, found.resources);
  const steps: StepPlan[] = [];
  for (const step of PROVISIONING_STEPS) {
    steps.push(await planStep(step, spec, resources, clients, steps));
  }
  return {
    tenantId: spec.tenantId,
    registered: recorded !== undefined,
    pending: steps.some((s) => s.action === 'create' || s.action === 'update'),
    blocked: problems.length > 0 || steps.some((s) => s.action === 'unknown'),
    problems,
    steps,
    writes: 0,
  };
}

/** What a plan of one tenant needs: the verification's clients (reads of the registry only). */
export type TenantPlanClients = Pick<
  TenantVerifyClients,
  'cognito' | 'secretsFor' | 'secretPrefix' | 'deployment' | 'authentik'
> & { registry: Pick<TenantVerifyClients['registry'], 'get'> };

/**
 * The plan of a spec as a caller sends it: parsed under the deployment's rules (ValidationError
 * naming each bad field), checked against the tenant's recorded resources.
 */
export async function planSpec(input: unknown, clients: TenantPlanClients): Promise<TenantPlan> {
  const spec = parseTenantSpec(input, clients.deployment);
  const record = await clients.registry.get(spec.tenantId);
  return planTenant(spec, record?.resources, {
    cognito: clients.cognito,
    secrets: clients.secretsFor(spec.tenantId),
    authentik: await clients.authentik(spec),
    secretPrefix: clients.secretPrefix,
  });
}
