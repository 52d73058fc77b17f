import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  type IdentityProviderType,
  ResourceNotFoundException,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { HeadlessLoginError, type HeadlessLoginOptions } from '#lib/authentik/headless-login.ts';
import { PreconditionError, TransientError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { VerificationContext } from '#lib/verification/context.ts';
import { discoveryUrl, fetchDiscovery } from '#lib/verification/discovery.ts';
import { hostedUiLoginUrl } from '#lib/verification/login-url.ts';
import { runChecks } from '#lib/verification/run-checks.ts';
import type { CheckAnswer, FederationCheck, VerificationReport } from '#lib/verification/types.ts';
import { apply, check, destroy, verify } from '../../functions/verify-federation/core.ts';

// The headless login is replaced here (its own tests drive it against the emulator); each test says
// how Authentik answers the test user.
const login = vi.hoisted(() => ({
  answer: undefined as undefined | ((options: HeadlessLoginOptions) => Promise<string>),
  calls: [] as HeadlessLoginOptions[],
}));
vi.mock('#lib/authentik/headless-login.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('#lib/authentik/headless-login.ts')>();
  return {
    ...original,
    headlessLogin: async (options: HeadlessLoginOptions) => {
      login.calls.push(options);
      if (!login.answer) throw new Error('no login answer staged');
      return login.answer(options);
    },
  };
});

const ORIGIN = 'https://authentik.example.com';
const ISSUER = `${ORIGIN}/application/o/cognito-acme/`;
const POOL_ID = 'eu-west-1_Pool1';
const CLIENT_ID = 'appclient1';
const DOMAIN = 'acme-login.auth.eu-west-1.amazoncognito.com';
const IDPRESPONSE = `https://${DOMAIN}/oauth2/idpresponse`;
const CALLBACK = 'https://app.acme.example/callback';
const IDP = 'authentik-acme';
const PASSWORD = 'Stored-Test-User-Password-7d1f';
const PROVIDER_SECRET = 'authentik-provider-client-secret-91ab';
const PROVIDER_CLIENT_ID = 'authentik-provider-client-id';
const PASSWORD_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/test-user-AbCdEf';

const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: ORIGIN,
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { callbackUrls: [CALLBACK] },
  },
  deployment,
);

const provisioned: Resources = {
  providerPk: 7,
  applicationSlug: 'cognito-acme',
  issuer: ISSUER,
  testUserPk: 12,
  testUserPasswordSecretArn: PASSWORD_ARN,
  userPoolId: POOL_ID,
  userPoolDomain: DOMAIN,
  redirectUri: IDPRESPONSE,
  appClientId: CLIENT_ID,
  identityProviderName: IDP,
};

// ---------------------------------------------------------------------------------------------
// A fake Authentik: the provider (REST) and the application's discovery document (OIDC).

interface AuthentikState {
  provider?: Record<string, unknown>;
  discovery: { status: number; body: unknown; headers?: Record<string, string> };
}
let authentik: AuthentikState;
let fetched: string[];

