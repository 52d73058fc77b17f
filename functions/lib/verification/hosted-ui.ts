// The last leg of the guide's "Test it", as a browser takes it through Cognito: the hosted UI's
// authorize URL sends the test user to Authentik, Authentik's login sends the code to Cognito's
// idpresponse URL, Cognito exchanges it (with the client secret it holds) and sends a code of its
// own to the app's callback, which the app client exchanges at Cognito's token endpoint for an ID
// token whose email must be the test user's. Where the hosted UI is comes from configuration
// (`hostedUiBaseUrl`: `https://{domain}` on AWS, the local world's hosted UI there), so the same
// code runs against both; without one the check says so and is not faked. Requests go to the
// hosted UI and the tenant's Authentik only; the app client's secret (when it has one) goes only
// into Cognito's token request.
import { CookieJar, HeadlessLoginError, headlessLogin } from '#lib/authentik/headless-login.ts';
import { TransientError } from '#lib/errors.ts';
import { loginUrlOf } from './checks.ts';
import { storedCredentials } from './test-login.ts';
import type { CheckAnswer, CheckContext, FederationCheck, ReasonCode } from './types.ts';

const TIMEOUT_MS = 10_000;

/** Cognito serves a pool's hosted UI on the pool's domain. */
export const AWS_HOSTED_UI_BASE_URL = 'https://{domain}';

/**
 * A URL on the pool's domain (`https://<domain>/...`), as the configured hosted UI serves it; a URL
 * elsewhere is undefined.
 */
export function onHostedUi(url: URL, domain: string, baseUrl: string): URL | undefined {
  if (url.origin !== `https://${domain}`) return undefined;
  return new URL(`${baseUrl.replaceAll('{domain}', domain).replace(/\/$/, '')}${url.pathname}${url.search}`);
}

/**
 * The reason code an error Cognito sent to the callback points to. Cognito's descriptions "are not
 * fixed strings" (https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoint-idp-responses.html),
 * so only what they name is read: the IdP's refusal of Cognito's client (its `invalid_client`), the
 * ID token's issuer, an attribute the mapping did not fill.
 */
export function reasonOfCallbackError(description: string): ReasonCode {
  if (/\binvalid_client\b/.test(description)) return 'CLIENT_CREDENTIALS_REJECTED';
  if (/\bissuer\b/i.test(description)) return 'ISSUER_MISMATCH';
  if (/\battributes?\b.*\brequired\b/i.test(description)) return 'ATTRIBUTE_MAPPING_CHANGED';
  return 'HOSTED_UI_LOGIN_FAILED';
}

const adviceFor: Partial<Record<ReasonCode, string>> = {
  CLIENT_CREDENTIALS_REJECTED:
    "Authentik refused the client secret Cognito holds (rotated on one side only?): run provisioning again to give Cognito Authentik's secret",
  ISSUER_MISMATCH:
    "the ID token's issuer is not byte for byte the identity provider's oidc_issuer: run provisioning again to set the issuer Authentik publishes",
  ATTRIBUTE_MAPPING_CHANGED:
    'the attribute mapping does not fill an attribute the user pool requires: run provisioning again to restore the mapping',
};

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

async function hostedUiLogin(context: CheckContext, baseUrl: string): Promise<CheckAnswer> {
  const built = await loginUrlOf(context);
  if (!('url' in built)) return built;
  const credentials = await storedCredentials(context);
  const client = await context.appClient();
  const domain = context.target.domain ?? '';
  if (!credentials || !client?.ClientId) return failed('the test user or the app client is missing');
  const start = onHostedUi(new URL(built.url), domain, baseUrl) as URL;
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
  const onCognito = onHostedUi(idpresponse, domain, baseUrl);
  if (!onCognito)
    return failed(`Authentik sent the browser to ${idpresponse.origin}, not to Cognito's domain`);
  const toApp = locationOf(await cognito(onCognito), onCognito);
  if (!toApp || toApp.origin + toApp.pathname !== callback.origin + callback.pathname) {
    return failed(`Cognito's idpresponse did not send the browser to the callback URL`, toApp?.href ?? null);
  }
  const problem = toApp.searchParams.get('error_description') ?? toApp.searchParams.get('error');
  const code = toApp.searchParams.get('code');
  if (problem) {
    const reason = reasonOfCallbackError(problem);
    const advice = adviceFor[reason];
    return {
      status: 'fail',
      reason,
      message: `Cognito refused the sign-in through Authentik: ${problem}${advice ? `; ${advice}` : ''}`,
      expected: 'a code at the callback URL',
      actual: { error: toApp.searchParams.get('error'), error_description: problem },
    };
  }
  if (!code) return failed('Cognito sent the browser to the callback URL without a code', null);
  // 4. The app client exchanges Cognito's code for tokens; the ID token carries the user's email.
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.ClientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${client.ClientId}:${client.ClientSecret}`).toString('base64')}`;
  }
  const token = await cognito(onHostedUi(new URL(`https://${domain}/oauth2/token`), domain, baseUrl) as URL, {
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
    const baseUrl = context.clients.hostedUiBaseUrl;
    if (!baseUrl) {
      return {
        status: 'not-applicable',
        reason: 'NO_HOSTED_UI',
        message:
          'no Cognito hosted UI is configured for this verification (hostedUiBaseUrl): the sign-in through it (authorize → Authentik → idpresponse → token) is not checked, and not faked',
      };
    }
    try {
      return await hostedUiLogin(context, baseUrl);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      const err = error instanceof Error ? error : new Error(String(error));
      return failed(`the sign-in through the hosted UI could not be completed: ${err.name}: ${err.message}`);
    }
  },
};
