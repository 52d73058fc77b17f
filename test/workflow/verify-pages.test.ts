// The verification run's pages, each in its own execution of verify-tenants-page, under the strict
// layer's real Cognito quotas: 30 tenants listed 12 a page (the registry's own pages, made smaller
// than the machine's 210 so a few tenants span three page executions) are verified with no
// throttled request, no one-second window holds more reads of a category than one page's Map may
// send, and each execution stays within Step Functions' limits. Pages run one after the other, so
// the pacing of one page's Map is the whole run's.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TenantRegistry } from '#lib/registry.ts';
import { HISTORY_EVENTS_QUOTA, PAYLOAD_BYTES_QUOTA } from '#local/execution-limits.ts';
import { listTenantsTask } from '../../functions/list-tenants/handler.ts';
import type { RunSummary } from '../../functions/report-verification/core.ts';
import { localHandlers } from '../../local/handlers.ts';
import { provisionThroughCores } from '../../local/provision-through-cores.ts';
import {
  everyExecution,
  type HandlersByPlaceholder,
  type LambdaHandler,
  runStateMachine,
} from '../../local/runner.ts';
import { expectPacedVerificationReads } from '../support/verification-reads.ts';
import { useWorld } from '../support/world.ts';

const TENANTS = 30;
const PER_PAGE = 12;
const fixture = useWorld();
let handlers: HandlersByPlaceholder;

beforeAll(async () => {
  const registry = fixture.clients.registry;
  // The world's registry, paged 12 at a time whatever the machine asks for.
  const paged: Pick<TenantRegistry, 'get' | 'list'> = {
    get: (tenantId) => registry.get(tenantId),
    list: (options) => registry.list({ ...options, limit: PER_PAGE }),
  };
  handlers = {
    ...(await localHandlers(fixture.clients)),
    ListTenantsFunctionArn: listTenantsTask({ registry: paged }) as LambdaHandler,
  };
  fixture.world.cognito.setQuotas(false);
  try {
    const ids = Array.from({ length: TENANTS }, (_, i) => `wf-page-${String(i).padStart(2, '0')}`);
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let id = ids.shift(); id; id = ids.shift()) {
          await provisionThroughCores(fixture.clients, await fixture.tenant(id));
        }
      }),
    );
  } finally {
    fixture.world.cognito.setQuotas({});
  }
}, 300_000);

describe('verify-federations, a page per execution', () => {
  it(`verifies ${TENANTS} tenants in three page executions, one at a time, without a throttled request`, async () => {
    const mark = fixture.world.cognito.requests.length;
    const execution = await runStateMachine('verify-federations', {}, { handlers });
    expect(execution.cause).toBeUndefined();
    expect(execution.output as RunSummary).toMatchObject({ tenants: TENANTS, verified: TENANTS, errors: 0 });

    const pages = execution.children;
    expect(pages.map((page) => [page.machine, page.waited, page.status])).toEqual(
      Array(3).fill(['verify-tenants-page', true, 'SUCCEEDED']),
    );
    // Each page execution's Map verified its own page only.
    const verifiedIn = pages.map(
      (page) => page.events.filter((e) => e.type === 'MapIterationSucceeded').length,
    );
    expect(verifiedIn).toEqual([12, 12, 6]);
    for (const run of everyExecution(execution)) {
      expect(run.historyEvents).toBeLessThanOrEqual(HISTORY_EVENTS_QUOTA);
      expect(run.largestPayloadBytes).toBeLessThanOrEqual(PAYLOAD_BYTES_QUOTA);
    }

    const calls = fixture.world.cognito.requests.slice(mark);
    expectPacedVerificationReads(calls, TENANTS);
  }, 180_000);
});
