// Reads the issuer's OIDC discovery document as Cognito does (`<issuer>.well-known/openid-configuration`,
// plain concatenation). The verification runs inside AWS on a schedule, so the URL it fetches is an
// SSRF boundary: only the tenant's Authentik is ever asked — the origin the spec's baseUrl names,
// which the deployment's allow-list has already accepted — and a redirect is never followed.

export const DISCOVERY_TIMEOUT_MS = 5_000;
/** A discovery document is a few kilobytes; anything far larger is not one. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

export type DiscoveryResult =
  | { ok: true; url: string; document: Record<string, unknown> }
  | { ok: false; reason: 'ISSUER_HOST_MISMATCH' | 'DISCOVERY_UNREACHABLE'; url?: string; message: string };

export interface DiscoveryOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * The discovery URL of `issuer`, or why it may not be fetched: the issuer must be on the Authentik
 * origin itself (same scheme, host and port), without credentials.
 */
export function discoveryUrl(
  issuer: string,
  authentikBaseUrl: string,
): { url: string } | { refused: string } {
  let parsed: URL;
  try {
    parsed = new URL(issuer);
  } catch {
    return { refused: `the issuer "${issuer}" is not a URL` };
  }
  const authentik = new URL(authentikBaseUrl);
  if (parsed.username !== '' || parsed.password !== '') {
    return { refused: 'the issuer carries credentials' };
  }
  if (parsed.origin !== authentik.origin) {
    return {
      refused: `the issuer's origin ${parsed.origin} is not the tenant's Authentik (${authentik.origin}); the verification fetches nothing else`,
    };
  }
  return { url: `${issuer}.well-known/openid-configuration` };
}

export async function fetchDiscovery(
  issuer: string,
  authentikBaseUrl: string,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const target = discoveryUrl(issuer, authentikBaseUrl);
  if ('refused' in target) return { ok: false, reason: 'ISSUER_HOST_MISMATCH', message: target.refused };
  const { url } = target;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DISCOVERY_TIMEOUT_MS;
  const unreachable = (why: string): DiscoveryResult => ({
    ok: false,
    reason: 'DISCOVERY_UNREACHABLE',
    url,
    message: `the discovery document at ${url} ${why}`,
  });
  let status: number;
  let location: string | null;
  let body: string;
  try {
    [status, location, body] = await withinTime(timeoutMs, async (signal) => {
      const response = await doFetch(url, {
        redirect: 'manual',
        signal,
        headers: { accept: 'application/json' },
      });
      return [response.status, response.headers.get('location'), await boundedText(response)] as const;
    });
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError') return unreachable(`did not answer within ${timeoutMs} ms`);
    if (error instanceof TooLargeError) return unreachable(error.message);
    return unreachable(`could not be fetched (${networkReason(error)})`);
  }
  if (status >= 300 && status < 400) {
    return unreachable(
      `redirects (${status}${location ? ` to ${location}` : ''}); redirects are not followed`,
    );
  }
  if (status !== 200) return unreachable(`answered HTTP ${status}`);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return unreachable('is not JSON');
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    return unreachable('is not a JSON object');
  }
  return { ok: true, url, document: document as Record<string, unknown> };
}

class TooLargeError extends Error {}

async function boundedText(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_DOCUMENT_BYTES) {
    await response.body?.cancel();
    throw new TooLargeError(`is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  }
  const text = await response.text();
  if (text.length > MAX_DOCUMENT_BYTES) throw new TooLargeError(`is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  return text;
}

/** Our own timer rather than AbortSignal.timeout alone: see withinTime in lib/authentik/client.ts. */
async function withinTime<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`timed out after ${ms} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return (error as Error | undefined)?.name ?? 'network error';
}
