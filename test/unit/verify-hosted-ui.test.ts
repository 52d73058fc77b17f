// The hosted-UI leg of the verification: not applicable without a configured hosted UI (never
// faked), and with one the whole round trip authorize → Authentik → idpresponse → callback → token,
// against a fake Cognito domain, on AWS's `https://{domain}` or under another base URL (the local
// world's); the login at Authentik is staged, its own tests drive it for real.
import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import type { HeadlessLoginOptions } from '#lib/authentik/headless-login.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { VerificationContext } from '#lib/verification/context.ts';
import { hostedUiCheck } from '#lib/verification/hosted-ui.ts';

const AWS = 'https://{domain}';
const login = vi.hoisted(() => ({ calls: [] as HeadlessLoginOptions[] }));
vi.mock('#lib/authentik/headless-login.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('#lib/authentik/headless-login.ts')>();
  return {
    ...original,
    headlessLogin: async (options: HeadlessLoginOptions) => {
      login.calls.push(options);
      const state = new URL(options.authorizeUrl).searchParams.get('state');
      return `${options.redirectUri}?code=authentik-code&state=${state}`;
    },
  };
});

const ORIGIN = 'https://authentik.example.com';
const DOMAIN = 'acme-login.auth.eu-west-1.amazoncognito.com';
const COGNITO = `https://${DOMAIN}`;
const ELSEWHERE = 'http://127.0.0.1:4567';
const CALLBACK = 'https://app.acme.example/cb';
const PASSWORD = 'Test-User-Password-4e2b';
const APP_SECRET = 'app-client-secret-99ab';
const EMAIL = 'cognito-test-acme@example.com';
const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: ORIGIN,
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { callbackUrls: [CALLBACK] },
  },
  { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false },
);
const resources: Resources = {
  userPoolId: 'eu-west-1_Pool1',
  userPoolDomain: DOMAIN,
  redirectUri: `${COGNITO}/oauth2/idpresponse`,
  appClientId: 'appclient1',
  identityProviderName: 'authentik-acme',
  testUserPasswordSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/test-user',
};

const cognito = mockClient(CognitoIdentityProviderClient);
const secrets = mockClient(SecretsManagerClient);

interface FakeCognito {
  /** Where idpresponse sends the browser. */
  toCallback: string;
  email: string | undefined;
  requests: { url: string; headers: Headers; body?: string }[];
}
let fake: FakeCognito;

const cognitoDomain = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const headers = new Headers(init?.headers);
  fake.requests.push({
    url: url.href,
    headers,
    ...(typeof init?.body === 'string' ? { body: init.body } : {}),
  });
  // The same fake domain answers under another base URL's path (the local world's hosted UI).
  const onBase = url.origin === ELSEWHERE && url.pathname.startsWith(`/${DOMAIN}/`);
  if (url.origin !== COGNITO && !onBase) throw new Error(`unexpected request to ${url.href}`);
  const pathname = onBase ? url.pathname.slice(DOMAIN.length + 1) : url.pathname;
  if (pathname === '/oauth2/authorize') {
    const authorize = new URL('/application/o/authorize/', ORIGIN);
    authorize.search = new URLSearchParams({
      client_id: 'x',
      redirect_uri: resources.redirectUri as string,
      state: 'cognito-state',
    }).toString();
    return new Response(null, {
      status: 302,
      headers: { location: authorize.href, 'set-cookie': 'XSRF-TOKEN=t; Path=/' },
    });
  }
  if (pathname === '/oauth2/idpresponse') {
    return new Response(null, { status: 302, headers: { location: fake.toCallback } });
  }
  if (pathname === '/oauth2/token') {
    const payload = Buffer.from(JSON.stringify({ email: fake.email })).toString('base64url');
    return Response.json({ id_token: `e30.${payload}.sig`, access_token: 'a' });
  }
  return new Response('not found', { status: 404 });
};

function context(hostedUiBaseUrl: string | undefined): VerificationContext {
  return new VerificationContext(spec, resources, {
    cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    authentik: createAuthentikClient({ baseUrl: ORIGIN, token: 'fake-token-123456' }),
    fetch: cognitoDomain as typeof fetch,
    ...(hostedUiBaseUrl ? { hostedUiBaseUrl } : {}),
  });
}

