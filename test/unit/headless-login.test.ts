// The headless login keeps to Authentik's origin by itself, whatever fetch it is given: a redirect
// elsewhere is not followed (idpresponse ends the login without a request), and cookies go back only
// to the host that set them.
import { describe, expect, it } from 'vitest';
import { CookieJar, HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';
import { AddressRefusedError } from '#lib/authentik/pinned-transport.ts';

const AUTHENTIK = 'https://auth.example.com';
const IDP_RESPONSE = 'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const AUTHORIZE = `${AUTHENTIK}/application/o/authorize/?client_id=abc&redirect_uri=${encodeURIComponent(IDP_RESPONSE)}`;

interface Sent {
  url: string;
  method: string;
  cookie: string | null;
  csrf: string | null;
}

type Route = (url: URL, method: string) => Response;

const redirect = (location: string, cookies: string[] = []) => {
  const headers = new Headers({ location });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(null, { status: 302, headers });
};
const json = (body: unknown, cookies: string[] = []) => {
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(JSON.stringify(body), { status: 200, headers });
};

/** A fetch that answers from `route` and records every request it was asked to send. */
function fakeFetch(route: Route) {
  const sent: Sent[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = new Headers(init?.headers);
    const method = init?.method ?? 'GET';
    sent.push({
      url: url.href,
      method,
      cookie: headers.get('cookie'),
      csrf: headers.get('x-authentik-csrf'),
    });
    return route(url, method);
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

/** Authentik's authorize → flow → executor → back to authorize → `finalLocation`. */
function authentikSendingTo(finalLocation: string): Route {
  let signedIn = false;
  return (url, method) => {
    if (url.origin !== AUTHENTIK) throw new Error(`the login requested ${url.href}`);
    if (url.pathname === '/application/o/authorize/') {
      return signedIn
        ? redirect(finalLocation)
        : redirect('/if/flow/default-authentication-flow/?next=%2Fapplication%2Fo%2Fauthorize%2F', [
            'authentik_session=s1; Path=/; HttpOnly',
            'authentik_csrf=c1; Path=/',
          ]);
    }
    if (url.pathname === '/if/flow/default-authentication-flow/') return new Response('<html></html>');
    if (url.pathname === '/api/v3/flows/executor/default-authentication-flow/') {
      if (method === 'GET') return json({ component: 'ak-stage-identification', password_fields: true });
      signedIn = true;
      return json({ component: 'xak-flow-redirect', to: '/application/o/authorize/' });
    }
    return new Response('not found', { status: 404 });
  };
}

const login = (fetch: typeof globalThis.fetch, redirectUri: string | null = IDP_RESPONSE) =>
  headlessLogin({
    baseUrl: AUTHENTIK,
    authorizeUrl: AUTHORIZE,
    username: 'cognito-test-acme',
    password: 'pa55-word-never-shown',
    fetch,
    ...(redirectUri === null ? {} : { redirectUri }),
  });

async function failure(call: Promise<unknown>): Promise<HeadlessLoginError> {
  const error = await call.catch((e: unknown) => e);
  if (error instanceof HeadlessLoginError) return error;
  throw new Error(`expected a HeadlessLoginError, got ${String(error)}`);
}

describe('headlessLogin keeps to the Authentik origin', () => {
  it("stops at Cognito's idpresponse with the code, without requesting it", async () => {
    const { fetch, sent } = fakeFetch(authentikSendingTo(`${IDP_RESPONSE}?code=c0de&state=s`));
    expect(await login(fetch)).toBe(`${IDP_RESPONSE}?code=c0de&state=s`);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((request) => request.url.startsWith(`${AUTHENTIK}/`))).toBe(true);
  });

  it('refuses a redirect to another origin, and never sends it a request', async () => {
    for (const elsewhere of [
      'https://evil.example.net/collect',
      'https://acme.auth.eu-west-1.amazoncognito.com.evil.net/oauth2/idpresponse',
      'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse/../../steal',
      'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse-not',
      'http://acme.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse',
      'https://auth.example.com:8443/application/o/authorize/',
    ]) {
      const { fetch, sent } = fakeFetch(authentikSendingTo(`${elsewhere}?code=c0de`));
      const error = await failure(login(fetch));
      expect(error.reason, elsewhere).toBe('off_origin_redirect');
      expect(error.message).toBe(
        `the login was sent to ${new URL(elsewhere).origin}, which is neither Authentik (${AUTHENTIK}) nor the redirect URI; it was not followed`,
      );
      expect(error.message).not.toContain('c0de');
      expect(sent.every((request) => request.url.startsWith(`${AUTHENTIK}/`))).toBe(true);
    }
  });

  it('without a redirect URI, stops at the first URL off the origin without requesting it', async () => {
    const { fetch, sent } = fakeFetch(authentikSendingTo('https://app.example.com/callback?code=c0de'));
    expect(await login(fetch, null)).toBe('https://app.example.com/callback?code=c0de');
    expect(sent.some((request) => request.url.startsWith('https://app.example.com'))).toBe(false);
  });

  it('refuses an executor redirect or a flow redirect off the origin', async () => {
    const viaExecutor: Route = (url, method) => {
      if (url.pathname === '/api/v3/flows/executor/default-authentication-flow/' && method === 'GET') {
        return redirect('https://evil.example.net/executor');
      }
      return authentikSendingTo(IDP_RESPONSE)(url, method);
    };
    const executor = fakeFetch(viaExecutor);
    expect((await failure(login(executor.fetch))).reason).toBe('off_origin_redirect');
    expect(executor.sent.some((request) => request.url.includes('evil'))).toBe(false);

    const viaFlow: Route = (url, method) => {
      if (url.pathname === '/api/v3/flows/executor/default-authentication-flow/' && method === 'POST') {
        return json({ component: 'xak-flow-redirect', to: 'https://evil.example.net/flow' });
      }
      return authentikSendingTo(IDP_RESPONSE)(url, method);
    };
    const flow = fakeFetch(viaFlow);
    expect((await failure(login(flow.fetch))).reason).toBe('off_origin_redirect');
    expect(flow.sent.some((request) => request.url.includes('evil'))).toBe(false);
  });

  it("sends Authentik's cookies and CSRF header back to Authentik only", async () => {
    const { fetch, sent } = fakeFetch(authentikSendingTo(`${IDP_RESPONSE}?code=c0de`));
    await login(fetch);
    const post = sent.find((request) => request.method === 'POST');
    expect(post?.cookie).toBe('authentik_session=s1; authentik_csrf=c1');
    expect(post?.csrf).toBe('c1');
  });

  it('lets a refused address through at once, neither retried nor reworded', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      throw new AddressRefusedError(
        'the Authentik host auth.example.com resolves to 10.0.0.7, a private address',
      );
    }) as typeof globalThis.fetch;
    await expect(login(fetch)).rejects.toBeInstanceOf(AddressRefusedError);
    expect(calls).toBe(1);
  });
});

