// Runs the checks concurrently, each as soon as the checks it needs have answered; one that needs a
// check that did not pass is reported `not-applicable` (BLOCKED) rather than run against what is
// already known to be broken. The context reads every object once, whichever check asks first.
import { loginUrlOf } from './checks.ts';
import type { CheckContext, FederationCheck, FederationCheckResult, VerificationReport } from './types.ts';

export async function runChecks(
  checks: readonly FederationCheck[],
  context: CheckContext,
  /** Called with each answer as it comes (the CLI's progress display). */
  onResult?: (result: FederationCheckResult) => void,
): Promise<FederationCheckResult[]> {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const running = new Map<string, Promise<FederationCheckResult>>();

  const start = (check: FederationCheck): Promise<FederationCheckResult> => {
    let result = running.get(check.id);
    if (result) return result;
    result = (async () => {
      const needed = await Promise.all(
        (check.needs ?? []).map((id) => {
          const dependency = byId.get(id);
          if (!dependency) throw new Error(`check ${check.id} needs ${id}, which is not in the list`);
          return start(dependency);
        }),
      );
      const blocking = needed.find((answer) => answer.status !== 'pass');
      const answer: FederationCheckResult = blocking
        ? {
            id: check.id,
            status: 'not-applicable',
            reason: 'BLOCKED',
            message: `not checked: ${blocking.id} did not pass`,
          }
        : { id: check.id, ...(await check.run(context)) };
      onResult?.(answer);
      return answer;
    })();
    running.set(check.id, result);
    return result;
  };

  return Promise.all(checks.map(start));
}

/** Runs `checks` in `context` and assembles the report. */
export async function reportFor(
  context: CheckContext,
  checks: readonly FederationCheck[],
  onCheck?: (result: FederationCheckResult) => void,
): Promise<VerificationReport> {
  const results = await runChecks(checks, context, onCheck);
  const login = await loginUrlOf(context);
  const report: VerificationReport = {
    tenantId: context.spec.tenantId,
    status: results.some((c) => c.status === 'fail') ? 'fail' : 'pass',
    checks: results,
    checkedAt: new Date().toISOString(),
  };
  if ('url' in login) report.loginUrl = login.url;
  return report;
}
