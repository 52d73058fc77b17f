// What a report says as a whole: its failures, the step outcome they amount to, the report as drift,
// and the failures in one line. The report's shape is in types.ts.
import type { CheckOutcome, Drift } from '#lib/step.ts';
import type { FederationCheckResult, ReasonCode, VerificationReport } from './types.ts';

/** Failures that mean an object is gone rather than changed. */
const MISSING: ReadonlySet<ReasonCode> = new Set([
  'NOT_PROVISIONED',
  'USER_POOL_MISSING',
  'IDENTITY_PROVIDER_MISSING',
  'APP_CLIENT_MISSING',
  'GROUP_MISSING',
  'PROVIDER_MISSING',
  'APPLICATION_MISSING',
  'POLICY_MISSING',
  'TEST_USER_MISSING',
]);

export function failures(report: VerificationReport): FederationCheckResult[] {
  return report.checks.filter((c) => c.status === 'fail');
}

export function checkOutcome(report: VerificationReport): CheckOutcome {
  const failed = failures(report);
  if (failed.some((c) => c.reason !== undefined && MISSING.has(c.reason))) return 'missing';
  return failed.length > 0 ? 'drifted' : 'in-sync';
}

export function reportAsDrift(report: VerificationReport): Drift[] {
  return failures(report).map((c) => ({
    field: c.id,
    expected: c.expected ?? 'pass',
    actual: c.actual ?? c.reason ?? 'fail',
  }));
}

/** One line per failing check: `id: REASON: sentence`. */
export function describeFailures(report: VerificationReport): string {
  return failures(report)
    .map((c) => `${c.id}: ${c.reason ?? 'FAILED'}: ${c.message}`)
    .join(' | ');
}
