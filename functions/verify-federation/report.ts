// What the verification answers: a list of named checks, each pass / fail / not-applicable with a
// reason code a machine can act on and a sentence a person can act on. The list is the product's
// "Test it", automated; the scheduled re-verification adds checks to it without changing its shape.
import type { CheckOutcome, Drift } from '#lib/step.ts';

export type CheckStatus = 'pass' | 'fail' | 'not-applicable';

export type ReasonCode =
  // Nothing recorded to check (the tenant was never provisioned, or only in part).
  | 'NOT_PROVISIONED'
  // Cognito
  | 'IDENTITY_PROVIDER_MISSING'
  | 'APP_CLIENT_MISSING'
  | 'IDP_NOT_ENABLED'
  | 'COGNITO_NOT_ENABLED'
  | 'OAUTH_NOT_CONFIGURED'
  | 'CALLBACK_URL_MISSING'
  // The issuer and its discovery document
  | 'ISSUER_HOST_MISMATCH'
  | 'DISCOVERY_UNREACHABLE'
  | 'ISSUER_MISMATCH'
  // Authentik
  | 'PROVIDER_MISSING'
  | 'REDIRECT_URI_MISSING'
  | 'TEST_USER_MISSING'
  | 'CLIENT_REJECTED'
  | 'LOGIN_CREDENTIALS_REJECTED'
  | 'LOGIN_DENIED'
  | 'LOGIN_FAILED'
  // Not checked
  | 'BLOCKED'
  | 'NOT_AUTOMATED';

export interface FederationCheckResult {
  id: string;
  status: CheckStatus;
  reason?: ReasonCode;
  /** What a person reads: what was found and what to do about it. Never a secret value. */
  message: string;
  /** For a failing check: what should be, and what is (shown as drift). */
  expected?: unknown;
  actual?: unknown;
}

export interface VerificationReport {
  tenantId: string;
  status: 'pass' | 'fail';
  checks: FederationCheckResult[];
  /** The guide's hosted-UI login URL, when the pool, domain and app client allow building it. */
  loginUrl?: string;
  checkedAt: string;
}

/** Failures that mean an object is gone rather than changed. */
const MISSING: ReadonlySet<ReasonCode> = new Set([
  'NOT_PROVISIONED',
  'IDENTITY_PROVIDER_MISSING',
  'APP_CLIENT_MISSING',
  'PROVIDER_MISSING',
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
