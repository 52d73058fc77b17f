// The guide's "Test it", automated: the named checks of the verification library over both sides
// of the federation (#lib/verification/checks.ts), and the hosted-UI login URL of the guide. As the workflow's last step, apply fails
// loudly when a check fails, so a broken federation is never reported as provisioned; check reports
// the failing checks as drift; verify returns the whole list for the registry and the scheduler.
// Nothing is written anywhere.

import { PreconditionError } from '#lib/errors.ts';
import type { ApplyResult, CheckResult, DestroyResult, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { federationChecks } from '#lib/verification/checks.ts';
import { VerificationContext } from '#lib/verification/context.ts';
import { checkOutcome, describeFailures, failures, reportAsDrift } from '#lib/verification/report.ts';
import { reportFor } from '#lib/verification/run-checks.ts';
import type { VerificationReport, VerifyClients } from '#lib/verification/types.ts';

export type { FederationCheckResult, VerificationReport, VerifyClients } from '#lib/verification/types.ts';

export async function verify(
  spec: TenantSpec,
  resources: Resources,
  clients: VerifyClients,
): Promise<VerificationReport> {
  return reportFor(new VerificationContext(spec, resources, clients), federationChecks);
}

/** Throws PreconditionError naming each failing check and its reason code. */
export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: VerifyClients,
): Promise<ApplyResult> {
  const report = await verify(spec, resources, clients);
  if (failures(report).length > 0) {
    throw new PreconditionError(`the federation does not work: ${describeFailures(report)}`);
  }
  return { outcome: 'unchanged', writes: 0, resources: report.loginUrl ? { loginUrl: report.loginUrl } : {} };
}

/** Nothing to undo: the verification made nothing. */
export async function destroy(
  _spec: TenantSpec,
  _resources: Resources,
  _clients: VerifyClients,
): Promise<DestroyResult> {
  return { outcome: 'absent', resources: {} };
}

export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: VerifyClients,
): Promise<CheckResult> {
  const report = await verify(spec, resources, clients);
  return { outcome: checkOutcome(report), drift: reportAsDrift(report) };
}
