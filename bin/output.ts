// What every command shares: how it prints, how a mistake in the call is told apart from a failure,
// and the exit codes. Imports nothing from the local world, so `--help`, usage errors and commands
// against an API load none of it.

/** The exit codes, the same for every command (listed in `--help` and the README). */
export const EXIT = {
  /** The command succeeded; `verify` found the federation verified, `plan` found nothing to change. */
  ok: 0,
  /** The command failed: what it was asked could not be done. */
  failed: 1,
  /** The command was called wrongly: an unknown command or option, a missing or unreadable argument. */
  usage: 2,
  /** `verify` found a federation not verified, or `plan` found changes pending. */
  attention: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake in how the command was called; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The tenant the command names is not registered; exits 1. */
export class TenantNotFoundError extends Error {
  override readonly name = 'TenantNotFoundError';
  constructor(readonly tenantId: string) {
    super(`Tenant ${tenantId} is not registered`);
  }
}

export interface Output {
  json: boolean;
  line(text: string): void;
}

/** Progress lines on stderr (stdout keeps the result), none in `--json` mode. */
export function outputFor(json: boolean): Output {
  return { json, line: (text) => (json ? undefined : process.stderr.write(`${text}\n`)) };
}
