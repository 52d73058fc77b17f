// 200 tenants verified in one run under the strict layer's real Cognito quotas: no request is
// throttled, each verification costs exactly its reads (one UserPoolRead, one UserPoolClientRead,
// two UserPoolResourceRead: the identity provider and the app client's managed login branding
// style), and no one-second window holds more reads of a category than the machine's concurrency
// times a verification's reads of it, which is within the quota (the pacing's promise).
// The tenants are seeded with the quotas off first: 10 federations provisioned through the step
// cores, the other tenants registered as copies of their records (20 tenants a pool, as the bench
// has them), so that each of the 200 verifications is a real one; `npm run bench -- scale`
// measures the same at 1,000 tenants over 50 federations.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../functions/report-verification/core.ts';
import { localHandlers } from '../../local/handlers.ts';
import { seedTenants } from '../../local/provision-through-cores.ts';
import { type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { expectPacedVerificationReads } from '../support/verification-reads.ts';
import { useWorld } from '../support/world.ts';

const TENANTS = 200;
/** Federations actually provisioned; the other tenants share them (seedTenants). */
const FEDERATIONS = 10;
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

describe('verify-federations at scale', () => {
  it(`verifies ${TENANTS} tenants without one throttled Cognito request`, async () => {
    const mark = fixture.world.cognito.requests.length;
    const execution = await runStateMachine('verify-federations', {}, { handlers });
    expect(execution.cause).toBeUndefined();
    expect(execution.output as RunSummary).toMatchObject({ tenants: TENANTS, verified: TENANTS, errors: 0 });

    const calls = fixture.world.cognito.requests.slice(mark);
    expectPacedVerificationReads(calls, TENANTS);
  }, 180_000);
});
