// 200 tenants verified in one run under the strict layer's real Cognito quotas: no request is
// throttled, each verification costs exactly its reads (one UserPoolRead, one UserPoolClientRead,
// two UserPoolResourceRead: the identity provider and the app client's managed login branding
// style), and no one-second window holds more reads of a category than the machine's concurrency
// times a verification's reads of it, which is within the quota (the pacing's promise).
// The tenants are seeded with the quotas off first: 50 federations provisioned through the step
// cores, the other tenants registered as copies of their records, so that each of the 200
// verifications is a real one; `npm run bench -- scale` measures the same at 1,000 tenants.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CognitoQuotaCategory, quotaCategoryOf } from '#local/cognito/operations.ts';
import { cognitoDefaultQuotas } from '#local/cognito/quotas.ts';
import type { RunSummary } from '../../functions/report-verification/core.ts';
import { localHandlers } from '../../local/handlers.ts';
import { seedTenants } from '../../local/provision-through-cores.ts';
import { type HandlersByPlaceholder, readDefinition, runStateMachine } from '../../local/runner.ts';
import { useWorld } from '../support/world.ts';

const TENANTS = 200;
/** Federations actually provisioned; the other tenants share them (seedTenants). */
const FEDERATIONS = 50;
const fixture = useWorld();
let handlers: HandlersByPlaceholder;

beforeAll(async () => {
  handlers = await localHandlers(fixture.clients);
  // Provisioning is not what is measured here: it runs without quotas, then the real ones return.
  fixture.world.cognito.setQuotas(false);
  try {
    const ids = Array.from({ length: TENANTS }, (_, i) => `wf-scale-${String(i).padStart(3, '0')}`);
    await seedTenants(fixture.clients, ids, FEDERATIONS, (id) => fixture.tenant(id));
  } finally {
    fixture.world.cognito.setQuotas({});
  }
}, 600_000);

/** The most requests of one category admitted within any one second. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1_000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('verify-federations at scale', () => {
  it(`verifies ${TENANTS} tenants without one throttled Cognito request`, async () => {
    const mark = fixture.world.cognito.requests.length;
    const execution = await runStateMachine('verify-federations', {}, { handlers });
    expect(execution.cause).toBeUndefined();
    expect(execution.output as RunSummary).toMatchObject({ tenants: TENANTS, verified: TENANTS, errors: 0 });

    const calls = fixture.world.cognito.requests.slice(mark);
    expect(calls.filter((c) => c.error !== undefined)).toEqual([]);
    const byCategory = new Map<string, number[]>();
    for (const call of calls) {
      const category = quotaCategoryOf(call.operation) ?? call.operation;
      byCategory.set(category, [...(byCategory.get(category) ?? []), call.at]);
    }
    const perVerification: Partial<Record<CognitoQuotaCategory, number>> = {
      UserPoolRead: 1,
      UserPoolClientRead: 1,
      UserPoolResourceRead: 2,
    };
    expect(Object.fromEntries([...byCategory].map(([c, times]) => [c, times.length]))).toEqual(
      Object.fromEntries(Object.entries(perVerification).map(([c, n]) => [c, n * TENANTS])),
    );
    const concurrency = (
      readDefinition('verify-tenants-page').States['Verify tenants'] as { MaxConcurrency: number }
    ).MaxConcurrency;
    for (const [category, times] of byCategory) {
      const reads = perVerification[category as CognitoQuotaCategory] ?? 0;
      expect(concurrency * reads, category).toBeLessThanOrEqual(
        cognitoDefaultQuotas.perAccount[category as CognitoQuotaCategory],
      );
      expect(busiestSecond(times), category).toBeLessThanOrEqual(concurrency * reads);
    }
  }, 180_000);
});
