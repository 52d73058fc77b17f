// The transport to Authentik's REST API v3: openapi-fetch typed by the paths generated from the
// official schema, so every path, query and body is checked at compile time. Every request gets a
// timeout and every failure becomes one of the workflow's error classes before a caller sees it.
import createClient, { type Client } from 'openapi-fetch';
import type { Deployment } from '#lib/authentik-address.ts';
import { ValidationError } from '#lib/errors.ts';
import { retryTransient } from '#lib/retry-transient.ts';
import { type OnThrottle, safely } from '#lib/throttles.ts';
import { withinTime } from '#lib/within-time.ts';
import { errorForFailure, errorForStatus } from './http-errors.ts';
import { AddressRefusedError, authentikFetch } from './pinned-transport.ts';
import type { paths } from './schema.d.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface AuthentikClientOptions {
  /** The Authentik origin, e.g. `https://auth.example.com`; `/api/v3` is appended. */
  baseUrl: string;
  /** An API token (intent `api`), read by the caller from Secrets Manager. */
  token: string;
  /** Per request, body included. */
  timeoutMs?: number;
  /** For tests; defaults to the pinned transport of `deployment` (pinned-transport.ts). */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The SSRF boundary the default transport applies to every address it connects to (default:
   * public addresses only).
   */
  deployment?: Deployment;
  /**
   * Tries per request for transient failures (default 3), with full-jitter backoff from
   * `retryBaseMs` (default 200). Retrying a create is safe: a duplicate answers 400 on the unique
   * field and the steps look again. Longer outages are the state machine's Retry's job.
   */
  attempts?: number;
  retryBaseMs?: number;
  /** Told of every 429, retried or not (a Lambda counts them as a metric). */
  onThrottle?: OnThrottle;
}

export interface AuthentikClient {
  /** The typed openapi-fetch client; its calls resolve only on 2xx and throw the mapped errors. */
  readonly api: Client<paths>;
  /** The origin the client talks to, without a trailing slash. */
  readonly origin: string;
}

// Authentik tokens are printable ASCII. Checking here keeps a malformed token out of the message
// that `Headers` would otherwise throw with the value in it.
const TOKEN = /^[\x21-\x7e]+$/;

export function createAuthentikClient(options: AuthentikClientOptions): AuthentikClient {
  const { token, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const origin = parseOrigin(options.baseUrl);
  if (!TOKEN.test(token)) {
    throw new ValidationError('the Authentik API token is empty or contains characters a token never has', {
      token: ['must be printable ASCII without spaces'],
    });
  }
  const baseFetch = options.fetch ?? authentikFetch(options.deployment);
  const redact = (text: string) => text.replaceAll(token, '[redacted]');

  const send = async (request: Request): Promise<Response> => {
    const { method } = request;
    const path = new URL(request.url).pathname;
    let response: Response;
    let body: string;
    try {
      // The body is read within the time limit too, so a stalled or reset body counts as a failure.
      // Redirects are not followed: the API never redirects, so one means the URL is wrong.
      [response, body] = await withinTime(timeoutMs, async (signal) => {
        const answer = await baseFetch(new Request(request, { signal, redirect: 'manual' }));
        return [answer, await answer.text()] as const;
      });
    } catch (failure) {
      // A refused address stays what it is (a PreconditionError naming host and class): not retried.
      if (failure instanceof AddressRefusedError) throw failure;
      throw errorForFailure(method, path, failure, timeoutMs);
    }
    if (response.status === 429 && options.onThrottle) safely(options.onThrottle, 'Authentik');
    if (!response.ok) throw errorForStatus(method, path, response.status, body, redact);
    const contentType = response.headers.get('content-type');
    // A login page or proxy answering 200 in Authentik's place would otherwise surface as a JSON
    // syntax error far from its cause.
    if (body !== '' && !contentType?.includes('json')) {
      throw new Error(
        `Authentik ${method} ${path} answered ${contentType ?? 'without a content type'}, not JSON: check that the Authentik URL is the origin it serves`,
      );
    }
    return new Response(body === '' ? null : body, {
      status: response.status,
      headers: contentType ? { 'content-type': contentType } : {},
    });
  };

  const retries = { attempts: options.attempts ?? 3, baseMs: options.retryBaseMs ?? 200 };
  const sendWithRetries = (request: Request): Promise<Response> =>
    retryTransient(() => send(request.clone()), retries);

  const api = createClient<paths>({
    baseUrl: `${origin}/api/v3`,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    fetch: sendWithRetries,
    // Repeated parameters (managed=a&managed=b), as Authentik's multiple-choice filters read them.
    querySerializer: { array: { style: 'form', explode: true } },
  });
  return { api, origin };
}

/** The data of a successful call; the transport has already thrown for every error. */
export function dataOf<T>(result: { data?: T }): T {
  if (result.data === undefined)
    throw new Error('Authentik answered with an empty body where data was expected');
  return result.data;
}

function parseOrigin(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ValidationError('the Authentik URL is not a URL', {
      baseUrl: ['must be an absolute http(s) URL'],
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError('the Authentik URL is not http(s)', {
      baseUrl: ['must be an absolute http(s) URL'],
    });
  }
  // Tolerate a URL copied with the API prefix or a trailing slash.
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
}