function freshAuthentik(): AuthentikState {
  return {
    provider: {
      pk: 7,
      name: 'Cognito acme (OIDC)',
      client_id: PROVIDER_CLIENT_ID,
      client_secret: PROVIDER_SECRET,
      redirect_uris: [{ matching_mode: 'strict', url: IDPRESPONSE }],
    },
    discovery: {
      status: 200,
      body: {
        issuer: ISSUER,
        authorization_endpoint: `${ORIGIN}/application/o/authorize/`,
        jwks_uri: `${ISSUER}jwks/`,
      },
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const fakeFetch = async (input: string | URL | Request): Promise<Response> => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  fetched.push(url.href);
  if (url.origin !== ORIGIN) throw new Error(`the fake Authentik was asked for ${url.href}`);
  if (url.pathname === '/api/v3/providers/oauth2/7/') {
    return authentik.provider ? json(200, authentik.provider) : json(404, { detail: 'Not found.' });
  }
  if (url.pathname === '/application/o/cognito-acme/.well-known/openid-configuration') {
    const { status, body, headers } = authentik.discovery;
    return typeof body === 'string'
      ? new Response(body, { status, headers: headers ?? {} })
      : json(status, body, headers);
  }
  return json(404, { detail: 'Not found.' });
};

// ---------------------------------------------------------------------------------------------
// Cognito and Secrets Manager

const cognito = mockClient(CognitoIdentityProviderClient);
const secrets = mockClient(SecretsManagerClient);

function identityProvider(overrides: Partial<IdentityProviderType> = {}): IdentityProviderType {
  return {
    UserPoolId: POOL_ID,
    ProviderName: IDP,
    ProviderType: 'OIDC',
    ProviderDetails: {
      client_id: PROVIDER_CLIENT_ID,
      client_secret: PROVIDER_SECRET,
      oidc_issuer: ISSUER,
      authorize_scopes: 'openid email profile',
      attributes_request_method: 'GET',
    },
    AttributeMapping: { email: 'email' },
    ...overrides,
  };
}

function appClient(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: POOL_ID,
    ClientId: CLIENT_ID,
    SupportedIdentityProviders: ['COGNITO', IDP],
    CallbackURLs: [CALLBACK],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
    AllowedOAuthFlowsUserPoolClient: true,
    ...overrides,
  };
}

function clients() {
  return {
    cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    authentik: createAuthentikClient({ baseUrl: ORIGIN, token: 'fake-token-123456', fetch: fakeFetch }),
    fetch: fakeFetch as typeof fetch,
    timeoutMs: 200,
  };
}

/** Authentik sends the browser back to idpresponse with a code for the request's own state. */
const codeForTheRequest = async (options: HeadlessLoginOptions) => {
  const state = new URL(options.authorizeUrl).searchParams.get('state');
  return `${options.redirectUri}?code=one-time-code&state=${state}`;
};

function byId(report: VerificationReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

function expectNoSecretIn(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(PROVIDER_SECRET);
  expect(text).not.toContain('one-time-code');
}

beforeEach(() => {
  cognito.reset();
  secrets.reset();
  authentik = freshAuthentik();
  fetched = [];
  login.calls = [];
  login.answer = codeForTheRequest;
  cognito.on(DescribeIdentityProviderCommand).resolves({ IdentityProvider: identityProvider() });
  cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: appClient() });
  secrets
    .on(GetSecretValueCommand, { SecretId: PASSWORD_ARN })
    .resolves({ SecretString: JSON.stringify({ username: 'cognito-test-acme', password: PASSWORD }) });
});

// ---------------------------------------------------------------------------------------------

describe('the hosted-UI login URL', () => {
  it("is the guide's URL, with the scopes joined by +", () => {
    expect(
      hostedUiLoginUrl({
        domain: DOMAIN,
        identityProviderName: IDP,
        redirectUri: CALLBACK,
        appClientId: CLIENT_ID,
        scopes: ['openid', 'email', 'profile'],
      }),
    ).toBe(
      `https://${DOMAIN}/oauth2/authorize?identity_provider=authentik-acme` +
        '&redirect_uri=https%3A%2F%2Fapp.acme.example%2Fcallback&response_type=code' +
        `&client_id=${CLIENT_ID}&scope=openid+email+profile`,
    );
  });

  it('encodes a provider name and a callback URL with their own reserved characters', () => {
    const url = hostedUiLoginUrl({
      domain: 'login.acme.example',
      identityProviderName: 'Authentik+Corp é&x=1',
      redirectUri: 'https://app.acme.example/cb?next=/home&lang=fr#frag',
      appClientId: CLIENT_ID,
      scopes: ['openid'],
    });
    expect(url).toContain('identity_provider=Authentik%2BCorp+%C3%A9%26x%3D1&');
    expect(url).toContain(
      'redirect_uri=https%3A%2F%2Fapp.acme.example%2Fcb%3Fnext%3D%2Fhome%26lang%3Dfr%23frag&',
    );
    const read = new URL(url).searchParams;
    expect(read.get('identity_provider')).toBe('Authentik+Corp é&x=1');
    expect(read.get('redirect_uri')).toBe('https://app.acme.example/cb?next=/home&lang=fr#frag');
    expect(read.get('scope')).toBe('openid');
  });
});

