// HTTP to the tenant's Authentik, for the checks that fetch what Cognito fetches (the discovery
// document, the JWKS, the token endpoint). The verification runs inside AWS on a schedule, so every
// URL it requests is an SSRF boundary: only the origin the spec's baseUrl names (which the
// deployment's allow-list has already accepted) is ever asked, a redirect is never followed, every
// answer is bounded in time and size, and the connection goes only to an address the deployment
// allows (the pinned transport; a refused one throws its PreconditionError).
import { AddressRefusedError, authentikFetch } from '#lib/authentik/pinned-transport.ts';
import { withinTime } from '#lib/within-time.ts';

export const AUTHENTIK_HTTP_TIMEOUT_MS = 5_000;
/** Discovery documents, key sets and token errors are a few kilobytes; anything far larger is not one. */
const MAX_BODY_BYTES = 256 * 1024;

export interface AuthentikHttpOptions {
  /** Default: the pinned transport with public addresses only (callers pass their deployment's). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export type AuthentikAnswer =
  | { ok: true; status: number; location: string | null; body: string }
  /** `why` completes "<what> at <url> …": "did not answer within 5000 ms". */
  | { ok: false; why: string };

/** Why `url` may not be requested, or undefined when it is on the Authentik origin itself. */
export function offOrigin(url: string, authentikBaseUrl: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.username !== '' || parsed.password !== '') return 'the URL carries credentials';
  const authentik = new URL(authentikBaseUrl).origin;
  if (parsed.origin !== authentik) {
    return `its origin ${parsed.origin} is not the tenant's Authentik (${authentik}); the verification fetches nothing else`;
  }
  return undefined;
}

export async function requestAuthentik(
  url: string,
  authentikBaseUrl: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  options: AuthentikHttpOptions = {},
): Promise<AuthentikAnswer> {
  const refused = offOrigin(url, authentikBaseUrl);
  if (refused) return { ok: false, why: `was not requested: ${refused}` };
  const doFetch = options.fetch ?? authentikFetch();
  const timeoutMs = options.timeoutMs ?? AUTHENTIK_HTTP_TIMEOUT_MS;
  try {
    return await withinTime(timeoutMs, async (signal) => {
      const response = await doFetch(url, { ...init, redirect: 'manual', signal });
      const location = response.headers.get('location');
      return { ok: true, status: response.status, location, body: await boundedText(response) } as const;
    });
  } catch (error) {
    if (error instanceof AddressRefusedError) throw error;
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError') return { ok: false, why: `did not answer within ${timeoutMs} ms` };
    if (error instanceof TooLargeError) return { ok: false, why: error.message };
    return { ok: false, why: `could not be fetched (${networkReason(error)})` };
  }
}

/** The body as a JSON object, or undefined. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

class TooLargeError extends Error {}

async function boundedText(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new TooLargeError(`is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const text = await response.text();
  if (text.length > MAX_BODY_BYTES) throw new TooLargeError(`is larger than ${MAX_BODY_BYTES} bytes`);
  return text;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return (error as Error | undefined)?.name ?? 'network error';
}
