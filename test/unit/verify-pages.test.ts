// The verification machine's structure, run by the local runner over a registry held in memory and
// a verification answered at once (what is checked is the machines' bookkeeping, not the
// verification): every page is an execution of its own whose history is 11 events plus 13 per
// tenant, the parent costs 13 events a page, and after 200 pages the run continues in a new
// execution of itself, the last one summarizing the whole run.
import { describe, expect, it } from 'vitest';
import { HISTORY_EVENTS_QUOTA, PAYLOAD_BYTES_QUOTA } from '#local/execution-limits.ts';
import { PAGES_PER_EXECUTION } from '../../functions/list-tenants/core.ts';
import type { RunSummary } from '../../functions/report-verification/core.ts';
import {
  everyExecution,
  type HandlersByPlaceholder,
  lastExecution,
  readDefinition,
  runStateMachine,
} from '../../local/runner.ts';
import { fakeVerificationHandlers } from '../support/fake-verification.ts';

/** `count` active tenants, listed `perPage` at a time whatever the machine asks. */
function handlersFor(count: number, perPage: number): HandlersByPlaceholder {
  const ids = Array.from({ length: count }, (_, i) => `t-${String(i).padStart(4, '0')}`);
  return fakeVerificationHandlers(ids, perPage);
}

describe('verify-federations, pages and continuation', () => {
  it('the "More tenants?" Choice continues after PAGES_PER_EXECUTION pages, as list-tenants counts them', () => {
    const choice = readDefinition('verify-federations').States['More tenants?'] as {
      Choices: { And?: { NumericLessThan?: number }[] }[];
    };
    expect(choice.Choices[0]?.And?.[1]?.NumericLessThan).toBe(PAGES_PER_EXECUTION);
  });

  it('verifies each page in its own execution, each history 11 events plus 13 per tenant', async () => {
    const run = await runStateMachine('verify-federations', {}, { handlers: handlersFor(25, 10) });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output as RunSummary).toMatchObject({ tenants: 25, verified: 25 });
    expect(run.children.map((page) => [page.machine, page.waited, page.historyEvents])).toEqual([
      ['verify-tenants-page', true, 11 + 13 * 10],
      ['verify-tenants-page', true, 11 + 13 * 10],
      ['verify-tenants-page', true, 11 + 13 * 5],
    ]);
    // The parent: started, listed, 13 a page (less the last page's listing), summarized, succeeded.
    expect(run.historyEvents).toBe(1 + 5 + 3 * 13 - 5 + 5 + 1);
  }, 60_000);

  it(`continues in a new execution after ${PAGES_PER_EXECUTION} pages, each within the limits, the last one summarizing`, async () => {
    const tenants = 2 * PAGES_PER_EXECUTION + 3;
    const run = await runStateMachine(
      'verify-federations',
      {},
      { handlers: handlersFor(tenants, 1), keepEvents: false },
    );
    expect(run.status).toBe('SUCCEEDED');
    const runs = [run, ...run.children.filter((c) => !c.waited)];
    const second = runs[1];
    const chain = second ? [run, second, ...second.children.filter((c) => !c.waited)] : [run];
    expect(chain.map((r) => [r.status, r.children.filter((c) => c.waited).length])).toEqual([
      ['SUCCEEDED', PAGES_PER_EXECUTION],
      ['SUCCEEDED', PAGES_PER_EXECUTION],
      ['SUCCEEDED', 3],
    ]);
    expect(run.output).toEqual({ continuedIn: expect.stringContaining(':execution:verify-federations:') });
    expect(lastExecution(run).output as RunSummary).toMatchObject({ tenants, verified: tenants, skipped: 0 });
    // A full execution's history: the same whatever the number of tenants after it.
    expect(chain[0]?.historyEvents).toBe(chain[1]?.historyEvents);
    for (const execution of everyExecution(run)) {
      expect(execution.historyEvents).toBeLessThanOrEqual(HISTORY_EVENTS_QUOTA);
      expect(execution.largestPayloadBytes).toBeLessThanOrEqual(PAYLOAD_BYTES_QUOTA);
    }
  }, 120_000);
});
