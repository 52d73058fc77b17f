// How Authentik's answers and network failures become the error classes the workflow routes on.
// Messages name the method, path and status, never a header or a request body, so the token and
// any password sent stay out of logs; the token is also redacted from anything Authentik echoes.
import { AuthentikAuthError, PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';

/** Authentik answered 404: the object is gone. Get and delete helpers turn it into a plain result. */
export class AuthentikNotFoundError extends Error {
  override readonly name = 'AuthentikNotFoundError';
}

/**
 * Authentik answered 400. It keeps the name `ValidationError` (the workflow routes on it) and adds
 * the fact that Authentik said it, which is what isAlreadyExists keys on.
 */
export class AuthentikValidationError extends ValidationError {
  readonly status = 400;
}

// Network failures worth retrying. A name that does not resolve (ENOTFOUND) is left out on purpose:
// it means the Authentik URL is wrong, and retrying for minutes would only hide that.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export type Redact = (text: string) => string;

/** The error for a non-2xx answer. */
export function errorForStatus(
  method: string,
  path: string,
  status: number,
  body: string,
  redact: Redact,
): Error {
  const call = `Authentik ${method} ${path}`;
  if (status === 400) {
    const fields = fieldErrors(parseJson(body), redact);
    const summary = Object.entries(fields)
      .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
      .join('; ');
    return new AuthentikValidationError(`${call} was rejected (400)${summary ? `: ${summary}` : ''}`, fields);
  }
  if (status === 401 || status === 403) {
    const detail = detailOf(parseJson(body));
    return new AuthentikAuthError(
      `${call} was refused (${status}${detail ? `: ${redact(detail)}` : ''}). The API token is wrong or ` +
        'expired, or its user lacks the rights for this call (note that a token without rights sees ' +
        'empty lists rather than an error).',
    );
  }
  if (status === 404) return new AuthentikNotFoundError(`${call}: not found (404)`);
  if (status === 429 || status >= 500) return new TransientError(`${call} failed (${status})`);
  if (status >= 300 && status < 400) {
    return new Error(
      `${call} was redirected (${status}): check that the Authentik URL is the origin it serves`,
    );
  }
  return new Error(`${call} failed (${status})`);
}

/** The error for a request that got no complete answer: timeout, reset, refused, DNS. */
export function errorForFailure(method: string, path: string, failure: unknown, timeoutMs: number): Error {
  const call = `Authentik ${method} ${path}`;
  if (failure instanceof Error && failure.name === 'TimeoutError') {
    return new TransientError(`${call} timed out after ${timeoutMs} ms`);
  }
  const codes = errorCodes(failure);
  if (codes.includes('ENOTFOUND')) {
    return new PreconditionError(
      `${call}: the host name does not resolve (ENOTFOUND); check the Authentik URL`,
    );
  }
  const transient = codes.find((code) => TRANSIENT_CODES.has(code));
  if (transient) return new TransientError(`${call} failed: ${transient}`);
  // Unknown failures (TLS certificate errors, for one) are not retried: they rarely heal by waiting.
  return new Error(
    `${call} failed: ${codes[0] ?? (failure instanceof Error ? failure.name : 'unknown error')}`,
  );
}

/**
 * True when `err` is Authentik's 400 with an error on `field`: the answer to creating something whose
 * unique field is taken. Keyed on status and field, never on the message text, which Authentik words
 * differently per model and version. The caller must look the object up again and rethrow `err`
 * when it is not there (the field may have been rejected for another reason).
 */
export function isAlreadyExists(err: unknown, field: string): boolean {
  return err instanceof AuthentikValidationError && (err.fields[field]?.length ?? 0) > 0;
}

/** Runs a call whose 404 means "absent": resolves to undefined instead of throwing. */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof AuthentikNotFoundError) return undefined;
    throw err;
  }
}

/**
 * DRF error bodies as `{dotted.path: [messages]}`: `{"name": ["…"]}` stays as it is,
 * `{"redirect_uris": [{"url": ["…"]}]}` becomes `redirect_uris.0.url`, and a bare `detail` or list
 * becomes `non_field_errors`.
 */
export function fieldErrors(body: unknown, redact: Redact): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  const add = (path: string, message: string) => {
    const key = path || 'non_field_errors';
    fields[key] = [...(fields[key] ?? []), redact(message)];
  };
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      add(path, value);
      return;
    }
    if (Array.isArray(value)) {
      const allStrings = value.every((item) => typeof item === 'string');
      value.forEach((item, i) => {
        walk(item, allStrings ? path : join(path, String(i)));
      });
      return;
    }
    if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        // A top-level string `code` is DRF's error code, not a field; `detail` is a general message.
        if (path === '' && key === 'code' && typeof item === 'string') continue;
        walk(item, path === '' && key === 'detail' ? '' : join(path, key));
      }
    }
  };
  walk(body, '');
  return fields;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function detailOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string')
    return body.detail;
  return undefined;
}

/** The `code`s along an error's cause chain; undici nests them (`fetch failed` → cause → code). */
function errorCodes(failure: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if ('code' in value && typeof value.code === 'string') codes.push(value.code);
    if ('errors' in value && Array.isArray(value.errors)) value.errors.forEach(visit);
    if ('cause' in value) visit(value.cause);
  };
  visit(failure);
  return codes;
}
