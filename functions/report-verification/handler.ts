// Lambda entry for report-verification: `change` puts the event of one tenant whose state changed
// (from its Map item), `page` puts the page's metrics and answers the running totals, `summary`
// closes the run.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { loadEnv } from '#lib/env.ts';
import { ValidationError } from '#lib/errors.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
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
import { stdoutMetrics } from './metrics.ts';

export type ReportEvent =
  | { action: 'change'; change: TenantChange; execution: string }
  | { action: 'page'; run: RunSettings; totals: Totals; results: ItemResult[] }
  | { action: 'summary'; run: RunSettings; totals: Totals };

/** Built for its sinks, so the local world can collect the events and metrics in memory. */
export function reportVerificationHandler(deps: ReportDeps) {
  return async (event: ReportEvent) => {
    if (event.action === 'change') return reportChange(event, deps);
    if (event.action === 'page') return reportPage(event, deps);
    if (event.action === 'summary') return summarize(event, deps);
    throw new ValidationError('unknown report-verification action', {
      action: ['must be change, page or summary'],
    });
  };
}

let deps: ReportDeps | undefined;
export const handler = (event: ReportEvent) => {
  if (!deps) {
    const env = loadEnv(reportEnv);
    deps = {
      events: eventBridgeSink(new EventBridgeClient({}), {
        busName: env.EVENT_BUS_NAME,
        source: env.EVENT_SOURCE,
      }),
      metrics: stdoutMetrics,
      namespace: env.METRICS_NAMESPACE,
      service: SERVICE_NAME,
    };
  }
  return reportVerificationHandler(deps)(event);
};
