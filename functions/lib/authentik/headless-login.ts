// A headless login through Authentik, as a browser would do it: follow the authorization request's
// redirects by hand with a cookie jar, and whenever Authentik sends the user to a flow
// (`/if/flow/<slug>/?…`), drive the flow executor API (`/api/v3/flows/executor/<slug>/`):
// identification → password → consent where the flow has one → `xak-flow-redirect`. It ends at the
// first redirect that leaves Authentik (or reaches `redirectUri`): the client's callback with the code.
// Works against the emulator and a real Authentik (it sends Authentik's CSRF header when the
// `authentik_csrf` cookie is set). Never puts the password in an error message.
//
// It sends requests to Authentik's origin only, whatever fetch it is given: a redirect is followed by
// hand to that origin, and to `redirectUri` (Cognito's idpresponse URL) it is not followed at all —
// the login stops there and returns the URL, so no request and no cookie goes to it. Any other
// destination ends the login with `off_origin_redirect`. Cookies are kept per host.
import type { Deployment } from '#lib/authentik-address.ts';
import { PreconditionError, TransientError } from '#lib/errors.ts';
import { retryTransient } from '#lib/retry-transient.ts';
import { authentikFetch } from './pinned-transport.ts';

export interface HeadlessLoginOptions {
  /** Authentik's base URL, e.g. https://auth.example.com */
  baseUrl: string;
  /** The full authorization request URL (…/application/o/authorize/?client_id=…). */
  authorizeUrl: string;
  username: string;
  password: string;
  /**
   * Stop at a redirect to this URL (same origin and path, any query); any other redirect off
   * Authentik's origin is then refused. Without it: stop at the first redirect off the origin.
   */
  redirectUri?: string;
  /** Accept the consent stage when a flow shows one (default true). */
  consent?: boolean;
  /** For tests; by default the pinned transport of `deployment` (pinned-transport.ts). */
  fetch?: typeof fetch;
  /** The SSRF boundary the default transport applies to every address it connects to. */
  deployment?: Deployment;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Upper bound on requests, against redirect loops (default 40). */
  maxRequests?: number;
}

export type HeadlessLoginFailure =
  | 'invalid_credentials'
  | 'access_denied'
  | 'redirect_uri_rejected'
  | 'client_rejected'
  | 'consent_declined'
  | 'flow_error'
  | 'unsupported_stage'
  | 'unexpected_response'
  | 'too_many_requests'
  | 'off_origin_redirect';

