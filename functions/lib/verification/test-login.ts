// The test user signs in through Authentik exactly as Cognito would send a browser: the authorize
// endpoint with the provider's client id and Cognito's idpresponse URL, the authorization flow driven
// headlessly, until Authentik redirects to idpresponse with a code. The idpresponse URL itself is not
// opened (that is Cognito's half). The password is read from Secrets Manager here and goes only into
// the flow's password stage; every request stays on the tenant's Authentik origin.
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import {
  HeadlessLoginError,
  type HeadlessLoginFailure,
  headlessLogin,
} from '#lib/authentik/headless-login.ts';
import { PreconditionError, TransientError } from '#lib/errors.ts';
import { readSecretJson, secretName } from '#lib/secrets.ts';
import type { CheckAnswer, CheckContext, FederationCheck, ReasonCode } from './types.ts';

const LOGIN_TIMEOUT_MS = 5_000;

/** What ensure-test-user stores: `{username, password}`. */
const storedTestUser = z.object({
  username: z.optional(z.string().check(z.minLength(1))),
  password: z.string().check(z.minLength(1)),
});

const reasonFor: Record<HeadlessLoginFailure, ReasonCode> = {
  invalid_credentials: 'LOGIN_CREDENTIALS_REJECTED',
  access_denied: 'LOGIN_DENIED',
  redirect_uri_rejected: 'REDIRECT_URI_MISSING',
  client_rejected: 'CLIENT_REJECTED',
  consent_declined: 'LOGIN_FAILED',
  flow_error: 'LOGIN_FAILED',
  unsupported_stage: 'LOGIN_FAILED',
  unexpected_response: 'LOGIN_FAILED',
  too_many_requests: 'LOGIN_FAILED',
  off_origin_redirect: 'LOGIN_FAILED',
};

const adviceFor: Partial<Record<ReasonCode, string>> = {
  LOGIN_CREDENTIALS_REJECTED:
    "the test user's password in Authentik is not the stored one, or the user is disabled: run provisioning again to reset it",
  LOGIN_DENIED:
    "the application's access policy refuses the test user: check the policy and the group membership",
  REDIRECT_URI_MISSING: "Authentik refuses Cognito's idpresponse URL as a redirect URI",
  CLIENT_REJECTED: "Authentik does not know the provider's client id",
};

function testUserSecretId(context: CheckContext): string | undefined {
  const recorded = context.resources.testUserPasswordSecretArn;
  if (recorded) return recorded;
  const prefix = context.clients.secretPrefix;
  return prefix ? secretName(prefix, context.spec.tenantId, 'test-user') : undefined;
}

export async function storedCredentials(
  context: CheckContext,
): Promise<{ username: string; password: string } | undefined> {
  const secretId = testUserSecretId(context);
  if (!secretId) return undefined;
  try {
    const stored = await readSecretJson(context.clients.secrets, secretId, storedTestUser);
    return {
      username: stored.username ?? context.spec.authentik.testUser.username,
      password: stored.password,
    };
  } catch (error) {
    if (error instanceof PreconditionError) return undefined;
    throw error;
  }
}

const randomToken = () => randomBytes(16).toString('base64url');

export const testLoginCheck: FederationCheck = {
  id: 'test-login',
  needs: ['redirect-uri'],
  async run(context): Promise<CheckAnswer> {
    const { redirectUri } = context.target;
    const provider = await context.provider();
    const credentials = await storedCredentials(context);
    if (!credentials) {
      return {
        status: 'fail',
        reason: 'TEST_USER_MISSING',
        message:
          "the test user's password is not in Secrets Manager: run provisioning again to create the test user",
        expected: 'a stored test-user password',
        actual: null,
      };
    }
    const { username, password } = credentials;
    const scrub = (text: string) => text.split(password).join('[redacted]');
    const origin = context.spec.authentik.baseUrl;
    const state = randomToken();
    const authorize = new URL('/application/o/authorize/', origin);
    authorize.search = new URLSearchParams({
      client_id: provider?.client_id ?? '',
      redirect_uri: redirectUri as string,
      response_type: 'code',
      scope: context.spec.cognito.scopes.join(' '),
      state,
      nonce: randomToken(),
    }).toString();

    // Every request the login makes stays on Authentik: a redirect elsewhere is not followed. The
    // headless login keeps to the origin itself; this guard is a second line that names the origin.
    let leftFor: string | undefined;
    const baseFetch = context.http;
    const onAuthentikOnly: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin !== new URL(origin).origin) {
        leftFor = url.origin;
        return Promise.reject(new Error('request off the Authentik origin refused'));
      }
      return baseFetch(input, init);
    };

    let landed: URL;
    try {
      landed = new URL(
        await headlessLogin({
          baseUrl: origin,
          authorizeUrl: authorize.href,
          username,
          password,
          redirectUri: redirectUri as string,
          fetch: onAuthentikOnly,
          timeoutMs: context.clients.timeoutMs ?? LOGIN_TIMEOUT_MS,
        }),
      );
    } catch (error) {
      if (error instanceof HeadlessLoginError) {
        const reason = reasonFor[error.reason];
        const advice = adviceFor[reason];
        return {
          status: 'fail',
          reason,
          message: scrub(
            `the test user ${username} could not sign in: ${error.message}${advice ? `; ${advice}` : ''}`,
          ),
          expected: `a code at ${redirectUri}`,
          actual: error.reason,
        };
      }
      if (error instanceof TransientError && leftFor) {
        return {
          status: 'fail',
          reason: 'LOGIN_FAILED',
          message: `during the test user's sign-in Authentik sent the browser to ${leftFor}, which is neither Authentik nor Cognito's idpresponse URL; it was not followed`,
          expected: `a code at ${redirectUri}`,
          actual: leftFor,
        };
      }
      throw error;
    }

    const problem = landed.searchParams.get('error');
    if (problem) {
      const reason: ReasonCode = problem === 'access_denied' ? 'LOGIN_DENIED' : 'LOGIN_FAILED';
      const description = landed.searchParams.get('error_description');
      return {
        status: 'fail',
        reason,
        message: scrub(
          `Authentik sent the test user ${username} back to Cognito with the error ${problem}${description ? ` (${description})` : ''}` +
            (adviceFor[reason] ? `; ${adviceFor[reason]}` : ''),
        ),
        expected: `a code at ${redirectUri}`,
        actual: problem,
      };
    }
    const code = landed.searchParams.get('code');
    if (!code || landed.searchParams.get('state') !== state) {
      return {
        status: 'fail',
        reason: 'LOGIN_FAILED',
        message: `Authentik sent the test user ${username} to ${redirectUri} without a code for this request`,
        expected: `a code at ${redirectUri}`,
        actual: 'no code, or another state',
      };
    }
    context.loginCode = code;
    return {
      status: 'pass',
      message: `the test user ${username} signed in through Authentik, which sent an authorization code to ${redirectUri}`,
    };
  },
};
