// The last leg of the guide's "Test it", as a browser takes it through Cognito: the hosted UI's
// authorize URL sends the test user to Authentik, Authentik's login sends the code to Cognito's
// idpresponse URL, Cognito exchanges it (with the client secret it holds) and sends a code of its
// own to the app's callback, which the app client exchanges at Cognito's token endpoint for an ID
// token whose email must be the test user's. Only a deployment has a hosted UI: in the local world
// this check says so and is not faked. Requests go to the pool's domain and the tenant's Authentik
// only; the app client's secret (when it has one) goes only into Cognito's token request.
import { CookieJar, HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';
import { TransientError } from '#lib/errors.ts';
import { loginUrlOf } from './checks.ts';
import { storedCredentials } from './test-login.ts';
import type { CheckAnswer, CheckContext, FederationCheck } from './types.ts';

const TIMEOUT_MS = 10_000;

const failed = (message: string, actual?: unknown): CheckAnswer => ({
  status: 'fail',
  reason: 'HOSTED_UI_LOGIN_FAILED',
  message,
  ...(actual === undefined ? {} : { expected: 'a code at the callback URL', actual }),
});

/** A browser's requests to one origin, cookies kept, redirects not followed. */
function browserFor(origin: string, fetcher: typeof fetch) {
  const jar = new CookieJar();
  return async (url: URL, init: RequestInit = {}): Promise<Response> => {
    if (url.origin !== origin) throw new Error(`refused a request off ${origin}`);
    const cookie = jar.header(url);
    const response = await fetcher(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    jar.store(url, response.headers.getSetCookie());
    return response;
  };
}

function locationOf(response: Response, base: URL): URL | undefined {
  const location = response.headers.get('location');
  return response.status >= 300 && response.status < 400 && location ? new URL(location, base) : undefined;
}

function emailOf(idToken: unknown): unknown {
  if (typeof idToken !== 'string') return undefined;
  try {
    const payload = idToken.split('.')[1] ?? '';
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { email?: unknown }).email;
  } catch {
    return undefined;
  }
}

async function hostedUiLogin(context: CheckContext): Promise<CheckAnswer> {
  const built = await loginUrlOf(context);
  if (!('url' in built)) return built;
  const credentials = await storedCredentials(context);
  const client = await context.appClient();
  if (!credentials || !client?.ClientId) return failed('the test user or the app client is missing');
  const start = new URL(built.url);
  const callback = new URL(start.searchParams.get('redirect_uri') ?? '');
  const fetcher = context.http;
  const cognito = browserFor(start.origin, fetcher);

  // 1. The hosted UI sends the browser to Authentik's authorize endpoint.
  const toAuthentik = locationOf(await cognito(start), start);
  const authentik = new URL(context.spec.authentik.baseUrl);
  if (!toAuthentik || toAuthentik.origin !== authentik.origin) {
    return failed(
      `Cognito's hosted UI did not send the browser to Authentik (${toAuthentik?.origin ?? 'no redirect'})`,
      toAuthentik?.href ?? null,
    );
  }
  // 2. The test user signs in at Authentik, which sends a code to Cognito's idpresponse URL.
  let idpresponse: URL;
  try {
    idpresponse = new URL(
      await headlessLogin({
        baseUrl: authentik.origin,
        authorizeUrl: toAuthentik.href,
        username: credentials.username,
        password: credentials.password,
        redirectUri: context.target.redirectUri ?? '',
        fetch: (input, init) => {
          const url = new URL(input instanceof Request ? input.url : String(input));
          return url.origin === authentik.origin
            ? fetcher(input, init)
            : Promise.reject(new Error('request off the Authentik origin refused'));
        },
        timeoutMs: TIMEOUT_MS,
      }),
    );
  } catch (error) {
    if (error instanceof HeadlessLoginError) {
      return failed(
        `the test user could not sign in at Authentik from the hosted UI: ${error.reason}`,
        error.reason,
      );
    }
    throw error;
  }
  // 3. Cognito exchanges Authentik's code and sends its own to the app's callback.
  const toApp = locationOf(await cognito(idpresponse), idpresponse);
  if (!toApp || toApp.origin + toApp.pathname !== callback.origin + callback.pathname) {
    return failed(`Cognito's idpresponse did not send the browser to the callback URL`, toApp?.href ?? null);
  }
  const problem = toApp.searchParams.get('error_description') ?? toApp.searchParams.get('error');
  const code = toApp.searchParams.get('code');
  if (problem || !code) {
    return failed(`Cognito refused the sign-in through Authentik: ${problem ?? 'no code'}`, problem ?? null);
  }
  // 4. The app client exchanges Cognito's code for tokens; the ID token carries the user's email.
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.ClientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${client.ClientId}:${client.ClientSecret}`).toString('base64')}`;
  }
  const token = await cognito(new URL('/oauth2/token', start.origin), {
    method: 'POST',
    headers,
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: client.ClientId,
      code,
      redirect_uri: callback.href,
    }).toString(),
  });
  const body = (await token.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
  if (token.status !== 200) {
    return failed(`Cognito's token endpoint answered HTTP ${token.status} (${String(body.error ?? '')})`);
  }
  const email = emailOf(body.id_token);
  const expected = context.spec.authentik.testUser.email;
  if (email !== expected) {
    return {
      status: 'fail',
      reason: 'EMAIL_CLAIM_MISMATCH',
      message: `Cognito's ID token for the test user carries the email ${String(email ?? 'nothing')}`,
      expected,
      actual: email ?? null,
    };
  }
  return {
    status: 'pass',
    message: `the test user signed in through Cognito's hosted UI and Authentik, and Cognito's ID token carries ${expected}`,
  };
}

export const hostedUiCheck: FederationCheck = {
  id: 'hosted-ui-login',
  needs: ['test-login', 'login-url'],
  async run(context) {
    if (!context.clients.hostedUi) {
      return {
        status: 'not-applicable',
        reason: 'NO_HOSTED_UI',
        message:
          'the local world has no Cognito hosted UI: the sign-in through it (authorize → Authentik → idpresponse → token) is checked against a deployment only, and not faked here',
      };
    }
    try {
      return await hostedUiLogin(context);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      const err = error instanceof Error ? error : new Error(String(error));
      return failed(`the sign-in through the hosted UI could not be completed: ${err.name}: ${err.message}`);
    }
  },
};
