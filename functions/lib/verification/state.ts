// What a verification means for a tenant, in three words a machine can route on, and which of its
// failures re-running provisioning can repair.
//
//   verified  every check passes
//   drifted   only the steps' own checks fail: the configuration is not what provisioning made,
//             but the end-to-end checks still pass, so users can sign in
//   broken    an end-to-end check fails: sign-ins through Authentik fail (or cannot be shown to work)
//
// `error` is not a state of the federation: the verification itself could not run (the Authentik
// token was refused, the registry has no such tenant); it changes no recorded state.
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { PROVISIONING_STEPS } from '../../catalog.ts';
import { failures } from './report.ts';
import type {
  FederationCheckResult,
  FederationState,
  PreviousState,
  ReasonCode,
  VerificationReport,
} from './types.ts';

export const FEDERATION_STATES = [
  'verified',
  'drifted',
  'broken',
] as const satisfies readonly FederationState[];

/**
 * The ids of the provisioning steps' own checks (step-checks.ts): the catalog's steps. Read from the
 * catalog (plain data), not from step-checks.ts, so what reads states (the report function) does not
 * carry the step cores in its bundle.
 */
export const STEP_CHECK_IDS: readonly string[] = PROVISIONING_STEPS;
const stepCheckIds: ReadonlySet<string> = new Set(STEP_CHECK_IDS);

export function federationStateOf(report: VerificationReport): FederationState {
  const failing = failures(report);
  if (failing.length === 0) return 'verified';
  return failing.some((check) => !stepCheckIds.has(check.id)) ? 'broken' : 'drifted';
}

/** The EventBridge detail type announcing that a tenant entered a state. */
export const EVENT_DETAIL_TYPES: Record<FederationState, string> = {
  verified: 'Federation Verified',
  drifted: 'Federation Drift Detected',
  broken: 'Federation Broken',
};

/**
 * Failures provisioning cannot cure: an answer a check could not reach (the JWKS or the token
 * endpoint unreachable while Authentik's API answers), what was not checked. Everything else
 * provisioning converges: a deleted provider is recreated (and with it the discovery document it
 * serves), a rotated secret is stored again and given to Cognito, a disabled test user is
 * re-activated, a changed policy is rewritten, the IdP is enabled on the app client again.
 * (When Authentik's API itself cannot be reached, the verification does not come to a report.)
 */
const NOT_REPAIRABLE: ReadonlySet<ReasonCode> = new Set([
  'JWKS_UNREACHABLE',
  'TOKEN_ENDPOINT_UNREACHABLE',
  'CHECK_FAILED',
  'BLOCKED',
  'NOT_AUTOMATED',
  'NO_HOSTED_UI',
]);

/** Whether re-running provisioning can be expected to fix this failing check. */
export function isRepairable(check: FederationCheckResult, spec: TenantSpec): boolean {
  if (check.status !== 'fail' || !check.reason || NOT_REPAIRABLE.has(check.reason)) return false;
  // Provisioning gives the provider exactly one redirect URI (the recorded domain's); a second
  // domain of the pool needs a person to decide on it.
  if (check.id === 'pool-domains') return false;
  // A pool or app client the tenant brought is never recreated: a new one would have another id.
  if (check.reason === 'USER_POOL_MISSING' && spec.cognito.userPoolId) return false;
  if (check.reason === 'APP_CLIENT_MISSING' && spec.cognito.appClientId) return false;
  return true;
}

/**
 * Failures that make provisioning itself fail, so a repair is not attempted: the user pool or app
 * client the tenant brought is gone (provisioning never creates one in its place).
 */
function blocksRepair(check: FederationCheckResult, spec: TenantSpec): boolean {
  return (
    (check.reason === 'USER_POOL_MISSING' && spec.cognito.userPoolId !== undefined) ||
    (check.reason === 'APP_CLIENT_MISSING' && spec.cognito.appClientId !== undefined)
  );
}

/** Whether re-running provisioning is worth trying: something it fixes fails, nothing that stops it. */
export function isTenantRepairable(failing: readonly FederationCheckResult[], spec: TenantSpec): boolean {
  return (
    failing.some((check) => isRepairable(check, spec)) && !failing.some((check) => blocksRepair(check, spec))
  );
}

/** The state an older registry record implies (records written before states were stored). */
export function stateOfOutcome(outcome: string | undefined): PreviousState {
  if (outcome === 'in-sync') return 'verified';
  if (outcome === 'drifted') return 'drifted';
  if (outcome === 'missing') return 'broken';
  return 'unknown';
}
