// What the preflight found wrong. Each problem is a sentence a person can act on plus the error class
// the workflow routes on; `apply` throws them, `check` reports them as drift. Collecting them rather
// than throwing at the first one lets an operator fix every missing piece in one go.
import { ConflictError, LimitExceededError, PreconditionError } from '#lib/errors.ts';
import type { Drift } from '#lib/step.ts';

export type ProblemKind = 'precondition' | 'conflict' | 'limit';

export interface PreflightProblem {
  /** The spec field or the object concerned: `authentik.authorizationFlow`, `cognito.userPoolId`. */
  field: string;
  expected: unknown;
  actual: unknown;
  message: string;
  kind: ProblemKind;
  /** Something the tenant named (a pool, an app client) does not exist: `check` says `missing`. */
  missing?: boolean;
}

const errorClass = {
  precondition: PreconditionError,
  conflict: ConflictError,
  limit: LimitExceededError,
} as const;

/**
 * One error for all the problems: the class of the first (Authentik's are listed before Cognito's),
 * the message every sentence. The state machine routes on the class, a person reads the message.
 */
export function preflightError(problems: readonly PreflightProblem[]): Error | undefined {
  const [first] = problems;
  if (!first) return undefined;
  const message =
    problems.length === 1
      ? `preflight failed: ${first.message}`
      : `preflight failed (${problems.length} problems): ${problems.map((p, i) => `(${i + 1}) ${p.message}`).join(' ')}`;
  return new errorClass[first.kind](message);
}

export function problemsAsDrift(problems: readonly PreflightProblem[]): Drift[] {
  return problems.map(({ field, expected, actual }) => ({ field, expected, actual }));
}