describe('discovery: the SSRF guard', () => {
  it.each([
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['another host', 'https://evil.example.com/application/o/cognito-acme/'],
    ['a sub-domain', 'https://x.authentik.example.com/application/o/cognito-acme/'],
    ['another port', 'https://authentik.example.com:8443/application/o/cognito-acme/'],
    ['plain http', 'http://authentik.example.com/application/o/cognito-acme/'],
    ['credentials', 'https://user:pw@authentik.example.com/application/o/cognito-acme/'],
    ['not a URL', 'application/o/cognito-acme/'],
  ])('refuses an issuer on %s without fetching anything', async (_what, issuer) => {
    const spy = vi.fn(fakeFetch);
    expect('refused' in discoveryUrl(issuer, ORIGIN)).toBe(true);
    const result = await fetchDiscovery(issuer, ORIGIN, { fetch: spy as typeof fetch });
    expect(result).toMatchObject({ ok: false, reason: 'ISSUER_HOST_MISMATCH' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('builds the URL as Cognito does, by concatenation on the Authentik origin', () => {
    expect(discoveryUrl(ISSUER, ORIGIN)).toEqual({ url: `${ISSUER}.well-known/openid-configuration` });
    expect(discoveryUrl(ISSUER.slice(0, -1), ORIGIN)).toEqual({
      url: `${ORIGIN}/application/o/cognito-acme.well-known/openid-configuration`,
    });
  });

  it('does not follow a redirect, even to the same origin', async () => {
    authentik.discovery = { status: 302, body: {}, headers: { location: 'http://169.254.169.254/' } };
    const result = await fetchDiscovery(ISSUER, ORIGIN, { fetch: fakeFetch as typeof fetch });
    expect(result).toMatchObject({ ok: false, reason: 'DISCOVERY_UNREACHABLE' });
    expect(!result.ok && result.message).toContain('redirects are not followed');
    expect(fetched).toEqual([`${ISSUER}.well-known/openid-configuration`]);
  });

  it('gives up after its timeout', async () => {
    const never = (() => new Promise<Response>(() => {})) as typeof fetch;
    const result = await fetchDiscovery(ISSUER, ORIGIN, { fetch: never, timeoutMs: 30 });
    expect(result).toMatchObject({ ok: false, reason: 'DISCOVERY_UNREACHABLE' });
    expect(!result.ok && result.message).toContain('within 30 ms');
  });

  it.each([
    ['an error status', { status: 503, body: { detail: 'down' } }, 'answered HTTP 503'],
    ['HTML', { status: 200, body: '<html>login</html>' }, 'is not JSON'],
    ['a JSON array', { status: 200, body: [] }, 'is not a JSON object'],
    ['a huge body', { status: 200, body: 'x'.repeat(300 * 1024) }, 'larger than'],
  ])('reports %s as unreachable', async (_what, discovery, words) => {
    authentik.discovery = discovery;
    const result = await fetchDiscovery(ISSUER, ORIGIN, { fetch: fakeFetch as typeof fetch });
    expect(result).toMatchObject({ ok: false, reason: 'DISCOVERY_UNREACHABLE' });
    expect(!result.ok && result.message).toContain(words);
  });
});

describe('verify on a working federation', () => {
  it('passes every check, leaves the hosted UI not-applicable, and builds the login URL', async () => {
    const report = await verify(spec, provisioned, clients());
    expect(report.status).toBe('pass');
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['identity-provider', 'pass'],
      ['discovery', 'pass'],
      ['issuer', 'pass'],
      ['app-client', 'pass'],
      // No managed login version recorded in these resources: nothing to say about a style.
      ['managed-login', 'not-applicable'],
      ['login-url', 'pass'],
      ['redirect-uri', 'pass'],
      ['test-login', 'pass'],
      ['hosted-ui-login', 'not-applicable'],
    ]);
    expect(byId(report, 'hosted-ui-login').reason).toBe('NOT_AUTOMATED');
    expect(report.loginUrl).toBe(
      `https://${DOMAIN}/oauth2/authorize?identity_provider=${IDP}` +
        `&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code&client_id=${CLIENT_ID}` +
        '&scope=openid+email+profile',
    );
    expectNoSecretIn(report);
  });

  it("signs the test user in with the provider's client id, Cognito's idpresponse URL and the stored password", async () => {
    await verify(spec, provisioned, clients());
    expect(login.calls).toHaveLength(1);
    const options = login.calls[0] as HeadlessLoginOptions;
    expect(options.username).toBe('cognito-test-acme');
    expect(options.password).toBe(PASSWORD);
    expect(options.redirectUri).toBe(IDPRESPONSE);
    const authorize = new URL(options.authorizeUrl);
    expect(authorize.origin + authorize.pathname).toBe(`${ORIGIN}/application/o/authorize/`);
    expect(authorize.searchParams.get('client_id')).toBe(PROVIDER_CLIENT_ID);
    expect(authorize.searchParams.get('redirect_uri')).toBe(IDPRESPONSE);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('scope')).toBe('openid email profile');
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{16,}$/);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: PASSWORD_ARN });
  });

  it('reads each object once, and apply reports unchanged with no write, recording the login URL', async () => {
    await expect(apply(spec, provisioned, clients())).resolves.toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: {
        loginUrl: expect.stringMatching(/^https:\/\/[^/]+\/oauth2\/authorize\?identity_provider=/),
      },
    });
    expect(cognito).toHaveReceivedCommandTimes(DescribeIdentityProviderCommand, 1);
    expect(cognito).toHaveReceivedCommandTimes(DescribeUserPoolClientCommand, 1);
    expect(fetched.filter((u) => u.includes('/providers/oauth2/'))).toHaveLength(1);
    expect(fetched.filter((u) => u.includes('.well-known'))).toHaveLength(1);
    await expect(check(spec, provisioned, clients())).resolves.toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('destroy has nothing to undo', async () => {
    await expect(destroy(spec, provisioned, clients())).resolves.toEqual({
      outcome: 'absent',
      resources: {},
    });
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('verify on a broken federation', () => {
  it('IDP_NOT_ENABLED when the app client does not list the identity provider', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: appClient({ SupportedIdentityProviders: ['COGNITO'] }),
    });
    const report = await verify(spec, provisioned, clients());
    expect(report.status).toBe('fail');
    expect(byId(report, 'app-client')).toMatchObject({ status: 'fail', reason: 'IDP_NOT_ENABLED' });
    expect(byId(report, 'login-url')).toMatchObject({ status: 'not-applicable', reason: 'BLOCKED' });

    const error = await apply(spec, provisioned, clients()).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toContain('app-client: IDP_NOT_ENABLED');
    await expect(check(spec, provisioned, clients())).resolves.toEqual({
      outcome: 'drifted',
      drift: [{ field: 'app-client', expected: ['COGNITO', IDP], actual: ['COGNITO'] }],
    });
  });

  it('COGNITO_NOT_ENABLED when the app client dropped COGNITO', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: appClient({ SupportedIdentityProviders: [IDP] }),
    });
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'app-client')).toMatchObject({ status: 'fail', reason: 'COGNITO_NOT_ENABLED' });
  });

  it('APP_CLIENT_MISSING, and check says missing', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .rejects(new ResourceNotFoundException({ message: 'x', $metadata: {} }));
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'app-client')).toMatchObject({ status: 'fail', reason: 'APP_CLIENT_MISSING' });
    expect(report.loginUrl).toBeUndefined();
    await expect(check(spec, provisioned, clients())).resolves.toMatchObject({ outcome: 'missing' });
  });

  it('OAUTH_NOT_CONFIGURED when the app client lost the code flow', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: appClient({ AllowedOAuthFlows: ['implicit'] }) });
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'login-url')).toMatchObject({ status: 'fail', reason: 'OAUTH_NOT_CONFIGURED' });
  });

  it("uses the app client's own callback URL when it lacks the spec's", async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: appClient({ CallbackURLs: ['https://other.acme.example/cb'] }),
    });
    const report = await verify(spec, provisioned, clients());
    expect(new URL(report.loginUrl as string).searchParams.get('redirect_uri')).toBe(
      'https://other.acme.example/cb',
    );
  });

  it('CALLBACK_URL_MISSING when the app client has none', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: appClient({ CallbackURLs: [] }) });
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'login-url')).toMatchObject({ status: 'fail', reason: 'CALLBACK_URL_MISSING' });
  });

  it('ISSUER_MISMATCH when Cognito holds the issuer without its trailing slash', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: identityProvider({
        ProviderDetails: { ...identityProvider().ProviderDetails, oidc_issuer: ISSUER.slice(0, -1) },
      }),
    });
    const report = await verify(spec, provisioned, clients());
    const issuer = byId(report, 'issuer');
    expect(issuer).toMatchObject({
      status: 'fail',
      reason: 'ISSUER_MISMATCH',
      expected: ISSUER,
      actual: ISSUER.slice(0, -1),
    });
    expect(issuer.message).toContain('trailing slash');
    expectNoSecretIn(report);
  });

  it('IDENTITY_PROVIDER_MISSING blocks the issuer check, and check says missing', async () => {
    cognito
      .on(DescribeIdentityProviderCommand)
      .rejects(new ResourceNotFoundException({ message: 'x', $metadata: {} }));
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'identity-provider')).toMatchObject({
      status: 'fail',
      reason: 'IDENTITY_PROVIDER_MISSING',
    });
    expect(byId(report, 'issuer')).toMatchObject({ status: 'not-applicable', reason: 'BLOCKED' });
    await expect(check(spec, provisioned, clients())).resolves.toMatchObject({ outcome: 'missing' });
  });

  it('DISCOVERY_UNREACHABLE when Authentik does not serve the document', async () => {
    authentik.discovery = { status: 404, body: { detail: 'Not found.' } };
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'discovery')).toMatchObject({ status: 'fail', reason: 'DISCOVERY_UNREACHABLE' });
    expect(byId(report, 'issuer')).toMatchObject({ status: 'not-applicable', reason: 'BLOCKED' });
  });

  it('ISSUER_HOST_MISMATCH for a recorded issuer off the Authentik origin, which is never fetched', async () => {
    const report = await verify(
      spec,
      { ...provisioned, issuer: 'http://169.254.169.254/application/o/cognito-acme/' },
      clients(),
    );
    expect(byId(report, 'discovery')).toMatchObject({ status: 'fail', reason: 'ISSUER_HOST_MISMATCH' });
    expect(fetched.some((u) => u.includes('169.254'))).toBe(false);
  });

  it('PROVIDER_MISSING blocks the test login', async () => {
    authentik.provider = undefined;
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'redirect-uri')).toMatchObject({ status: 'fail', reason: 'PROVIDER_MISSING' });
    expect(byId(report, 'test-login')).toMatchObject({ status: 'not-applicable', reason: 'BLOCKED' });
    expect(login.calls).toHaveLength(0);
  });

  it("REDIRECT_URI_MISSING when Authentik's provider lacks the idpresponse URL", async () => {
    authentik.provider = {
      ...authentik.provider,
      redirect_uris: [
        {
          matching_mode: 'strict',
          url: 'https://old-login.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse',
        },
      ],
    };
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'redirect-uri')).toMatchObject({
      status: 'fail',
      reason: 'REDIRECT_URI_MISSING',
      expected: IDPRESPONSE,
    });
    expectNoSecretIn(report);
  });

  it('does not count a logout redirect URI as allowing the authorization response', async () => {
    authentik.provider = {
      ...authentik.provider,
      redirect_uris: [{ matching_mode: 'strict', url: IDPRESPONSE, redirect_uri_type: 'logout' }],
    };
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'redirect-uri')).toMatchObject({ status: 'fail', reason: 'REDIRECT_URI_MISSING' });
  });

  it('accepts a regex redirect URI that matches the whole idpresponse URL, not a part of it', async () => {
    authentik.provider = {
      ...authentik.provider,
      redirect_uris: [
        {
          matching_mode: 'regex',
          url: 'https://[a-z-]+\\.auth\\.eu-west-1\\.amazoncognito\\.com/oauth2/idpresponse',
        },
      ],
    };
    expect(byId(await verify(spec, provisioned, clients()), 'redirect-uri').status).toBe('pass');
    authentik.provider = {
      ...authentik.provider,
      redirect_uris: [{ matching_mode: 'regex', url: 'https://acme' }],
    };
    expect(byId(await verify(spec, provisioned, clients()), 'redirect-uri').status).toBe('fail');
  });
});