beforeEach(() => {
  login.calls = [];
  fake = { toCallback: `${CALLBACK}?code=cognito-code`, email: EMAIL, requests: [] };
  cognito.reset();
  cognito.on(DescribeUserPoolClientCommand).resolves({
    UserPoolClient: {
      UserPoolId: 'eu-west-1_Pool1',
      ClientId: 'appclient1',
      ClientSecret: APP_SECRET,
      CallbackURLs: [CALLBACK],
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      AllowedOAuthFlowsUserPoolClient: true,
      SupportedIdentityProviders: ['COGNITO', 'authentik-acme'],
    },
  });
  secrets.reset();
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ username: 'cognito-test-acme', password: PASSWORD }) });
});

describe('hosted-ui-login', () => {
  it('is not applicable without a hosted UI to sign in through, and sends nothing', async () => {
    expect(await hostedUiCheck.run(context(undefined))).toMatchObject({
      status: 'not-applicable',
      reason: 'NO_HOSTED_UI',
    });
    expect(fake.requests).toEqual([]);
  });

  it('on a deployment: signs in through the hosted UI and Authentik, and checks the email of Cognito’s ID token', async () => {
    const answer = await hostedUiCheck.run(context(AWS));
    expect(answer).toMatchObject({ status: 'pass' });
    expect(fake.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/oauth2/authorize',
      '/oauth2/idpresponse',
      '/oauth2/token',
    ]);
    // Cognito's cookie travels with the browser; the app client's secret goes only into the token request.
    expect(fake.requests[1]?.headers.get('cookie')).toBe('XSRF-TOKEN=t');
    expect(fake.requests[2]?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`appclient1:${APP_SECRET}`).toString('base64')}`,
    );
    expect(new URLSearchParams(fake.requests[2]?.body).get('code')).toBe('cognito-code');
    expect(login.calls[0]).toMatchObject({
      redirectUri: resources.redirectUri,
      username: 'cognito-test-acme',
    });
    const text = JSON.stringify(answer);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(APP_SECRET);
  });

  it('under another base URL (the local world’s hosted UI): the same round trip, on that base', async () => {
    const answer = await hostedUiCheck.run(context(`${ELSEWHERE}/{domain}`));
    expect(answer).toMatchObject({ status: 'pass' });
    expect(fake.requests.map((r) => r.url.split('?')[0])).toEqual([
      `${ELSEWHERE}/${DOMAIN}/oauth2/authorize`,
      `${ELSEWHERE}/${DOMAIN}/oauth2/idpresponse`,
      `${ELSEWHERE}/${DOMAIN}/oauth2/token`,
    ]);
  });

  it('HOSTED_UI_LOGIN_FAILED when Cognito sends the user back with an error it does not explain', async () => {
    fake.toCallback = `${CALLBACK}?error=server_error&error_description=Something+went+wrong`;
    const answer = await hostedUiCheck.run(context(AWS));
    expect(answer).toMatchObject({ status: 'fail', reason: 'HOSTED_UI_LOGIN_FAILED' });
    expect(answer.message).toContain('Something went wrong');
  });

  it.each([
    ['Bad id_token issuer http://a.example/application/o/x', 'ISSUER_MISMATCH'],
    ['authentik-acme Error - 401 invalid_client client authentication failed', 'CLIENT_CREDENTIALS_REJECTED'],
    ['Invalid user attributes: email: Attribute is required.', 'ATTRIBUTE_MAPPING_CHANGED'],
  ])('the reason Cognito’s error points to: %s → %s', async (description, reason) => {
    fake.toCallback = `${CALLBACK}?${new URLSearchParams({ error_description: description, error: 'invalid_request' })}`;
    const answer = await hostedUiCheck.run(context(AWS));
    expect(answer).toMatchObject({ status: 'fail', reason });
    expect(answer.message).toContain(description);
  });

  it('EMAIL_CLAIM_MISMATCH when Cognito’s ID token carries another email', async () => {
    fake.email = 'someone@else.example';
    expect(await hostedUiCheck.run(context(AWS))).toMatchObject({
      status: 'fail',
      reason: 'EMAIL_CLAIM_MISMATCH',
    });
  });
});
