// The Cognito reads of a verification run, as the strict layer recorded them, held to what the
// verification machine's pacing promises: no request throttled or failed, each verification costs
// exactly its reads (one UserPoolRead, one UserPoolClientRead, two UserPoolResourceRead: the
// identity provider and the app client's managed login branding style), and no one-second window
// holds more reads of a category than the page Map's concurrency times a verification's reads of
// it, which is within the category's quota.
import { expect } from 'vitest';
import type { CognitoRequestRecord } from '#local/cognito/layer.ts';
import { type CognitoQuotaCategory, quotaCategoryOf } from '#local/cognito/operations.ts';
import { cognitoDefaultQuotas } from '#local/cognito/quotas.ts';
import { readDefinition } from '../../local/runner.ts';

/** A verification's Cognito reads, by quota category. */
const perVerification: Partial<Record<CognitoQuotaCategory, number>> = {
  UserPoolRead: 1,
  UserPoolClientRead: 1,
  UserPoolResourceRead: 2,
};

/** The most requests of one category admitted within any one second. */
export function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1_000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Asserts that `calls`, a run's Cognito requests, are the reads of `tenants` verifications, paced. */
export function expectPacedVerificationReads(calls: readonly CognitoRequestRecord[], tenants: number): void {
  expect(calls.filter((c) => c.error !== undefined)).toEqual([]);
  const byCategory = new Map<string, number[]>();
  for (const call of calls) {
    const category = quotaCategoryOf(call.operation) ?? call.operation;
    byCategory.set(category, [...(byCategory.get(category) ?? []), call.at]);
  }
  expect(Object.fromEntries([...byCategory].map(([c, times]) => [c, times.length]))).toEqual(
    Object.fromEntries(Object.entries(perVerification).map(([c, n]) => [c, n * tenants])),
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
}

/**
 * Waits out Cognito's one-second quota window (5 requests a second for one operation on one pool),
 * before reads of a pool that must not be throttled by the ones just before them: a throttled read
 * is sent again by the SDK, and a test that counts or times the reads would count it twice.
 */
export function afterQuotaWindow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, cognitoDefaultQuotas.windowMs));
}