describe('verify: the test login', () => {
  it.each([
    ['invalid_credentials', 'LOGIN_CREDENTIALS_REJECTED'],
    ['access_denied', 'LOGIN_DENIED'],
    ['redirect_uri_rejected', 'REDIRECT_URI_MISSING'],
    ['client_rejected', 'CLIENT_REJECTED'],
    ['unsupported_stage', 'LOGIN_FAILED'],
  ] as const)('maps a login stopped by %s to %s, without the password', async (failure, reason) => {
    login.answer = async () => {
      throw new HeadlessLoginError(failure, `flow refused the answer ${PASSWORD}`);
    };
    const report = await verify(spec, provisioned, clients());
    const result = byId(report, 'test-login');
    expect(result).toMatchObject({ status: 'fail', reason });
    expect(result.message).toContain('[redacted]');
    expectNoSecretIn(report);
  });

  it('LOGIN_DENIED when Authentik sends the user back with error=access_denied', async () => {
    login.answer = async (options) =>
      `${options.redirectUri}?error=access_denied&error_description=Policy+denied`;
    const result = byId(await verify(spec, provisioned, clients()), 'test-login');
    expect(result).toMatchObject({ status: 'fail', reason: 'LOGIN_DENIED' });
    expect(result.message).toContain('Policy denied');
  });

  it('LOGIN_FAILED when the code comes back for another state', async () => {
    login.answer = async (options) => `${options.redirectUri}?code=one-time-code&state=forged`;
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'test-login')).toMatchObject({ status: 'fail', reason: 'LOGIN_FAILED' });
    expectNoSecretIn(report);
  });

  it('TEST_USER_MISSING when the password secret is gone', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'test-login')).toMatchObject({ status: 'fail', reason: 'TEST_USER_MISSING' });
    expect(login.calls).toHaveLength(0);
  });

  it('never lets the login leave the Authentik origin', async () => {
    login.answer = async (options) => {
      try {
        await (options.fetch as typeof fetch)(new URL('http://169.254.169.254/latest/meta-data/'));
      } catch {
        throw new TransientError('GET /latest/meta-data/ failed: request refused');
      }
      return 'unreachable';
    };
    const report = await verify(spec, provisioned, clients());
    expect(byId(report, 'test-login')).toMatchObject({
      status: 'fail',
      reason: 'LOGIN_FAILED',
      actual: 'http://169.254.169.254',
    });
    expect(fetched.some((u) => u.includes('169.254'))).toBe(false);
  });

  it('lets a transient failure of Authentik through, so the step is retried', async () => {
    login.answer = async () => {
      throw new TransientError('GET /application/o/authorize/ answered 503');
    };
    await expect(verify(spec, provisioned, clients())).rejects.toBeInstanceOf(TransientError);
  });
});

