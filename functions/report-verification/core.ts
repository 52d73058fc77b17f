// What a verification run tells the world: an event for each tenant whose state changed (sent by
// its Map item), and page by page the metrics (counts by state, by reason code, durations) and the
// running totals the machine carries to its summary.

import { emit, METRIC, type Metrics, type MetricValue } from '#lib/metrics.ts';
import { EVENT_DETAIL_TYPES, FEDERATION_STATES } from '#lib/verification/state.ts';
import type { FederationState, ItemSummary, TenantResult } from '#lib/verification/types.ts';
import type { RunSettings, Totals } from '../list-tenants/core.ts';
import type { FederationEvent, FederationEventSink } from './events.ts';

/** A Map item's result: the verification's summary, or the same shape for an item that was caught. */
export type ItemResult = ItemSummary;

export interface ReportDeps {
  events: FederationEventSink;
  /** Powertools' metrics: EMF on stdout on Lambda, kept in memory locally (lib/metrics.ts). */
  metrics: Metrics;
  now?: () => Date;
}

const ATTENTION_LIMIT = 50;

function isFederationState(state: string): state is FederationState {
  return (FEDERATION_STATES as readonly string[]).includes(state);
}

/** A change of state is announced; a verification that could not run changes nothing. */
const announces = (result: Pick<ItemSummary, 'changed' | 'state'>) =>
  result.changed && isFederationState(result.state);

/** The change of one tenant's state, as its event: sent by the Map item as soon as it is known. */
export type TenantChange = Pick<
  TenantResult,
  'tenantId' | 'state' | 'previousState' | 'changed' | 'failing'
> & {
  repair?: TenantResult['repair'];
};

export function eventFor(result: TenantChange, execution: string, at: Date): FederationEvent | undefined {
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

export async function reportChange(
  input: { change: TenantChange; execution: string },
  deps: ReportDeps,
): Promise<{ sent: boolean }> {
  const event = eventFor(input.change, input.execution, (deps.now ?? (() => new Date()))());
  if (event) await deps.events.put([event]);
  return { sent: event !== undefined };
}

export async function reportPage(
  input: { run: RunSettings; totals: Totals; results: ItemResult[] },
  deps: ReportDeps,
): Promise<Totals> {
  const at = (deps.now ?? (() => new Date()))();
  const results = input.results;
  const changes = results.filter(announces).length;

  const count = (state: string) => results.filter((r) => r.state === state).length;
  const repairs = results.filter((r) => r.repairAttempted);
  const repaired = repairs.filter((r) => r.state === 'verified').length;
  const metrics: MetricValue[] = [
    { name: METRIC.tenantsVerified, unit: 'Count', value: count('verified') },
    { name: METRIC.tenantsDrifted, unit: 'Count', value: count('drifted') },
    { name: METRIC.tenantsBroken, unit: 'Count', value: count('broken') },
    { name: METRIC.verificationErrors, unit: 'Count', value: count('error') },
    { name: METRIC.stateChanges, unit: 'Count', value: changes },
    { name: METRIC.repairsAttempted, unit: 'Count', value: repairs.length },
    { name: METRIC.repairsSucceeded, unit: 'Count', value: repaired },
  ];
  const durations = results.filter((r) => r.state !== 'error').map((r) => r.durationMs);
  if (durations.length > 0)
    metrics.push({ name: METRIC.verificationDuration, unit: 'Milliseconds', value: durations });
  emit(deps.metrics, {}, metrics, at);
  // Failing checks by reason code: what an alarm on, say, SECRET_MISMATCH watches.
  const reasons = new Map<string, number>();
  for (const result of results) {
    for (const reason of result.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, n] of reasons) {
    emit(deps.metrics, { Reason: reason }, [{ name: METRIC.failingChecks, unit: 'Count', value: n }], at);
  }

  const totals = input.totals;
  const attention = results.filter((r) => r.state !== 'verified').map((r) => r.tenantId);
  return {
    tenants: totals.tenants + results.length,
    verified: totals.verified + count('verified'),
    drifted: totals.drifted + count('drifted'),
    broken: totals.broken + count('broken'),
    errors: totals.errors + count('error'),
    changed: totals.changed + changes,
    repairsAttempted: totals.repairsAttempted + repairs.length,
    repaired: totals.repaired + repaired,
    events: totals.events + changes,
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
  const totals = input.totals;
  emit(
    deps.metrics,
    {},
    [
      { name: METRIC.verificationRunDuration, unit: 'Milliseconds', value: durationMs },
      { name: METRIC.tenantsSkipped, unit: 'Count', value: totals.skipped },
    ],
    finished,
  );
  // The run's totals as a gauge per state: tenants by state over time, whatever the paging.
  const byState: Record<FederationState | 'error', number> = {
    verified: totals.verified,
    drifted: totals.drifted,
    broken: totals.broken,
    error: totals.errors,
  };
  for (const [state, n] of Object.entries(byState)) {
    emit(deps.metrics, { State: state }, [{ name: METRIC.tenants, unit: 'Count', value: n }], finished);
  }
  return {
    ...input.totals,
    repair: input.run.repair,
    startedAt: input.run.startedAt,
    finishedAt: finished.toISOString(),
    durationMs,
  };
}
