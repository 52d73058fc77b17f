// How a plan reads: each step with what provisioning would do, and under it each field that would
// change, current → desired. `--json` prints the plan as one JSON document instead.
import type { PlanChange, TenantPlan } from '#lib/plan/types.ts';
import { errorParagraph } from './errors.ts';
import { EXIT, type ExitCode, type Output } from './output.ts';

const WIDTH = 100;

function shown(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > WIDTH ? `${text.slice(0, WIDTH - 1)}…` : text;
}

function changeLine(change: PlanChange): string {
  return `      ${change.field}: ${shown(change.current)} → ${shown(change.desired)}`;
}

/** The plan as text: a line per step, a line per change, the totals. */
export function planText(plan: TenantPlan): string {
  const count = (action: string) => plan.steps.filter((s) => s.action === action).length;
  const lines = [
    `Plan for tenant ${plan.tenantId} (${plan.registered ? 'registered' : 'not provisioned yet'}); nothing was written`,
  ];
  for (const step of plan.steps) {
    lines.push(`  ${step.step.padEnd(26)} ${step.action}${step.note ? ` (${step.note})` : ''}`);
    lines.push(...step.changes.map(changeLine));
  }
  if (plan.problems.length > 0) {
    lines.push('Provisioning would stop at the preflight, before its first write:');
    lines.push(...plan.problems.map((p) => `  ${p.field}: ${p.message} (${p.errorName})`));
  }
  lines.push(
    plan.pending
      ? `${count('create')} to create, ${count('update')} to update, ${count('leave')} to leave.`
      : 'Nothing to change: provisioning would leave every step as it is.',
  );
  return `\n${lines.join('\n')}\n\n`;
}

/**
 * Prints the plan and answers its exit code: 3 when changes are pending, 0 when there are none, 1
 * when provisioning would fail or a step could not be checked (said in one paragraph on stderr).
 */
export function printPlan(out: Output, plan: TenantPlan): ExitCode {
  process.stdout.write(out.json ? `${JSON.stringify(plan, null, 2)}\n` : planText(plan));
  if (plan.blocked) {
    const unknown = plan.steps.filter((s) => s.action === 'unknown');
    const fields: Record<string, string[]> = {};
    for (const p of plan.problems) fields[p.field] = [...(fields[p.field] ?? []), p.message];
    for (const s of unknown) fields[s.step] = [`could not be checked: ${s.note ?? 'no answer'}`];
    process.stderr.write(
      `${errorParagraph('plan', {
        name: plan.problems[0]?.errorName ?? 'PlanError',
        message: 'Provisioning this spec would fail',
        fields,
        advice: 'Fix what is named, then plan again.',
        exitCode: EXIT.failed,
      })}\n`,
    );
    return EXIT.failed;
  }
  return plan.pending ? EXIT.attention : EXIT.ok;
}
