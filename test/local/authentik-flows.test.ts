// The emulator's flow executor, spoken to directly as Authentik's web interface does: challenges
// as JSON, answers as JSON, a redirect after each stage, the session in `authentik_session`.
// Every challenge is checked against its schema in Authentik's schema.yml.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '#lib/authentik/headless-login.ts';
import type { OidcProvider } from '#local/authentik/backend.ts';
import { authentikSchema } from '#local/authentik/schema.ts';
import {
  type FakeAuthentik,
  IMPLICIT_CONSENT_FLOW,
  startFakeAuthentik,
} from '../support/fake-authentik-backend.ts';

const CALLBACK = 'https://tenant-a.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const AUTHENTICATION = 'default-authentication-flow';
const PASSWORD = 'a long and correct password';

const SCHEMA_OF: Record<string, string> = {
  'ak-stage-identification': 'IdentificationChallenge',
  'ak-stage-password': 'PasswordChallenge',
  'ak-stage-consent': 'ConsentChallenge',
  'ak-stage-access-denied': 'AccessDeniedChallenge',
  'xak-flow-redirect': 'RedirectChallenge',
};

type Challenge = Record<string, unknown> & {
  component: string;
  response_errors?: Record<string, { string: string; code: string }[]>;
};

let authentik: FakeAuthentik;
let provider: OidcProvider;
let implicitProvider: OidcProvider;

beforeAll(async () => {
  authentik = await startFakeAuthentik();
  authentik.backend.addUser({
    username: 'alice',
    name: 'Alice',
    email: 'alice@example.com',
    password: PASSWORD,
  });
  authentik.backend.addUser({
    username: 'retired',
    name: 'Retired',
    email: 'retired@example.com',
    password: PASSWORD,
    isActive: false,
  });
  provider = authentik.backend.addApplication({
    slug: 'tenant-a',
    name: 'Tenant A',
    redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
  }).provider;
  implicitProvider = authentik.backend.addApplication({
    slug: 'tenant-b',
    name: 'Tenant B',
    redirectUris: [{ matching_mode: 'strict', url: CALLBACK }],
    authorizationFlowSlug: IMPLICIT_CONSENT_FLOW,
  }).provider;
});

afterAll(async () => {
  await authentik?.close();
});

/** A browser-like session: a cookie jar, manual redirects. */
class Browser {
  readonly jar = new CookieJar();

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const url = new URL(path, authentik.baseUrl);
    const headers: Record<string, string> = {};
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // As Authentik's web client does (web/src/common/api/middleware.ts, CSRFMiddleware).
    const csrf = this.jar.get('authentik_csrf', url);
    if (csrf) headers['x-authentik-csrf'] = csrf;
    const response = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    this.jar.store(url, response.headers.getSetCookie());
    return response;
  }

  /** GETs a challenge (following the executor's redirects) and checks it against schema.yml. */
  async challenge(path: string): Promise<Challenge> {
    let response = await this.request('GET', path);
    while (response.status === 302)
      response = await this.request('GET', response.headers.get('location') ?? '');
    expect(response.status).toBe(200);
    return checked((await response.json()) as Challenge);
  }

  async answer(path: string, body: Record<string, unknown>): Promise<Response> {
    return this.request('POST', path, body);
  }
}

function checked(challenge: Challenge): Challenge {
  const schemaName = SCHEMA_OF[challenge.component];
  expect(schemaName, `a known component: ${challenge.component}`).toBeDefined();
  const validate = authentikSchema().validator(schemaName ?? '', { strict: true });
  expect(validate(challenge), JSON.stringify(validate.errors)).toBe(true);
  return challenge;
}

function executor(slug: string, query: string): string {
  return `/api/v3/flows/executor/${slug}/?query=${encodeURIComponent(query)}`;
}

