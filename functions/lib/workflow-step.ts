// The one wrapper every step Lambda shares (the catalog's preflight, steps and verification). The
// state machine hands each Task the same payload, `{ step, action, spec, resources, outcomes }`, and
// gets back `{ spec, resources, outcomes }` with this step's outcome and resources merged in, so the
// ASL stays a plain chain of Tasks.
//
// The spec is parsed again here, not trusted: an operator can start an execution with any JSON.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WorkflowStepName } from '../catalog.ts';
import { ValidationError } from './errors.ts';
import { type BuildersOf, type CoreClients, lambdaClients, tenantClients } from './lambda.ts';
import { createLogger, forTenant } from './logger.ts';
import { emit, lambdaMetrics, METRIC, type Metrics } from './metrics.ts';
import { mergeResources } from './registry.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from './step.ts';
import { type Deployment, parseTenantSpec, type TenantSpec } from './tenant-spec.ts';

/** `parse` only validates the spec: the state machines' first state, which must touch nothing. */
export type StepAction = 'parse' | 'apply' | 'destroy' | 'check';

export interface StepOutcomeRecord {
  action: StepAction;
  outcome: string;
  writes?: number;
  drift?: Drift[];
  durationMs: number;
}

/** What travels between the Tasks of the state machines: ids and outcomes, never a secret. */
export interface WorkflowState {
  spec: TenantSpec;
  resources: Resources;
  outcomes: Record<string, StepOutcomeRecord>;
}

export interface StepEvent {
  step?: string;
  action?: StepAction;
  spec: unknown;
  resources?: Resources;
  outcomes?: Record<string, StepOutcomeRecord>;
}

export interface StepModule<C> {
  apply(spec: TenantSpec, resources: Resources, clients: C): Promise<ApplyResult>;
  destroy(spec: TenantSpec, resources: Resources, clients: C): Promise<DestroyResult>;
  check(spec: TenantSpec, resources: Resources, clients: C): Promise<CheckResult>;
}

const actions = new Set<StepAction>(['parse', 'apply', 'destroy', 'check']);

/** A step's Task: the workflow's payload in, the workflow's state with the step's outcome out. */
export function workflowStep<C>(
  step: string,
  module: StepModule<C>,
  clientsFor: (spec: TenantSpec) => C | Promise<C>,
  deployment: () => Deployment,
  logger: Logger = createLogger(step),
  /** Each run's duration and outcome; none when not given (the local world's default). */
  metrics?: Metrics,
): (event: StepEvent) => Promise<WorkflowState> {
  return async (event) => {
    const action = event.action ?? 'apply';
    if (!actions.has(action)) {
      throw new ValidationError(`unknown action for ${step}`, {
        action: ['must be parse, apply, destroy or check'],
      });
    }
    const spec = parseTenantSpec(event.spec, deployment());
    if (action === 'parse') return { spec, resources: {}, outcomes: {} };
    forTenant(logger, spec.tenantId);
    const resources = event.resources ?? {};
    const started = Date.now();
    let record: StepOutcomeRecord;
    let next = resources;
    try {
      ({ record, next } = await run(module, action, spec, resources, await clientsFor(spec), started));
    } catch (error) {
      if (metrics) stepMetrics(metrics, step, action, Date.now() - started);
      throw error;
    }
    if (metrics) stepMetrics(metrics, step, action, record.durationMs, record.outcome);
    logger.info(`${step} ${action}: ${record.outcome}`, { ...record });
    return { spec, resources: next, outcomes: { ...event.outcomes, [step]: record } };
  };
}

/** One action of a step's core, and what the workflow keeps of it. */
async function run<C>(
  module: StepModule<C>,
  action: Exclude<StepAction, 'parse'>,
  spec: TenantSpec,
  resources: Resources,
  clients: C,
  started: number,
): Promise<{ record: StepOutcomeRecord; next: Resources }> {
  let record: StepOutcomeRecord;
  let next = resources;
  if (action === 'apply') {
    const result = await module.apply(spec, resources, clients);
    next = mergeResources(resources, result.resources);
    record = { action, outcome: result.outcome, writes: result.writes, durationMs: Date.now() - started };
  } else if (action === 'destroy') {
    const result = await module.destroy(spec, resources, clients);
    // A destroy answers every resource that remains (what it deleted is gone, `created` included).
    next = result.resources;
    record = { action, outcome: result.outcome, durationMs: Date.now() - started };
  } else {
    const result = await module.check(spec, resources, clients);
    record = { action, outcome: result.outcome, drift: result.drift, durationMs: Date.now() - started };
  }
  return { record, next };
}

/**
 * A step run's metrics: its duration and whether it returned, per step and action, and the outcome
 * it returned (created, updated, unchanged…) under its own dimension. A run that threw has no outcome.
 */
function stepMetrics(
  metrics: Metrics,
  step: string,
  action: StepAction,
  durationMs: number,
  outcome?: string,
) {
  const dimensions = { Step: step, Action: action };
  emit(metrics, dimensions, [
    { name: METRIC.stepDuration, unit: 'Milliseconds', value: durationMs },
    { name: outcome === undefined ? METRIC.stepFailed : METRIC.stepSucceeded, unit: 'Count', value: 1 },
  ]);
  if (outcome !== undefined) {
    emit(metrics, { ...dimensions, Outcome: outcome }, [
      { name: METRIC.stepOutcome, unit: 'Count', value: 1 },
    ]);
  }
}

/**
 * A step's Lambda entry: its clients built from its environment once per cold start (the builders
 * its catalog entry calls for), then the step wrapper around its core.
 */
export function stepLambda<N extends WorkflowStepName>(
  name: N,
  core: StepModule<CoreClients<N>>,
  builders: BuildersOf<N>,
) {
  const clients = lambdaClients(name, builders);
  const deployment = deploymentOf(clients);
  return workflowStep(
    name,
    core,
    tenantClients(clients),
    () => deployment,
    createLogger(name),
    lambdaMetrics(),
  );
}

/** Every step parses the spec, so its environment has the deployment's SSRF boundary. */
function deploymentOf(clients: object): Deployment {
  if (!('deployment' in clients))
    throw new Error('a step Lambda needs the deployment (ALLOWED_AUTHENTIK_HOSTS)');
  return clients.deployment as Deployment;
}
