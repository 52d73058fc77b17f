// One item of the verification Map: the verification's compact answer, and after a repair what it
// fixed, what it could not, and why provisioning failed.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TenantVerification, TenantVerifyClients } from '#lib/verification/types.ts';

const verification = vi.hoisted(() => ({
  answer: undefined as TenantVerification | undefined,
  options: [] as unknown[],
}));
vi.mock('#lib/verification/tenant.ts', () => ({
  verifyTenant: async (_tenantId: string, _clients: unknown, options: unknown) => {
    verification.options.push(options);
    return verification.answer;
  },
}));
const { provisioningCause, verifyOne } = await import('../../functions/verify-tenant/core.ts');

const clients = {} as TenantVerifyClients;
beforeEach(() => {
  verification.options = [];
});

describe('verifyOne', () => {
  it('answers every key (the ASL reads them with JSONPath) and passes the pace on', async () => {
    verification.answer = {
      tenantId: 'acme',
      state: 'verified',
      previousState: 'unknown',
      changed: true,
      failing: [],
      repairable: false,
      durationMs: 120,
    };
    const result = await verifyOne({ tenantId: 'acme', paceMs: 1000 }, clients);
    expect(result).toEqual({
      tenantId: 'acme',
      state: 'verified',
      previousState: 'unknown',
      changed: true,
      failing: [],
      repairable: false,
      durationMs: 120,
      error: null,
      repair: null,
      spec: null,
      summary: {
        tenantId: 'acme',
        state: 'verified',
        changed: true,
        durationMs: 120,
        reasons: [],
        repairAttempted: false,
      },
    });
    expect(verification.options).toEqual([{ paceMs: 1000 }]);
  });

  it('after a repair: compares with the state before it, lists what it fixed and what still fails', async () => {
    const still = { check: 'pool-domains', reason: 'REDIRECT_URI_MISSING' as const, repairable: false };
    verification.answer = {
      tenantId: 'acme',
      state: 'broken',
      previousState: 'verified',
      changed: true,
      failing: [still],
      repairable: false,
      durationMs: 100,
    };
    const result = await verifyOne(
      {
        tenantId: 'acme',
        repair: {
          previousState: 'verified',
          before: [{ check: 'test-user', reason: 'USER_DISABLED', repairable: true }, still],
          run: { Status: 'SUCCEEDED' },
        },
      },
      clients,
    );
    expect(verification.options).toEqual([{ previousState: 'verified' }]);
    expect(result.repair).toEqual({
      provisioning: 'SUCCEEDED',
      cause: null,
      fixed: ['test-user'],
      remaining: [still],
    });
    // What the Map keeps: a reason code per failing check, and that a repair ran.
    expect(result.summary).toEqual({
      tenantId: 'acme',
      state: 'broken',
      changed: true,
      durationMs: 100,
      reasons: ['REDIRECT_URI_MISSING'],
      repairAttempted: true,
    });
  });

  it('starts the first items of a page a fraction of the pace apart, the others at once', async () => {
    verification.answer = {
      tenantId: 'acme',
      state: 'verified',
      previousState: 'verified',
      changed: false,
      failing: [],
      repairable: false,
      durationMs: 1,
    };
    vi.useFakeTimers();
    try {
      const started: number[] = [];
      for (const index of [0, 3, 15]) {
        const begin = Date.now();
        const item = verifyOne({ tenantId: 'acme', paceMs: 1500, slots: 15, index }, clients);
        await vi.runAllTimersAsync();
        await item;
        started.push(Date.now() - begin);
      }
      expect(started).toEqual([0, 300, 0]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('provisioningCause', () => {
  it('reads the cause inside startExecution.sync’s error, which is the execution’s description', () => {
    expect(
      provisioningCause({
        Error: 'States.TaskFailed',
        Cause: JSON.stringify({ Status: 'FAILED', Error: 'PreconditionError', Cause: 'no signing key "k"' }),
      }),
    ).toBe('PreconditionError: no signing key "k"');
    expect(provisioningCause({ Error: 'States.Timeout', Cause: 'took too long' })).toBe(
      'States.Timeout: took too long',
    );
    expect(provisioningCause({ Status: 'SUCCEEDED' })).toBeNull();
    expect(provisioningCause({ Status: 'ABORTED' })).toBe('provisioning ended ABORTED');
  });
});