/** The login cannot complete; `reason` says why. Retrying will not help (unlike TransientError). */
export class HeadlessLoginError extends Error {
  override readonly name = 'HeadlessLoginError';
  readonly reason: HeadlessLoginFailure;
  constructor(reason: HeadlessLoginFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

interface Cookie {
  /** The host that set it: the only one it is sent to. */
  host: string;
  name: string;
  value: string;
  path: string;
  expiresAt: number | null;
}

/**
 * Just enough of RFC 6265 for a login: names, paths, expiry, and every cookie host-only (RFC 6265
 * §5.3 step 6 without a Domain attribute): it goes back only to the host that set it. A Domain
 * attribute is ignored on purpose, so no cookie set by one host ever reaches another.
 */
export class CookieJar {
  #cookies: Cookie[] = [];

  store(requestUrl: URL, setCookies: readonly string[]): void {
    const host = requestUrl.hostname;
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const dir = requestUrl.pathname.slice(0, requestUrl.pathname.lastIndexOf('/')) || '/';
      let path = dir;
      let expiresAt: number | null = null;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attrValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attrValue.startsWith('/')) path = attrValue;
            break;
          case 'max-age':
            expiresAt = Date.now() + Number(attrValue) * 1000;
            break;
          case 'expires':
            if (expiresAt === null && !Number.isNaN(Date.parse(attrValue))) expiresAt = Date.parse(attrValue);
            break;
        }
      }
      this.#cookies = this.#cookies.filter((c) => !(c.host === host && c.name === name && c.path === path));
      if (expiresAt === null || expiresAt > Date.now()) {
        this.#cookies.push({ host, name, value, path, expiresAt });
      }
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = this.#cookies
      .filter((c) => c.host === url.hostname)
      .filter((c) => c.expiresAt === null || c.expiresAt > now)
      .filter((c) => pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** The value of the cookie `name` that `url`'s host set. */
  get(name: string, url: URL): string | undefined {
    return this.#cookies.find((c) => c.host === url.hostname && c.name === name)?.value;
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

const FLOW_SHELL = /^\/if\/flow\/([^/]+)\/$/;
const MAX_STAGES_PER_FLOW = 20;

interface Challenge {
  component?: string;
  to?: string;
  token?: string;
  password_fields?: boolean;
  error_message?: string;
  /** ak-stage-flow-error: what went wrong (FlowErrorChallenge, authentik/flows/challenge.py). */
  error?: string;
  response_errors?: Record<string, { string?: string }[]>;
}

function errorStrings(challenge: Challenge): string {
  return Object.values(challenge.response_errors ?? {})
    .flat()
    .map((e) => e.string ?? '')
    .filter(Boolean)
    .join('; ');
}

function pageTitle(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/i.exec(html)?.[1]?.trim() || undefined;
}

/** The first <h1>'s text: the card title of Authentik's login-style pages. */
function pageHeading(html: string): string | undefined {
  const inner = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1] ?? '';
  return (
    inner
      .replace(/<[^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .trim() || undefined
  );
}

/**
 * Authentik's error pages, told apart by what the real templates carry: a policy denial is
 * policies/denied.html (HTTP 200, title "Permission denied - <brand>", <h1> "Permission denied");
 * a refused client or redirect URI is if/error.html (HTTP 400, the title only the brand, the error
 * in the <h1>: "Client ID Error", "Redirect URI Error", authentik/common/oauth/errors.py).
 */
function classifyPage(status: number, title: string | undefined, heading: string | undefined) {
  if (heading === 'Permission denied' || title?.startsWith('Permission denied')) {
    return { reason: 'access_denied' as const, label: 'Permission denied' };
  }
  if (status === 400 && heading === 'Redirect URI Error') {
    return { reason: 'redirect_uri_rejected' as const, label: heading };
  }
  if (status === 400 && heading === 'Client ID Error')
    return { reason: 'client_rejected' as const, label: heading };
  return { reason: 'unexpected_response' as const, label: heading ?? title };
}

/** Logs in and returns the URL Authentik finally redirects to (the client's callback with `code`). */
export async function headlessLogin(options: HeadlessLoginOptions): Promise<string> {
  const base = new URL(options.baseUrl);
  const doFetch = options.fetch ?? authentikFetch(options.deployment);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRequests = options.maxRequests ?? 40;
  const jar = new CookieJar();
  let requests = 0;

  // A blip on one of the dozen requests of a login should not fail the whole login: each request
  // is tried up to three times on a transient failure (a stage answer that got a 5xx was not taken).
  async function request(method: 'GET' | 'POST', url: URL, body?: unknown, referer?: URL): Promise<Response> {
    requests += 1;
    if (requests > maxRequests) {
      throw new HeadlessLoginError(
        'too_many_requests',
        `login did not finish within ${maxRequests} requests`,
      );
    }
    return retryTransient(() => requestOnce(method, url, body, referer), { attempts: 3, baseMs: 200 });
  }

  async function requestOnce(
    method: 'GET' | 'POST',
    url: URL,
    body?: unknown,
    referer?: URL,
  ): Promise<Response> {
    // Every request of the login, the redirects it follows included, goes to Authentik's origin.
    if (url.origin !== base.origin) throw offOrigin(url);
    const headers: Record<string, string> = {
      accept: body === undefined ? 'text/html,application/json' : 'application/json',
    };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers.origin = base.origin;
      if (referer) headers.referer = referer.href;
      const csrf = jar.get('authentik_csrf', url);
      if (csrf) headers['x-authentik-csrf'] = csrf;
    }
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      // A refused address (the pinned transport) or a wrong host will not heal by retrying.
      if (error instanceof PreconditionError) throw error;
      throw new TransientError(
        `${method} ${url.pathname} failed: ${error instanceof Error ? error.message : 'network error'}`,
      );
    }
    jar.store(url, response.headers.getSetCookie());
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new TransientError(`${method} ${url.pathname} answered ${response.status}`);
    }
    return response;
  }

  const isRedirect = (response: Response) => response.status >= 300 && response.status < 400;
  const location = async (response: Response, from: URL): Promise<URL> => {
    await response.body?.cancel();
    const target = response.headers.get('location');
    if (!target)
      throw new HeadlessLoginError('unexpected_response', `${from.pathname} redirected without a Location`);
    return new URL(target, from);
  };
  const unexpected = async (response: Response, url: URL): Promise<HeadlessLoginError> => {
    const html = await response.text();
    const { reason, label } = classifyPage(response.status, pageTitle(html), pageHeading(html));
    return new HeadlessLoginError(
      reason,
      `${url.pathname} answered ${response.status}${label ? ` (${label})` : ''} instead of a redirect`,
    );
  };
  const expected = options.redirectUri === undefined ? undefined : new URL(options.redirectUri);
  const finished = (url: URL): boolean =>
    expected !== undefined
      ? url.origin === expected.origin && url.pathname === expected.pathname
      : url.origin !== base.origin;
  // Names the origin only: the URL's query could carry a code or a token.
  const offOrigin = (url: URL) =>
    new HeadlessLoginError(
      'off_origin_redirect',
      `the login was sent to ${url.origin}, which is neither Authentik (${base.origin}) nor the redirect URI; it was not followed`,
    );

  async function runFlow(slug: string, shell: URL): Promise<URL> {
    const shellResponse = await request('GET', shell);
    if (!shellResponse.ok) throw await unexpected(shellResponse, shell);
    await shellResponse.body?.cancel();

    const executor = new URL(`/api/v3/flows/executor/${slug}/`, base);
    executor.searchParams.set('query', shell.search.replace(/^\?/, ''));
    let response = await request('GET', executor);
    for (let stage = 0; stage < MAX_STAGES_PER_FLOW; stage += 1) {
      while (isRedirect(response)) response = await request('GET', await location(response, executor));
      if (!response.ok) throw await unexpected(response, executor);
      const challenge = (await response.json()) as Challenge;
      const component = challenge.component ?? '';
      if (challenge.response_errors && Object.keys(challenge.response_errors).length > 0) {
        const reason = component === 'ak-stage-consent' ? 'unexpected_response' : 'invalid_credentials';
        throw new HeadlessLoginError(
          reason,
          `flow ${slug} refused the ${component} answer: ${errorStrings(challenge)}`,
        );
      }
      switch (component) {
        case 'xak-flow-redirect':
          if (!challenge.to)
            throw new HeadlessLoginError('unexpected_response', `flow ${slug} redirected nowhere`);
          return new URL(challenge.to, base);
        case 'ak-stage-identification':
          response = await request(
            'POST',
            executor,
            {
              component,
              uid_field: options.username,
              ...(challenge.password_fields ? { password: options.password } : {}),
            },
            shell,
          );
          break;
        case 'ak-stage-password':
          response = await request('POST', executor, { component, password: options.password }, shell);
          break;
        case 'ak-stage-consent':
          if (options.consent === false) {
            throw new HeadlessLoginError('consent_declined', `flow ${slug} asks for consent`);
          }
          response = await request('POST', executor, { component, token: challenge.token ?? '' }, shell);
          break;
        case 'ak-stage-user-login':
          // The "stay signed in?" stage (UserLoginChallengeResponse, authentik/stages/user_login/
          // stage.py) requires remember_me; a verification asks for the shortest session.
          response = await request('POST', executor, { component, remember_me: false }, shell);
          break;
        case 'ak-stage-flow-error':
          // An unhandled error in a stage (FlowExecutorView.handle_exception).
          throw new HeadlessLoginError(
            'flow_error',
            `flow ${slug} failed in Authentik: ${challenge.error || "no error message (see Authentik's logs)"}`,
          );
        case 'ak-stage-access-denied':
          throw new HeadlessLoginError(
            'access_denied',
            `flow ${slug} denied access${challenge.error_message ? `: ${challenge.error_message}` : ''}`,
          );
        default:
          throw new HeadlessLoginError(
            'unsupported_stage',
            component
              ? `flow ${slug} shows the stage ${component}, which the headless login cannot answer`
              : `flow ${slug} answered a challenge without a component`,
          );
      }
    }
    throw new HeadlessLoginError('too_many_requests', `flow ${slug} did not finish`);
  }

  let url = new URL(options.authorizeUrl);
  for (;;) {
    if (finished(url)) return url.href;
    const shell = FLOW_SHELL.exec(url.pathname);
    if (shell && url.origin === base.origin) {
      url = await runFlow(shell[1] ?? '', url);
      continue;
    }
    const response = await request('GET', url);
    if (!isRedirect(response)) throw await unexpected(response, url);
    url = await location(response, url);
  }
}