describe('authentication flow', () => {
  it('walks identification → password → redirect to next, and sets the session cookie', async () => {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, 'next=%2Fapplication%2Fo%2Fauthorize%2F%3Fclient_id%3Dabc');
    const first = await browser.request('GET', path);
    const setCookie = first.headers.getSetCookie().find((c) => c.startsWith('authentik_session='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Path=\//);
    const identification = checked((await first.json()) as Challenge);
    expect(identification).toMatchObject({
      component: 'ak-stage-identification',
      user_fields: ['email', 'username'],
      password_fields: false,
      flow_designation: 'authentication',
      primary_action: 'Log in',
    });
    expect(identification.flow_info).toMatchObject({ title: 'Welcome to authentik!' });

    const afterIdentification = await browser.answer(path, {
      component: 'ak-stage-identification',
      uid_field: 'alice',
    });
    expect(afterIdentification.status).toBe(302);
    expect(afterIdentification.headers.get('location')).toBe(path);

    const password = await browser.challenge(path);
    expect(password).toMatchObject({ component: 'ak-stage-password', pending_user: 'alice' });

    const afterPassword = await browser.answer(path, { component: 'ak-stage-password', password: PASSWORD });
    expect(afterPassword.status).toBe(302);
    const done = await browser.challenge(path);
    expect(done).toEqual({ component: 'xak-flow-redirect', to: '/application/o/authorize/?client_id=abc' });
  });

  it('answers a wrong password with the password challenge carrying response_errors', async () => {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, 'next=%2F');
    await browser.challenge(path);
    await browser.answer(path, { component: 'ak-stage-identification', uid_field: 'alice@example.com' });
    await browser.challenge(path);
    const wrong = await browser.answer(path, { component: 'ak-stage-password', password: 'wrong' });
    expect(wrong.status).toBe(200);
    const challenge = checked((await wrong.json()) as Challenge);
    expect(challenge.component).toBe('ak-stage-password');
    expect(challenge.response_errors).toEqual({
      password: [{ string: 'Invalid password', code: 'invalid' }],
    });
    // The flow stays at the password stage; the right password still passes.
    const right = await browser.answer(path, { component: 'ak-stage-password', password: PASSWORD });
    expect(right.status).toBe(302);
    expect(await browser.challenge(path)).toMatchObject({ component: 'xak-flow-redirect', to: '/' });
  });

  it('treats an unknown user and an inactive user like a wrong password', async () => {
    for (const uid of ['nobody', 'retired']) {
      const browser = new Browser();
      const path = executor(AUTHENTICATION, '');
      await browser.challenge(path);
      expect(
        (await browser.answer(path, { component: 'ak-stage-identification', uid_field: uid })).status,
      ).toBe(302);
      expect(await browser.challenge(path)).toMatchObject({
        component: 'ak-stage-password',
        pending_user: uid,
      });
      const answer = await browser.answer(path, { component: 'ak-stage-password', password: PASSWORD });
      const challenge = checked((await answer.json()) as Challenge);
      expect(challenge.response_errors?.password?.[0]?.string).toBe('Invalid password');
    }
  });

  it('cancels the flow with access denied after more than five wrong passwords', async () => {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, '');
    await browser.challenge(path);
    await browser.answer(path, { component: 'ak-stage-identification', uid_field: 'alice' });
    let last: Challenge | undefined;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      last = (await (
        await browser.answer(path, { component: 'ak-stage-password', password: `wrong-${attempt}` })
      ).json()) as Challenge;
    }
    expect(checked(last as Challenge).component).toBe('ak-stage-access-denied');
    // The plan is gone: the flow starts over.
    expect((await browser.challenge(path)).component).toBe('ak-stage-identification');
  });

  it('asks again when no identifier is given', async () => {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, '');
    await browser.challenge(path);
    const answer = await browser.answer(path, { component: 'ak-stage-identification', uid_field: '' });
    const challenge = checked((await answer.json()) as Challenge);
    expect(challenge.response_errors).toEqual({
      non_field_errors: [{ string: 'No identification data provided.', code: 'invalid' }],
    });
  });

  it('refuses an absolute next URL at the end of the flow', async () => {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, 'next=https%3A%2F%2Fevil.example.com%2F');
    await browser.challenge(path);
    await browser.answer(path, { component: 'ak-stage-identification', uid_field: 'alice' });
    await browser.answer(path, { component: 'ak-stage-password', password: PASSWORD });
    const done = await browser.challenge(path);
    expect(done).toMatchObject({ component: 'ak-stage-access-denied', error_message: 'Invalid next URL' });
  });

  it('answers 400 to an answer for another stage, and 404 for an unknown flow', async () => {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, '');
    await browser.challenge(path);
    const wrongStage = await browser.answer(path, { component: 'ak-stage-password', password: PASSWORD });
    expect(wrongStage.status).toBe(400);
    expect(await wrongStage.json()).toHaveProperty('component');
    const unknown = await browser.request('GET', executor('no-such-flow', ''));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: 'Not found.' });
  });
});

