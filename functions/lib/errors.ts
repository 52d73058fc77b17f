// Errors the state machines route on. Each class pins its `name` as a literal because esbuild's
// minifier renames classes, and Step Functions matches on the error name a Lambda reports.

/** Worth retrying: 5xx, 429, timeouts, connection resets, Cognito throttling and internal errors. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Bad input. `fields` maps each offending field (dotted path) to what is wrong with it. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly fields: Record<string, string[]>;
  constructor(message: string, fields: Record<string, string[]> = {}) {
    super(message);
    this.fields = fields;
  }
}

/** Something the workflow needs is missing on the other side: a flow, a key, a version. */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}

/** Authentik refused the token (403): wrong, expired, or without the rights the step needs. */
export class AuthentikAuthError extends Error {
  override readonly name = 'AuthentikAuthError';
}

/** A resource exists and belongs to someone else, or differs in a way we must not overwrite. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** A Cognito quota is exhausted (LimitExceededException); retrying will not help. */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
}

export const errorNames = [
  'TransientError',
  'ValidationError',
  'PreconditionError',
  'AuthentikAuthError',
  'ConflictError',
  'LimitExceededError',
] as const;
export type ErrorName = (typeof errorNames)[number];