describe('runChecks', () => {
  const context = () => new VerificationContext(spec, provisioned, clients());

  it('runs a check after the checks it needs, and blocks it when one fails', async () => {
    const order: string[] = [];
    const recorded = (id: string, answer: CheckAnswer) => async () => {
      order.push(id);
      return answer;
    };
    const checks: FederationCheck[] = [
      { id: 'c', needs: ['b'], run: recorded('c', { status: 'pass', message: 'c' }) },
      { id: 'a', run: recorded('a', { status: 'pass', message: 'a' }) },
      { id: 'b', needs: ['a'], run: recorded('b', { status: 'fail', reason: 'LOGIN_FAILED', message: 'b' }) },
    ];
    const results = await runChecks(checks, context());
    expect(order).toEqual(['a', 'b']);
    expect(results.map((r) => [r.id, r.status, r.reason])).toEqual([
      ['c', 'not-applicable', 'BLOCKED'],
      ['a', 'pass', undefined],
      ['b', 'fail', 'LOGIN_FAILED'],
    ]);
  });

  it('refuses a check that needs one not in the list', async () => {
    const checks: FederationCheck[] = [
      { id: 'x', needs: ['y'], run: async () => ({ status: 'pass', message: '' }) },
    ];
    await expect(runChecks(checks, context())).rejects.toThrow('needs y');
  });
});