describe('CookieJar', () => {
  const a = new URL('https://a.example.com/app/page');
  const b = new URL('https://b.example.com/app/page');

  it('sends a cookie only to the host that set it, whatever its Domain attribute says', () => {
    const jar = new CookieJar();
    jar.store(a, ['sid=1; Path=/', 'wide=2; Path=/; Domain=example.com']);
    expect(jar.header(a)).toBe('sid=1; wide=2');
    expect(jar.header(b)).toBeUndefined();
    expect(jar.header(new URL('https://example.com/'))).toBeUndefined();
    expect(jar.header(new URL('https://x.a.example.com/'))).toBeUndefined();
    expect(jar.get('sid', a)).toBe('1');
    expect(jar.get('sid', b)).toBeUndefined();
  });

  it('keeps two hosts’ cookies of the same name apart', () => {
    const jar = new CookieJar();
    jar.store(a, ['sid=from-a; Path=/']);
    jar.store(b, ['sid=from-b; Path=/']);
    expect(jar.header(a)).toBe('sid=from-a');
    expect(jar.header(b)).toBe('sid=from-b');
    jar.store(b, ['sid=gone; Max-Age=0; Path=/']);
    expect(jar.header(b)).toBeUndefined();
    expect(jar.header(a)).toBe('sid=from-a');
  });

  it('scopes by path too: the default path is the request directory', () => {
    const jar = new CookieJar();
    jar.store(a, ['here=1']);
    expect(jar.header(new URL('https://a.example.com/app/other'))).toBe('here=1');
    expect(jar.header(new URL('https://a.example.com/elsewhere'))).toBeUndefined();
  });
});
