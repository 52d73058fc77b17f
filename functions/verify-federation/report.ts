// What the verification answers: a list of named checks, each pass / fail / not-applicable with a
// reason code a machine can act on and a sentence a person can act on. The list is the product's
// "Test it", automated; the scheduled re-verification adds checks to it without changing its shape.
import type { CheckOutcome, Drift } from '#lib/step.ts';

export type CheckStatus = 'pass' | 'fail' | 'not-applicable';

export type ReasonCode =
  // Nothing recorded to check (the tenant was never provisioned, or only in part).
  | 'NOT_PROVISIONED'
  // Cognito
  | 'USER_POOL_MISSING'
  | 'DOMAIN_CHANGED'
  | 'IDENTITY_PROVIDER_MISSING'
  | 'IDENTITY_PROVIDER_CHANGED'
  | 'ATTRIBUTE_MAPPING_CHANGED'
  | 'APP_CLIENT_MISSING'
  | 'APP_CLIENT_CHANGED'
  | 'IDP_NOT_ENABLED'
  | 'COGNITO_NOT_ENABLED'
  | 'OAUTH_NOT_CONFIGURED'
  | 'CALLBACK_URL_MISSING'
  // The issuer, its discovery document, its keys and its token endpoint
  | 'ISSUER_HOST_MISMATCH'
  | 'DISCOVERY_UNREACHABLE'
  | 'ISSUER_MISMATCH'
  | 'JWKS_UNREACHABLE'
  | 'JWKS_NO_RS256_KEY'
  | 'JWKS_KEY_MISMATCH'
  | 'TOKEN_ENDPOINT_UNREACHABLE'
  | 'CLIENT_CREDENTIALS_REJECTED'
  | 'ID_TOKEN_INVALID'
  | 'EMAIL_CLAIM_MISMATCH'
  // Both sides: the OIDC client Cognito holds against the one Authentik holds (and the stored copy)
  | 'CLIENT_ID_MISMATCH'
  | 'SECRET_MISMATCH'
  // Authentik
  | 'GROUP_MISSING'
  | 'GROUP_CHANGED'
  | 'PROVIDER_MISSING'
  | 'PROVIDER_CHANGED'
  | 'REDIRECT_URI_MISSING'
  | 'REDIRECT_URI_CHANGED'
  | 'APPLICATION_MISSING'
  | 'APPLICATION_CHANGED'
  | 'POLICY_MISSING'
  | 'POLICY_CHANGED'
  | 'TEST_USER_MISSING'
  | 'TEST_USER_CHANGED'
  | 'USER_DISABLED'
  | 'CLIENT_REJECTED'
  | 'LOGIN_CREDENTIALS_REJECTED'
  | 'LOGIN_DENIED'
  | 'LOGIN_FAILED'
  // Cognito's hosted UI, on a deployment
  | 'HOSTED_UI_LOGIN_FAILED'
  // What a step's check needs is missing (a recorded resource, or a flow or key in Authentik)
  | 'PRECONDITION_FAILED'
  // A check that could not come to an answer (its error, without secrets, is the message)
  | 'CHECK_FAILED'
  // Not checked
  | 'BLOCKED'
  | 'NOT_AUTOMATED'
  | 'NO_HOSTED_UI';

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