describe('entry points a browser is sent to', () => {
  it('redirects the default authentication entry to the authentication flow shell, keeping next', async () => {
    const browser = new Browser();
    const entry = await browser.request('GET', '/flows/-/default/authentication/?next=%2Fsomewhere%2F');
    expect(entry.status).toBe(302);
    expect(entry.headers.get('location')).toBe(`/if/flow/${AUTHENTICATION}/?next=%2Fsomewhere%2F`);
    const shell = await browser.request('GET', `/if/flow/${AUTHENTICATION}/?next=%2Fsomewhere%2F`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toContain('text/html');
    expect((await browser.request('GET', '/if/flow/no-such-flow/')).status).toBe(404);
  });
});

describe('authorization flow with explicit consent', () => {
  async function loggedIn(): Promise<Browser> {
    const browser = new Browser();
    const path = executor(AUTHENTICATION, '');
    await browser.challenge(path);
    await browser.answer(path, { component: 'ak-stage-identification', uid_field: 'alice' });
    await browser.answer(path, { component: 'ak-stage-password', password: PASSWORD });
    expect((await browser.challenge(path)).component).toBe('xak-flow-redirect');
    return browser;
  }

  it('shows the consent stage with the scopes, refuses a wrong token, then completes with a code', async () => {
    const browser = await loggedIn();
    const authorize = `/application/o/authorize/?${new URLSearchParams({
      client_id: provider.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email profile',
      state: 'state-1',
    })}`;
    const toFlow = await browser.request('GET', authorize);
    expect([302, 303]).toContain(toFlow.status);
    const shell = new URL(toFlow.headers.get('location') ?? '', authentik.baseUrl);
    expect(shell.pathname).toBe('/if/flow/default-provider-authorization-explicit-consent/');
    expect(shell.searchParams.get('client_id')).toBe(provider.clientId);
    expect((await browser.request('GET', `${shell.pathname}${shell.search}`)).status).toBe(200);

    const path = executor('default-provider-authorization-explicit-consent', shell.search.slice(1));
    const consent = await browser.challenge(path);
    expect(consent).toMatchObject({
      component: 'ak-stage-consent',
      header_text: "You're about to sign into Tenant A.",
      pending_user: 'alice',
      permissions: [
        { id: 'email', name: 'Email address' },
        { id: 'profile', name: 'General Profile Information' },
      ],
      additional_permissions: [],
    });
    expect(consent.flow_info).toMatchObject({ title: 'Redirecting to Tenant A' });

    const wrong = await browser.answer(path, { component: 'ak-stage-consent', token: 'not-the-token' });
    expect(checked((await wrong.json()) as Challenge).response_errors?.token?.[0]?.string).toBe(
      'Invalid consent token, re-showing prompt',
    );

    const accepted = await browser.answer(path, { component: 'ak-stage-consent', token: consent.token });
    expect(accepted.status).toBe(302);
    const done = await browser.challenge(path);
    expect(done.component).toBe('xak-flow-redirect');
    const resume = await browser.request('GET', String(done.to));
    expect(resume.status).toBe(303);
    const callback = new URL(resume.headers.get('location') ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('state-1');
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('adds a consent stage to an implicit-consent flow when the client asks prompt=consent', async () => {
    const browser = await loggedIn();
    const query = new URLSearchParams({
      client_id: implicitProvider.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email',
      prompt: 'consent',
    });
    const toFlow = await browser.request('GET', `/application/o/authorize/?${query}`);
    const shell = new URL(toFlow.headers.get('location') ?? '', authentik.baseUrl);
    expect(shell.pathname).toBe(`/if/flow/${IMPLICIT_CONSENT_FLOW}/`);
    const consent = await browser.challenge(executor(IMPLICIT_CONSENT_FLOW, shell.search.slice(1)));
    expect(consent).toMatchObject({
      component: 'ak-stage-consent',
      permissions: [{ id: 'email', name: 'Email address' }],
    });

    // Without prompt=consent the implicit flow goes straight to the code.
    query.delete('prompt');
    const direct = await browser.request('GET', `/application/o/authorize/?${query}`);
    const directShell = new URL(direct.headers.get('location') ?? '', authentik.baseUrl);
    const done = await browser.challenge(executor(IMPLICIT_CONSENT_FLOW, directShell.search.slice(1)));
    expect(done.component).toBe('xak-flow-redirect');
  });

  it('denies the authorization flow to a browser that has not logged in', async () => {
    const browser = new Browser();
    const denied = await browser.challenge(executor('default-provider-authorization-explicit-consent', ''));
    expect(denied.component).toBe('ak-stage-access-denied');
  });
});
