// The challenges the supported Authentik releases can send the headless login, and the pages they
// refuse with: ak-stage-user-login is answered, ak-stage-flow-error ends the login with its message,
// an unknown component ends it naming the component, and the real error pages (policies/denied.html,
// if/error.html) are classified by what they carry.
import { describe, expect, it } from 'vitest';
import { HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';

const AUTHENTIK = 'https://auth.example.com';
const IDP_RESPONSE = 'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const AUTHORIZE = `${AUTHENTIK}/application/o/authorize/?client_id=abc&redirect_uri=${encodeURIComponent(IDP_RESPONSE)}`;
const FLOW = '/if/flow/default-authentication-flow/';
const EXECUTOR = '/api/v3/flows/executor/default-authentication-flow/';

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const html = (status: number, body: string) =>
  new Response(body, { status, headers: { 'content-type': 'text/html' } });

/** Authentik whose authentication flow answers `challenges` in turn, recording every POST body. */
function authentik(challenges: unknown[], authorizePage?: Response) {
  const posted: unknown[] = [];
  let signedIn = false;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.pathname === '/application/o/authorize/') {
      if (authorizePage) return authorizePage;
      const location = signedIn
        ? `${IDP_RESPONSE}?code=c&state=s`
        : `${FLOW}?next=%2Fapplication%2Fo%2Fauthorize%2F`;
      return new Response(null, { status: 302, headers: { location } });
    }
    if (url.pathname === FLOW) return html(200, '<html></html>');
    if (url.pathname === EXECUTOR) {
      if (init?.method === 'POST') posted.push(JSON.parse(String(init.body)));
      const next = challenges.shift();
      if (next === undefined) {
        signedIn = true;
        return json({ component: 'xak-flow-redirect', to: '/application/o/authorize/' });
      }
      return json(next);
    }
    return html(404, 'not found');
  }) as typeof globalThis.fetch;
  return { fetch, posted };
}

const login = (fetch: typeof globalThis.fetch) =>
  headlessLogin({
    baseUrl: AUTHENTIK,
    authorizeUrl: AUTHORIZE,
    username: 'cognito-test-acme',
    password: 'pa55-word-never-shown',
    redirectUri: IDP_RESPONSE,
    fetch,
  });

describe('challenge components', () => {
  it('answers ak-stage-user-login with remember_me (UserLoginChallengeResponse requires it)', async () => {
    const { fetch, posted } = authentik([
      { component: 'ak-stage-identification', password_fields: true },
      { component: 'ak-stage-user-login', pending_user: 'x', pending_user_avatar: '' },
    ]);
    await expect(login(fetch)).resolves.toContain('code=c');
    expect(posted.at(-1)).toEqual({ component: 'ak-stage-user-login', remember_me: false });
  });

  it('ends at ak-stage-flow-error with its message', async () => {
    const { fetch } = authentik([
      { component: 'ak-stage-flow-error', request_id: 'r1', error: 'Database is locked' },
    ]);
    const error = (await login(fetch).catch((e: unknown) => e)) as HeadlessLoginError;
    expect(error).toBeInstanceOf(HeadlessLoginError);
    expect(error.reason).toBe('flow_error');
    expect(error.message).toContain('Database is locked');
  });

  it('ends at an unknown component, naming it', async () => {
    const { fetch } = authentik([{ component: 'ak-stage-authenticator-validate' }]);
    const error = (await login(fetch).catch((e: unknown) => e)) as HeadlessLoginError;
    expect(error.reason).toBe('unsupported_stage');
    expect(error.message).toContain('ak-stage-authenticator-validate');
    expect(error.message).not.toContain('pa55-word-never-shown');
  });
});

describe('error pages as the real templates render them', () => {
  const page = (title: string, heading: string) =>
    `<!DOCTYPE html><html><head><title>\n${title}\n</title></head><body><h1 class="pf-c-title pf-m-3xl">\n  ${heading}\n</h1></body></html>`;

  it.each([
    [200, page('Permission denied - Acme SSO', 'Permission denied'), 'access_denied'],
    [400, page('Acme SSO', 'Redirect URI Error'), 'redirect_uri_rejected'],
    [400, page('authentik', 'Client ID Error'), 'client_rejected'],
    [200, page('authentik', 'Welcome'), 'unexpected_response'],
  ])('HTTP %i %#: %s', async (status, body, reason) => {
    const { fetch } = authentik([], html(status, body));
    const error = (await login(fetch).catch((e: unknown) => e)) as HeadlessLoginError;
    expect(error.reason).toBe(reason);
  });

  it('the titles the emulator used to invent are no longer taken for Authentik pages', async () => {
    const { fetch } = authentik([], html(400, '<title>Access denied</title>'));
    const error = (await login(fetch).catch((e: unknown) => e)) as HeadlessLoginError;
    expect(error.reason).toBe('unexpected_response');
  });
});
