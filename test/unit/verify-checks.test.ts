// The end-to-end checks added for the in-depth verification, each against a fake Authentik (REST and
// OIDC, with a real RSA key) and a mocked Cognito: keys, token endpoint, client credentials, ID
// token, attribute mapping, every domain of the pool, the test user and the access policy.
import 'aws-sdk-client-mock-vitest/extend';
import { createHash, type JsonWebKey, randomBytes, sign } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolCommand,
  type IdentityProviderType,
} from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import type { Resources } from '#lib/step.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { VerificationContext } from '#lib/verification/context.ts';
import {
  accessCheck,
  attributeMappingCheck,
  clientCredentialsCheck,
  poolDomainsCheck,
  testUserCheck,
} from '#lib/verification/pairing-checks.ts';
import { idTokenCheck, keySetCheck } from '#lib/verification/signing-checks.ts';
import { tokenEndpointCheck } from '#lib/verification/token-endpoint.ts';
import { newRsaKeyPair } from '#local/rsa-key-pair.ts';

const ORIGIN = 'https://authentik.example.com';
const ISSUER = `${ORIGIN}/application/o/cognito-acme/`;
const POOL_ID = 'eu-west-1_Pool1';
const DOMAIN = 'acme-login.auth.eu-west-1.amazoncognito.com';
const IDPRESPONSE = `https://${DOMAIN}/oauth2/idpresponse`;
const CLIENT_ID = 'authentik-client-id';
const SECRET = 'authentik-client-secret-7f3a9c';
const EMAIL = 'cognito-test-acme@example.com';
const GOOD_CODE = 'the-test-users-code';

const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: ORIGIN,
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { callbackUrls: ['https://app.acme.example/cb'] },
  },
  deployment,
);
const resources: Resources = {
  providerPk: 7,
  issuer: ISSUER,
  testUserPk: 12,
  userPoolId: POOL_ID,
  userPoolDomain: DOMAIN,
  redirectUri: IDPRESPONSE,
  appClientId: 'appclient1',
  identityProviderName: 'authentik-acme',
};

const signingKey = newRsaKeyPair();
const otherKey = newRsaKeyPair();
const certificate = randomBytes(64);
const fingerprint = createHash('sha256').update(certificate).digest('hex').match(/../g)?.join(':') ?? '';

function jwkOf(key: typeof signingKey, extra: Record<string, unknown> = {}) {
  const { n, e } = key.publicKey.export({ format: 'jwk' }) as JsonWebKey;
  return {
    kty: 'RSA',
    n,
    e,
    kid: 'k1',
    use: 'sig',
    alg: 'RS256',
    x5c: [certificate.toString('base64')],
    ...extra,
  };
}

function idToken(claims: Record<string, unknown>, options: { alg?: string; key?: typeof signingKey } = {}) {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: options.alg ?? 'RS256', kid: 'k1' })}.${part(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), (options.key ?? signingKey).privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

interface Fake {
  provider: Record<string, unknown> | undefined;
  discovery: Record<string, unknown>;
  keys: unknown[];
  user: Record<string, unknown>;
  access: { passing: boolean; messages: string[] };
  /** What the token endpoint answers for the right client and the good code. */
  token: () => Record<string, unknown>;
  requests: { url: string; body?: string }[];
}
let fake: Fake;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const fakeFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const request = input instanceof Request ? input : new Request(String(input), init);
  const url = new URL(request.url);
  const body = request.method === 'POST' ? await request.text() : undefined;
  fake.requests.push({ url: url.href, ...(body === undefined ? {} : { body }) });
  if (url.origin !== ORIGIN) throw new Error(`the fake Authentik was asked for ${url.href}`);
  switch (url.pathname) {
    case '/api/v3/providers/oauth2/7/':
      return fake.provider ? json(200, fake.provider) : json(404, { detail: 'Not found.' });
    case '/api/v3/crypto/certificatekeypairs/kp1/':
      return json(200, {
        pk: 'kp1',
        name: 'authentik Self-signed Certificate',
        fingerprint_sha256: fingerprint,
      });
    case '/application/o/cognito-acme/.well-known/openid-configuration':
      return json(200, fake.discovery);
    case '/application/o/cognito-acme/jwks/':
      return json(200, { keys: fake.keys });
    case '/api/v3/core/users/12/':
      return json(200, fake.user);
    case '/api/v3/core/applications/cognito-acme/check_access/':
      return json(200, { ...fake.access, log_messages: [] });
    case '/application/o/token/': {
      const form = new URLSearchParams(body);
      if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== fake.provider?.client_secret) {
        return json(401, { error: 'invalid_client' });
      }
      return form.get('code') === GOOD_CODE ? json(200, fake.token()) : json(400, { error: 'invalid_grant' });
    }
  }
  return json(404, { detail: 'Not found.' });
};

const cognito = mockClient(CognitoIdentityProviderClient);

