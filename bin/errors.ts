// How a failed command reads: for a person, one paragraph naming each bad field and what to do next
// (never a serialized error object); for `--json`, the same facts as one JSON document.
import { errorNames } from '#lib/errors.ts';
import { ApiError } from './api-client.ts';
import { EXIT, type ExitCode, UsageError } from './output.ts';

export interface ErrorFacts {
  /** The error's class as the workflow names it: ValidationError, ConflictError, ApiError, … */
  name: string;
  /** What went wrong, without the field list. */
  message: string;
  /** Each bad field (dotted path) with what is wrong with it. */
  fields: Record<string, string[]>;
  /** What to do about it. */
  advice: string;
  /** The API's status, for errors the API answered. */
  status?: number;
  exitCode: ExitCode;
}

/** The `{"errorType","errorMessage"}` a Lambda reports, as an execution's cause carries it. */
function lambdaCause(text: string): { name: string; message: string; context?: string } | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const cause = JSON.parse(trimmed) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof cause.errorType !== 'string') return undefined;
    return {
      name: cause.errorType,
      message: typeof cause.errorMessage === 'string' ? cause.errorMessage : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * `invalid tenant spec: a.b: must x; must y | c: must z` (parseTenantSpec's message, the only form a
 * ValidationError keeps once it crossed a state machine) back into its fields.
 */
function fieldsOfMessage(message: string): { message: string; fields: Record<string, string[]> } {
  const match = /^(invalid [^:]+): (.+)$/s.exec(message);
  if (!match?.[1] || !match[2]) return { message, fields: {} };
  const fields: Record<string, string[]> = {};
  for (const part of match[2].split(' | ')) {
    const colon = part.indexOf(': ');
    if (colon <= 0) return { message, fields: {} };
    fields[part.slice(0, colon)] = part.slice(colon + 2).split('; ');
  }
  return { message: match[1], fields };
}

const ADVICE: Record<string, string> = {
  ValidationError: 'Correct these fields and run the command again.',
  PreconditionError: 'Create or fix what is named, in Authentik or in Cognito, then run the command again.',
  ConflictError: 'Nothing was changed; follow the way out the message names, then run the command again.',
  AuthentikAuthError:
    'Authentik refused the API token: store a valid token (intent API, for a user who may manage ' +
    'groups, users, providers, applications and policies) under <prefix>/<tenantId>/authentik-token ' +
    'and run the command again.',
  TransientError: 'A service was busy or unreachable; run the command again in a moment.',
  LimitExceededError:
    'A Cognito quota is exhausted: free room or raise the quota in Service Quotas, then run the command again.',
  UsageError: 'Run `federation --help` for the commands and their arguments.',
  TenantNotFoundError: 'Check the tenant id: `federation list` shows every registered tenant.',
};

function apiAdvice(error: ApiError): string {
  if (error.status === 400) return ADVICE.ValidationError as string;
  if (error.status === 403)
    return (
      'The API refused your AWS credentials: they need execute-api:Invoke on this tenant ' +
      '(see the example policy in the README).'
    );
  if (error.status === 404) return ADVICE.TenantNotFoundError as string;
  if (error.status === 409)
    return 'Another execution holds the tenant: wait until it ends (`federation status <tenant>`), then run the command again.';
  if (error.status === 429 || error.status >= 500) return ADVICE.TransientError as string;
  return 'Check the request and run the command again.';
}

/** The facts of any error a command can end with. */
export function errorFacts(error: unknown): ErrorFacts {
  if (error instanceof ApiError) {
    return {
      name: 'ApiError',
      message: error.message.replace(/ \(.*\)$/s, ''),
      fields: error.fields,
      advice: apiAdvice(error),
      status: error.status,
      exitCode: EXIT.failed,
    };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const usage = err instanceof UsageError;
  const cause = lambdaCause(err.message) ?? embeddedError(err.message);
  const name = cause?.name ?? err.name;
  const own =
    'fields' in err && err.fields && typeof err.fields === 'object' && Object.keys(err.fields).length > 0;
  const parsed = own
    ? { message: err.message.replace(/: .*$/s, ''), fields: err.fields as Record<string, string[]> }
    : fieldsOfMessage(cause?.message ?? err.message);
  const known = (errorNames as readonly string[]).includes(name) || name in ADVICE;
  return {
    name,
    message: cause?.context ? `${cause.context}: ${parsed.message}` : parsed.message,
    fields: parsed.fields,
    advice: ADVICE[name] ?? (known ? '' : 'Run the command again; if it fails the same way, report it.'),
    exitCode: usage ? EXIT.usage : EXIT.failed,
  };
}

/**
 * `Provision of tenant acme failed at validate-tenant: ConflictError: …` (how a failed execution
 * reads): the workflow's error name inside, and what came before it as the context.
 */
function embeddedError(text: string): { name: string; message: string; context?: string } | undefined {
  const match = new RegExp(`\\b(${errorNames.join('|')}): `).exec(text);
  if (!match?.[1]) return undefined;
  const context = text.slice(0, match.index).replace(/[:\s]+$/, '');
  return {
    name: match[1],
    message: text.slice(match.index + match[0].length),
    ...(context ? { context } : {}),
  };
}

const sentence = (text: string) => {
  const trimmed = text.trim();
  return trimmed === '' || /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** One paragraph: what failed, each bad field with what is wrong with it, what to do. */
export function errorParagraph(command: string, facts: ErrorFacts): string {
  const entries = Object.entries(facts.fields);
  const fields = entries.map(([field, messages]) => sentence(`${field}: ${messages.join('; ')}`)).join(' ');
  const what =
    entries.length === 0
      ? capital(sentence(facts.message))
      : `${capital(sentence(facts.message))} ${entries.length === 1 ? 'One field is' : `${entries.length} fields are`} wrong. ${fields}`;
  return `federation ${command} failed: ${[what, facts.advice].filter((s) => s !== '').join(' ')}`;
}

/** The machine form `--json` prints on stdout. */
export function errorDocument(facts: ErrorFacts): Record<string, unknown> {
  return {
    error: facts.message,
    errorName: facts.name,
    ...(Object.keys(facts.fields).length > 0 ? { fields: facts.fields } : {}),
    ...(facts.status === undefined ? {} : { status: facts.status }),
    advice: facts.advice,
    exitCode: facts.exitCode,
  };
}
