// One item of the verification machine's Map: verify a tenant in depth (paced, so the machine stays
// within Cognito's read quotas), and after a repair verify it again and say what the repair fixed
// and what it could not. The answer is compact and always has every key: the ASL picks fields from
// it with JSONPath, which fails on a missing one.
import { verifyTenant } from '#lib/verification/tenant.ts';
import type {
  RepairResult,
  RepairRun,
  TenantResult,
  TenantVerifyClients,
  VerifyTenantEvent,
} from '#lib/verification/types.ts';

export type {
  ItemSummary,
  RepairResult,
  RepairRun,
  TenantResult,
  VerifyTenantEvent,
} from '#lib/verification/types.ts';

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
