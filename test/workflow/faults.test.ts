import { ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { localHandlers } from '../../local/handlers.ts';
import { type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { cognitoSnapshot } from '../support/snapshots.ts';
import { useWorld } from '../support/world.ts';

// Cognito's quotas stay at their real values (the world's default).
const fixture = useWorld();
let handlers: HandlersByPlaceholder;
beforeAll(async () => {
  handlers = await localHandlers(fixture.clients);
});

const TENANTS = 20;

describe('transient faults', () => {
  it('20 provisionings started together converge with 30% of requests failing on both sides', async () => {
    const ids = Array.from({ length: TENANTS }, (_, i) => `wf-fault-${String(i).padStart(2, '0')}`);
    const inputs = await Promise.all(ids.map((id) => fixture.tenant(id)));
    // Faults on the REST API the steps call. Cognito's own fetch of the discovery document is left
    // alone: how Cognito answers a blip there is not documented, and the layer fails it for good.
    fixture.world.authentik.setFaults({
      rate: 0.3,
      statuses: [500, 502, 503, 429],
      seed: 7,
      paths: '/api/v3/',
    });
    fixture.world.cognito.setFaults({
      rate: 0.3,
      kinds: ['InternalErrorException', 'TooManyRequestsException'],
    });
    let results: Awaited<ReturnType<typeof runStateMachine>>[];
    // The ASL's own retry intervals (1 s, doubling, full jitter, capped at 20 s): squeezing them into
    // a few milliseconds let 20 tenants spend all 8 retries of a step inside one throttled second.
    try {
      results = await Promise.all(
        inputs.map((input) => runStateMachine('provision-tenant', input, { handlers })),
      );
    } finally {
      fixture.world.authentik.setFaults(undefined);
      fixture.world.cognito.setFaults(undefined);
      // The runs above were under the real quotas; the inspection below reads every pool in a burst
      // and is not what is under test, so it must not be throttled.
      fixture.world.cognito.setQuotas(false);
    }
    for (const [i, result] of results.entries()) {
      expect(result.cause, ids[i]).toBeUndefined();
      expect(result.status, ids[i]).toBe('SUCCEEDED');
    }
    // The faults really happened, and retries dealt with some of them.
    expect(fixture.world.authentik.requests.some((r) => r.status >= 500 || r.status === 429)).toBe(true);
    expect(fixture.world.cognito.requests.some((r) => r.error === 'InternalErrorException')).toBe(true);

    // Nothing duplicated: one of each per tenant, groups included (each tenant has its own).
    const { store } = fixture.world.authentik;
    const count = <T>(items: Iterable<T>, pick: (item: T) => string) => {
      const seen = new Map<string, number>();
      for (const item of items) seen.set(pick(item), (seen.get(pick(item)) ?? 0) + 1);
      return [...seen.values()].filter((n) => n > 1).length;
    };
    expect(
      [...store.groups.values()].filter((g) => g.name.startsWith('cognito-users-wf-fault')),
    ).toHaveLength(TENANTS);
    expect(count(store.groups.values(), (g) => g.name)).toBe(0);
    expect(
      [...store.users.values()].filter((u) => u.username.startsWith('cognito-test-wf-fault')),
    ).toHaveLength(TENANTS);
    expect([...store.providers.values()].filter((p) => p.name.includes('wf-fault'))).toHaveLength(TENANTS);
    expect([...store.applications.values()].filter((a) => a.slug.includes('wf-fault'))).toHaveLength(TENANTS);
    expect(count(store.expressionPolicies.values(), (p) => p.name)).toBe(0);
    expect(count(store.bindings.values(), (b) => `${b.target}`)).toBe(0);

    const pools = (await fixture.observer.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
    expect(pools.filter((p) => p.Name?.includes('wf-fault'))).toHaveLength(TENANTS);
    for (const pool of (await cognitoSnapshot(fixture.observer)).filter((p) =>
      p.name?.includes('wf-fault'),
    )) {
      expect(pool.appClients, pool.name).toHaveLength(1);
      expect(pool.identityProviders, pool.name).toHaveLength(1);
      expect(pool.appClients[0]?.identityProviders).toEqual(['COGNITO', pool.identityProviders[0]].sort());
    }
  }, 300_000);
});
