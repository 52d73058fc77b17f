// What a verification run tells the world, page by page: an event for each tenant whose state
// changed, metrics (counts by state, by reason code, durations), and the running totals the machine
// carries to its summary.
import type { RunSettings, Totals } from '../list-tenants/core.ts';
import { EVENT_DETAIL_TYPES, FEDERATION_STATES, type FederationState } from '../verify-federation/state.ts';
import type { TenantResult } from '../verify-tenant/core.ts';
import type { FederationEvent, FederationEventSink } from './events.ts';
import { emfDocument, type Metric, type MetricsSink } from './metrics.ts';

/** A Map item's result: the verification's (without the spec), or the error the item was caught with. */
export type ItemResult =
  | Omit<TenantResult, 'spec'>
  | { tenantId: string; state: 'error'; caught: { Error: string; Cause?: string } };

export interface ReportDeps {
  events: FederationEventSink;
  metrics: MetricsSink;
  namespace: string;
  /** The Service dimension of every metric. */
  service: string;
  now?: () => Date;
}

const ATTENTION_LIMIT = 50;

function isFederationState(state: string): state is FederationState {
  return (FEDERATION_STATES as readonly string[]).includes(state);
}

/** The items' results as one shape: a caught item is an error without failing checks. */
export function normalize(item: ItemResult): Omit<TenantResult, 'spec'> {
  if ('caught' in item) {
    return {
      tenantId: item.tenantId,
      state: 'error',
      previousState: 'unknown',
      changed: false,
      failing: [],
      repairable: false,
      durationMs: 0,
      error: { name: item.caught.Error, message: (item.caught.Cause ?? '').slice(0, 1000) },
      repair: null,
    };
  }
  return item;
}

export function eventFor(
  result: Pick<TenantResult, 'tenantId' | 'state' | 'previousState' | 'changed' | 'failing'> & {
    repair?: TenantResult['repair'];
  },
  execution: string,
  at: Date,
): FederationEvent | undefined {
  if (!result.changed || !isFederationState(result.state)) return undefined;
  return {
    detailType: EVENT_DETAIL_TYPES[result.state],
    detail: {
      tenantId: result.tenantId,
      state: result.state,
      previousState: result.previousState,
      failing: result.failing.map(({ check, reason }) => ({ check, reason })),
      ...(result.repair
        ? { repair: { provisioning: result.repair.provisioning, fixed: result.repair.fixed } }
        : {}),
      execution,
      checkedAt: at.toISOString(),
    },
  };
}

export async function reportPage(
  input: { run: RunSettings; totals: Totals; results: ItemResult[]; execution: string },
  deps: ReportDeps,
): Promise<Totals> {
  const at = (deps.now ?? (() => new Date()))();
  const results = input.results.map(normalize);
  const events = results
    .map((result) => eventFor(result, input.execution, at))
    .filter((event): event is FederationEvent => event !== undefined);
  await deps.events.put(events);

  const count = (state: string) => results.filter((r) => r.state === state).length;
  const repairs = results.filter((r) => r.repair !== null);
  const repaired = repairs.filter((r) => r.state === 'verified').length;
  const metrics: Metric[] = [
    { name: 'TenantsVerified', unit: 'Count', value: count('verified') },
    { name: 'TenantsDrifted', unit: 'Count', value: count('drifted') },
    { name: 'TenantsBroken', unit: 'Count', value: count('broken') },
    { name: 'VerificationErrors', unit: 'Count', value: count('error') },
    { name: 'StateChanges', unit: 'Count', value: events.length },
    { name: 'RepairsAttempted', unit: 'Count', value: repairs.length },
    { name: 'RepairsSucceeded', unit: 'Count', value: repaired },
  ];
  const durations = results.filter((r) => r.state !== 'error').map((r) => r.durationMs);
  if (durations.length > 0)
    metrics.push({ name: 'VerificationDuration', unit: 'Milliseconds', value: durations });
  const dimensions = { Service: deps.service };
  deps.metrics(emfDocument(deps.namespace, dimensions, metrics, at.getTime()));
  // Failing checks by reason code: what an alarm on, say, SECRET_MISMATCH watches.
  const reasons = new Map<string, number>();
  for (const result of results) {
    for (const { reason } of result.failing) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, n] of reasons) {
    deps.metrics(
      emfDocument(
        deps.namespace,
        { ...dimensions, Reason: reason },
        [{ name: 'FailingChecks', unit: 'Count', value: n }],
        at.getTime(),
      ),
    );
  }

  const totals = input.totals;
  const attention = results.filter((r) => r.state !== 'verified').map((r) => r.tenantId);
  return {
    tenants: totals.tenants + results.length,
    verified: totals.verified + count('verified'),
    drifted: totals.drifted + count('drifted'),
    broken: totals.broken + count('broken'),
    errors: totals.errors + count('error'),
    changed: totals.changed + events.length,
    repairsAttempted: totals.repairsAttempted + repairs.length,
    repaired: totals.repaired + repaired,
    events: totals.events + events.length,
    skipped: totals.skipped,
    attention: [...totals.attention, ...attention].slice(0, ATTENTION_LIMIT),
  };
}

export interface RunSummary extends Totals {
  repair: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export function summarize(input: { run: RunSettings; totals: Totals }, deps: ReportDeps): RunSummary {
  const finished = (deps.now ?? (() => new Date()))();
  const durationMs = Math.max(0, finished.getTime() - Date.parse(input.run.startedAt));
  deps.metrics(
    emfDocument(
      deps.namespace,
      { Service: deps.service },
      [
        { name: 'VerificationRunDuration', unit: 'Milliseconds', value: durationMs },
        { name: 'TenantsSkipped', unit: 'Count', value: input.totals.skipped },
      ],
      finished.getTime(),
    ),
  );
  return {
    ...input.totals,
    repair: input.run.repair,
    startedAt: input.run.startedAt,
    finishedAt: finished.toISOString(),
    durationMs,
  };
}
