// The verification machines' handlers over a registry held in memory, each tenant's verification
// answered at once as verify-tenant answers for a verified tenant that did not change (the reports
// and summaries are the real ones): what is exercised is the machines' bookkeeping (pages,
// continuation, history and payload sizes), not the verification. For the unit test of the pages
// and the benchmark of a run over 100,000 tenants.
import { MemoryMetrics } from '#lib/metrics.ts';
import { listTenantsTask } from '../../functions/list-tenants/handler.ts';
import {
  type ItemResult,
  reportPage,
  summarize,
  type TenantChange,
} from '../../functions/report-verification/core.ts';
import type { HandlersByPlaceholder, LambdaHandler } from '../../local/runner.ts';

/** A verified tenant's item in a page's results, as verify-tenant summarizes it. */
export function itemResult(tenantId: string, overrides: Partial<ItemResult> = {}): ItemResult {
  return {
    tenantId,
    state: 'verified',
    changed: false,
    durationMs: 300,
    reasons: [],
    repairAttempted: false,
    ...overrides,
  };
}

/** A verified tenant that did not change, as verify-tenant answers it to the report. */
export function tenantChange(tenantId: string, overrides: Partial<TenantChange> = {}): TenantChange {
  return {
    tenantId,
    state: 'verified',
    previousState: 'verified',
    changed: false,
    failing: [],
    ...overrides,
  };
}

/**
 * Handlers for `ids`, all active tenants with their resources recorded. The registry lists the
 * `limit` records after the cursor, as DynamoDB pages them, or `perPage` whatever the machine asks.
 */
export function fakeVerificationHandlers(ids: readonly string[], perPage?: number): HandlersByPlaceholder {
  const registry = {
    get: async () => undefined,
    list: async ({ limit, cursor }: { limit: number; cursor?: string }) => {
      const from = cursor ? Number(cursor) : 0;
      const to = from + (perPage ?? limit);
      const items = ids.slice(from, to).map((tenantId) => ({
        tenantId,
        status: 'active',
        resources: {
          userPoolId: `eu-west-1_${tenantId}`,
          appClientId: `client${tenantId}`,
          identityProviderName: `authentik-${tenantId}`,
        },
      }));
      return { items, ...(to < ids.length ? { cursor: String(to) } : {}) };
    },
  };
  const deps = { events: { put: async () => {} }, metrics: new MemoryMetrics() };
  return {
    ListTenantsFunctionArn: listTenantsTask({ registry } as never) as LambdaHandler,
    // What verify-tenant answers for a verified tenant that did not change: its summary.
    VerifyTenantFunctionArn: async (event) => {
      const { tenantId } = event as { tenantId: string };
      return {
        ...tenantChange(tenantId),
        repairable: false,
        summary: itemResult(tenantId, { durationMs: 1 }),
      };
    },
    ReportVerificationFunctionArn: async (event) => {
      const { action } = event as { action: string };
      if (action === 'page') return reportPage(event as Parameters<typeof reportPage>[0], deps);
      if (action === 'summary') return summarize(event as Parameters<typeof summarize>[0], deps);
      return { sent: false };
    },
  };
}
