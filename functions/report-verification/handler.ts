// Lambda entry for report-verification: `change` puts the event of one tenant whose state changed
// (from its Map item), `page` puts the page's metrics and answers the running totals, `summary`
// closes the run.
import { ValidationError } from '#lib/errors.ts';
import { functionEnv, lambdaClients, lambdaEntry } from '#lib/lambda.ts';
import { lambdaMetrics } from '#lib/metrics.ts';
import { events } from '#lib/wiring/events.ts';
import type { RunSettings, Totals } from '../list-tenants/core.ts';
import {
  type ItemResult,
  type ReportDeps,
  reportChange,
  reportPage,
  summarize,
  type TenantChange,
} from './core.ts';
import { reportEnv } from './env.ts';

export { reportEnv };

import { eventBridgeSink } from './events.ts';

export type ReportEvent =
  | { action: 'change'; change: TenantChange; execution: string }
  | { action: 'page'; run: RunSettings; totals: Totals; results: ItemResult[] }
  | { action: 'summary'; run: RunSettings; totals: Totals };

/** The function's task for its sinks, so the local world can collect the events and metrics in memory. */
export function reportVerificationTask(deps: ReportDeps) {
  return async (event: ReportEvent) => {
    if (event.action === 'change') return reportChange(event, deps);
    if (event.action === 'page') return reportPage(event, deps);
    if (event.action === 'summary') return summarize(event, deps);
    throw new ValidationError('unknown report-verification action', {
      action: ['must be change, page or summary'],
    });
  };
}

export const handler = lambdaEntry(() => {
  const env = functionEnv('report-verification');
  const clients = lambdaClients('report-verification', { events }, env);
  return reportVerificationTask({
    events: eventBridgeSink(clients.events, { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE }),
    metrics: lambdaMetrics(env.METRICS_NAMESPACE),
  });
});