function cognitoProvider(
  details: Record<string, string> = {},
  mapping = { email: 'email' },
): IdentityProviderType {
  return {
    ProviderName: 'authentik-acme',
    ProviderType: 'OIDC',
    ProviderDetails: { client_id: CLIENT_ID, client_secret: SECRET, oidc_issuer: ISSUER, ...details },
    AttributeMapping: mapping,
  };
}

beforeEach(() => {
  cognito.reset();
  cognito.on(DescribeIdentityProviderCommand).resolves({ IdentityProvider: cognitoProvider() });
  cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login' } });
  fake = {
    provider: {
      pk: 7,
      name: 'Cognito acme (OIDC)',
      client_id: CLIENT_ID,
      client_secret: SECRET,
      signing_key: 'kp1',
      redirect_uris: [{ matching_mode: 'strict', url: IDPRESPONSE }],
    },
    discovery: {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}jwks/`,
      token_endpoint: `${ORIGIN}/application/o/token/`,
      id_token_signing_alg_values_supported: ['RS256'],
    },
    keys: [jwkOf(signingKey)],
    user: { pk: 12, username: 'cognito-test-acme', is_active: true },
    access: { passing: true, messages: [] },
    token: () => ({
      id_token: idToken({
        iss: ISSUER,
        aud: CLIENT_ID,
        email: EMAIL,
        exp: Math.floor(Date.now() / 1000) + 60,
      }),
    }),
    requests: [],
  };
});

function context(): VerificationContext {
  return new VerificationContext(spec, resources, {
    cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    authentik: createAuthentikClient({ baseUrl: ORIGIN, token: 'fake-token-123456', fetch: fakeFetch }),
    fetch: fakeFetch as typeof fetch,
    timeoutMs: 500,
  });
}

const noSecrets = (value: unknown) => {
  const text = JSON.stringify(value);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('new-secret-');
};

describe('jwks', () => {
  it('passes when the key set holds the provider’s RS256 signing key', async () => {
    expect(await keySetCheck.run(context())).toMatchObject({ status: 'pass' });
  });

  it('JWKS_NO_RS256_KEY when the provider has no signing key (Authentik then signs HS256 with the secret)', async () => {
    fake.provider = { ...fake.provider, signing_key: null };
    fake.keys = [];
    fake.discovery.id_token_signing_alg_values_supported = ['HS256'];
    const answer = await keySetCheck.run(context());
    expect(answer).toMatchObject({ status: 'fail', reason: 'JWKS_NO_RS256_KEY' });
    expect(answer.message).toContain('HS256');
  });

  it('JWKS_KEY_MISMATCH when the published key is not the provider’s signing key', async () => {
    fake.keys = [jwkOf(otherKey, { x5c: [randomBytes(64).toString('base64')] })];
    expect(await keySetCheck.run(context())).toMatchObject({ status: 'fail', reason: 'JWKS_KEY_MISMATCH' });
  });

  it('does not fetch a jwks_uri off the Authentik origin', async () => {
    fake.discovery.jwks_uri = 'http://169.254.169.254/latest/meta-data/';
    const answer = await keySetCheck.run(context());
    expect(answer).toMatchObject({ status: 'fail', reason: 'JWKS_UNREACHABLE' });
    expect(fake.requests.some((r) => r.url.includes('169.254'))).toBe(false);
  });
});

describe('token-endpoint', () => {
  it('passes when Authentik refuses only the made-up code (invalid_grant): the client is accepted', async () => {
    const answer = await tokenEndpointCheck.run(context());
    expect(answer).toMatchObject({ status: 'pass' });
    const sent = fake.requests.find((r) => r.url.endsWith('/application/o/token/'));
    expect(new URLSearchParams(sent?.body).get('redirect_uri')).toBe(IDPRESPONSE);
    noSecrets(answer);
  });

  it('CLIENT_CREDENTIALS_REJECTED when Authentik does not accept the secret Cognito holds', async () => {
    fake.provider = { ...fake.provider, client_secret: 'new-secret-in-authentik' };
    const answer = await tokenEndpointCheck.run(context());
    expect(answer).toMatchObject({
      status: 'fail',
      reason: 'CLIENT_CREDENTIALS_REJECTED',
      actual: 'invalid_client',
    });
    noSecrets(answer);
  });
});

describe('client-credentials', () => {
  it('passes when both sides hold the same client id and secret', async () => {
    expect(await clientCredentialsCheck.run(context())).toMatchObject({ status: 'pass' });
  });

  it('SECRET_MISMATCH when one side was rotated, without showing either secret', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: cognitoProvider({ client_secret: 'new-secret-in-cognito' }),
    });
    const answer = await clientCredentialsCheck.run(context());
    expect(answer).toMatchObject({ status: 'fail', reason: 'SECRET_MISMATCH' });
    noSecrets(answer);
  });

  it('CLIENT_ID_MISMATCH when Cognito holds another client id', async () => {
    cognito
      .on(DescribeIdentityProviderCommand)
      .resolves({ IdentityProvider: cognitoProvider({ client_id: 'other' }) });
    expect(await clientCredentialsCheck.run(context())).toMatchObject({
      status: 'fail',
      reason: 'CLIENT_ID_MISMATCH',
    });
  });

  it('does not apply when Authentik has no provider (redirect-uri reports it)', async () => {
    fake.provider = undefined;
    expect(await clientCredentialsCheck.run(context())).toMatchObject({
      status: 'not-applicable',
      reason: 'BLOCKED',
    });
  });
});

describe('id-token', () => {
  const withCode = () => {
    const c = context();
    c.loginCode = GOOD_CODE;
    return c;
  };

  it('passes for an RS256 token of the issuer, for the client, with the test user’s email', async () => {
    const answer = await idTokenCheck.run(withCode());
    expect(answer).toMatchObject({ status: 'pass' });
    expect(JSON.stringify(answer)).not.toContain(GOOD_CODE);
  });

  it('ID_TOKEN_INVALID when the signature does not verify with the key set', async () => {
    fake.token = () => ({
      id_token: idToken({ iss: ISSUER, aud: CLIENT_ID, email: EMAIL }, { key: otherKey }),
    });
    expect(await idTokenCheck.run(withCode())).toMatchObject({ status: 'fail', reason: 'ID_TOKEN_INVALID' });
  });

  it('ID_TOKEN_INVALID when the token is not RS256, or names another issuer or client', async () => {
    fake.token = () => ({
      id_token: idToken({ iss: ISSUER, aud: CLIENT_ID, email: EMAIL }, { alg: 'HS256' }),
    });
    expect(await idTokenCheck.run(withCode())).toMatchObject({
      reason: 'ID_TOKEN_INVALID',
      expected: 'RS256',
    });
    fake.token = () => ({ id_token: idToken({ iss: `${ORIGIN}/other/`, aud: CLIENT_ID, email: EMAIL }) });
    expect(await idTokenCheck.run(withCode())).toMatchObject({
      reason: 'ID_TOKEN_INVALID',
      expected: ISSUER,
    });
    fake.token = () => ({ id_token: idToken({ iss: ISSUER, aud: 'someone-else', email: EMAIL }) });
    expect(await idTokenCheck.run(withCode())).toMatchObject({
      reason: 'ID_TOKEN_INVALID',
      expected: CLIENT_ID,
    });
  });

  it('EMAIL_CLAIM_MISMATCH when the email Cognito maps is missing or someone else’s', async () => {
    fake.token = () => ({ id_token: idToken({ iss: ISSUER, aud: CLIENT_ID }) });
    expect(await idTokenCheck.run(withCode())).toMatchObject({
      reason: 'EMAIL_CLAIM_MISMATCH',
      actual: null,
    });
  });
});

describe('attribute-mapping and pool-domains', () => {
  it('ATTRIBUTE_MAPPING_CHANGED when email is no longer mapped', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: cognitoProvider({}, { email: 'preferred_username' }),
    });
    expect(await attributeMappingCheck.run(context())).toMatchObject({
      status: 'fail',
      reason: 'ATTRIBUTE_MAPPING_CHANGED',
    });
    cognito.on(DescribeIdentityProviderCommand).resolves({ IdentityProvider: cognitoProvider() });
    expect(await attributeMappingCheck.run(context())).toMatchObject({ status: 'pass' });
  });

  it('REDIRECT_URI_MISSING for a domain of the pool Authentik does not allow (the custom one here)', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({
      UserPool: { Id: POOL_ID, Domain: 'acme-login', CustomDomain: 'login.acme.example' },
    });
    const answer = await poolDomainsCheck.run(context());
    expect(answer).toMatchObject({ status: 'fail', reason: 'REDIRECT_URI_MISSING' });
    expect(answer.message).toContain('https://login.acme.example/oauth2/idpresponse');
    fake.provider = {
      ...fake.provider,
      redirect_uris: [
        { matching_mode: 'strict', url: IDPRESPONSE },
        { matching_mode: 'strict', url: 'https://login.acme.example/oauth2/idpresponse' },
      ],
    };
    expect(await poolDomainsCheck.run(context())).toMatchObject({ status: 'pass' });
  });
});

describe('test-user and access', () => {
  it('USER_DISABLED for an inactive test user', async () => {
    fake.user = { ...fake.user, is_active: false };
    expect(await testUserCheck.run(context())).toMatchObject({ status: 'fail', reason: 'USER_DISABLED' });
  });

  it('LOGIN_DENIED when the application’s policy refuses the test user, with Authentik’s messages', async () => {
    expect(await accessCheck.run(context())).toMatchObject({ status: 'pass' });
    fake.access = { passing: false, messages: ['not in the group'] };
    const answer = await accessCheck.run(context());
    expect(answer).toMatchObject({ status: 'fail', reason: 'LOGIN_DENIED' });
    expect(answer.message).toContain('not in the group');
  });
});
