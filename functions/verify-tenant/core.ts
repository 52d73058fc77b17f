// One item of the verification machine's Map: verify a tenant in depth (paced, so the machine stays
// within Cognito's read quotas), and after a repair verify it again and say what the repair fixed
// and what it could not. The answer is compact and always has every key: the ASL picks fields from
// it with JSONPath, which fails on a missing one.
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { PreviousState, VerificationState } from '../verify-federation/state.ts';
import {
  type CognitoNames,
  type FailingCheck,
  type TenantVerification,
  type TenantVerifyClients,
  verifyTenant,
} from '../verify-federation/tenant.ts';

/** How the provisioning a repair started ended: Step Functions' execution, or the error it was caught with. */
export type RepairRun = { Status?: string } | { Error: string; Cause?: string };

export interface VerifyTenantEvent {
  tenantId: string;
  /** The machine's pace (ms): see VerifyTenantOptions.paceMs. */
  paceMs?: number;
  /**
   * The Map's concurrency, and this item's index in the page: the first `slots` items start
   * `index × paceMs ÷ slots` apart, so the slots read Cognito (and load Authentik) evenly over the
   * pace instead of all at the same instant.
   */
  slots?: number;
  index?: number;
  /** The Cognito names the listing found, read while the record loads: see VerifyTenantOptions.where. */
  where?: CognitoNames;
  /** Present on the verification after a repair. */
  repair?: {
    /** The state before this run (the first verification's previous state). */
    previousState: PreviousState;
    /** What failed before the repair. */
    before: FailingCheck[];
    run: RepairRun;
  };
}

export interface RepairResult {
  provisioning: 'SUCCEEDED' | 'FAILED';
  /** Why provisioning failed (never a secret: the workflow's causes carry none). */
  cause: string | null;
  /** Checks that failed before and pass now. */
  fixed: string[];
  /** Checks that still fail: the repair could not fix these. */
  remaining: FailingCheck[];
}

/**
 * What the Map keeps of a tenant, for the page's metrics and totals. Its size is bounded whatever
 * failed (a reason code per failing check, nothing else of variable length), so a page of them
 * stays below Step Functions' 256 KB payload limit even when every tenant breaks at once. The
 * details are in the registry, and in the event an item sends when its state changed.
 */
export interface ItemSummary {
  tenantId: string;
  state: VerificationState;
  changed: boolean;
  durationMs: number;
  /** The reason code of each failing check. */
  reasons: string[];
  /** A repair ran for this tenant before this verification. */
  repairAttempted: boolean;
}

/** The verification's answer with every key present (null where absent), the repair, and the summary. */
export interface TenantResult
  extends Pick<
    TenantVerification,
    'tenantId' | 'state' | 'previousState' | 'changed' | 'failing' | 'repairable' | 'durationMs'
  > {
  error: { name: string; message: string } | null;
  repair: RepairResult | null;
  /** For the repair's provisioning input; dropped from the Map's results by the ASL. */
  spec: TenantSpec | null;
  /** What the Map keeps. */
  summary: ItemSummary;
}

/** The readable cause inside `startExecution.sync`'s error (its Cause is the execution's description). */
export function provisioningCause(run: RepairRun): string | null {
  if (!('Error' in run))
    return run.Status === 'SUCCEEDED' ? null : `provisioning ended ${run.Status ?? 'unknown'}`;
  try {
    const described = JSON.parse(run.Cause ?? '') as { Error?: string; Cause?: string };
    if (described.Cause || described.Error)
      return [described.Error, described.Cause].filter(Boolean).join(': ');
  } catch {
    // not the execution's description: the error as it came
  }
  return [run.Error, run.Cause].filter(Boolean).join(': ');
}

export async function verifyOne(
  event: VerifyTenantEvent,
  clients: TenantVerifyClients,
): Promise<TenantResult> {
  const { slots = 0, index = 0, paceMs = 0 } = event;
  if (index < slots) await new Promise((resolve) => setTimeout(resolve, (index * paceMs) / slots));
  const verification = await verifyTenant(event.tenantId, clients, {
    ...(event.paceMs ? { paceMs: event.paceMs } : {}),
    ...(event.where ? { where: event.where } : {}),
    ...(event.repair ? { previousState: event.repair.previousState } : {}),
  });
  let repair: RepairResult | null = null;
  if (event.repair) {
    const still = new Set(verification.failing.map((check) => check.check));
    const cause = provisioningCause(event.repair.run);
    repair = {
      provisioning: cause === null ? 'SUCCEEDED' : 'FAILED',
      cause: cause?.slice(0, 1000) ?? null,
      fixed: event.repair.before.map((check) => check.check).filter((id) => !still.has(id)),
      remaining: verification.failing,
    };
  }
  return {
    tenantId: verification.tenantId,
    state: verification.state,
    previousState: verification.previousState,
    changed: verification.changed,
    failing: verification.failing,
    repairable: verification.repairable,
    durationMs: verification.durationMs,
    error: verification.error ?? null,
    repair,
    spec: verification.spec ?? null,
    summary: {
      tenantId: verification.tenantId,
      state: verification.state,
      changed: verification.changed,
      durationMs: verification.durationMs,
      reasons: verification.failing.map((check) => check.reason),
      repairAttempted: repair !== null,
    },
  };
}
