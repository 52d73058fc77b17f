import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors.ts';
import { defaultIdentityProviderName } from '#lib/tenant-names.ts';
import { type Deployment, localDeployment, parseTenantSpec, tenantSpecJsonSchema } from '#lib/tenant-spec.ts';

const production: Deployment = {
  allowedAuthentikHosts: [
    'authentik.example.com',
    '*.idp.example.org',
    '10.0.0.5',
    '169.254.169.254',
    '127.0.0.1',
  ],
  allowLoopbackHttp: false,
};

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token';

type Spec = Record<string, unknown> & {
  authentik: Record<string, unknown>;
  cognito: Record<string, unknown>;
};

function base(): Spec {
  return {
    tenantId: 'acme',
    authentik: { baseUrl: 'https://authentik.example.com', tokenSecretArn: ARN },
    cognito: { callbackUrls: ['https://app.acme.example/callback'] },
  };
}

function rejection(input: unknown, deployment: Deployment = production): ValidationError {
  try {
    parseTenantSpec(input, deployment);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the spec was accepted');
}

const withBaseUrl = (baseUrl: string) => (s: Spec) => {
  s.authentik.baseUrl = baseUrl;
};

// [what is wrong, how to break the valid spec, the field that must be named]
const malformed: [string, (s: Spec) => void, string][] = [
  ['tenantId in capitals', (s) => (s.tenantId = 'Acme'), 'tenantId'],
  ['tenantId too short', (s) => (s.tenantId = 'ab'), 'tenantId'],
  ['tenantId starting with a dash', (s) => (s.tenantId = '-acme'), 'tenantId'],
  ['tenantId of 33 characters', (s) => (s.tenantId = 'a'.repeat(33)), 'tenantId'],
  ['tenantId with an underscore', (s) => (s.tenantId = 'ac_me'), 'tenantId'],
  ['tenantId missing', (s) => delete s.tenantId, 'tenantId'],
  ['plain http to a public host', withBaseUrl('http://authentik.example.com'), 'authentik.baseUrl'],
  [
    'credentials in the URL',
    withBaseUrl('https://admin:hunter22@authentik.example.com'),
    'authentik.baseUrl',
  ],
  ['an empty userinfo in the URL', withBaseUrl('https://@authentik.example.com'), 'authentik.baseUrl'],
  ['a path', withBaseUrl('https://authentik.example.com/api/v3'), 'authentik.baseUrl'],
  ['a query', withBaseUrl('https://authentik.example.com/?next=/'), 'authentik.baseUrl'],
  ['a fragment', withBaseUrl('https://authentik.example.com/#x'), 'authentik.baseUrl'],
  ['a host off the allow-list', withBaseUrl('https://authentik.evil.example'), 'authentik.baseUrl'],
  ['the apex of a wildcard entry', withBaseUrl('https://idp.example.org'), 'authentik.baseUrl'],
  ['the metadata service', withBaseUrl('https://169.254.169.254'), 'authentik.baseUrl'],
  ['loopback as a decimal number', withBaseUrl('http://2130706433/'), 'authentik.baseUrl'],
  ['loopback in hex', withBaseUrl('https://0x7f.1'), 'authentik.baseUrl'],
  ['loopback in octal', withBaseUrl('https://017700000001'), 'authentik.baseUrl'],
  ['loopback shortened', withBaseUrl('https://127.1'), 'authentik.baseUrl'],
  ['loopback over https in production', withBaseUrl('https://127.0.0.1'), 'authentik.baseUrl'],
  ['metadata service in hex', withBaseUrl('https://0xa9fea9fe'), 'authentik.baseUrl'],
  ['a private 10/8 address', withBaseUrl('https://10.0.0.5'), 'authentik.baseUrl'],
  ['a private 172.16/12 address', withBaseUrl('https://172.16.0.1'), 'authentik.baseUrl'],
  ['a private 192.168/16 address', withBaseUrl('https://192.168.1.1'), 'authentik.baseUrl'],
  ['a carrier-grade NAT address', withBaseUrl('https://100.64.0.1'), 'authentik.baseUrl'],
  ['the unspecified address', withBaseUrl('https://0.0.0.0'), 'authentik.baseUrl'],
  ['IPv6 loopback', withBaseUrl('https://[::1]'), 'authentik.baseUrl'],
  ['IPv4-mapped metadata address', withBaseUrl('https://[::ffff:169.254.169.254]'), 'authentik.baseUrl'],
  ['IPv6 link-local', withBaseUrl('https://[fe80::1]'), 'authentik.baseUrl'],
  ['IPv6 unique local', withBaseUrl('https://[fc00::1]'), 'authentik.baseUrl'],
  ['EC2 IPv6 metadata', withBaseUrl('https://[fd00:ec2::254]'), 'authentik.baseUrl'],
  ['NAT64 of a private address', withBaseUrl('https://[64:ff9b::a00:5]'), 'authentik.baseUrl'],
  ['localhost by name', withBaseUrl('https://localhost'), 'authentik.baseUrl'],
  ['another scheme', withBaseUrl('ftp://authentik.example.com'), 'authentik.baseUrl'],
  ['not a URL', withBaseUrl('authentik.example.com'), 'authentik.baseUrl'],
  [
    'an inline token instead of an ARN',
    (s) => (s.authentik.tokenSecretArn = 'ak-1234567890'),
    'authentik.tokenSecretArn',
  ],
  [
    'an ARN of another service',
    (s) => (s.authentik.tokenSecretArn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/x'),
    'authentik.tokenSecretArn',
  ],
  ['an inline token field', (s) => (s.authentik.token = 'ak-1234567890'), 'authentik.token'],
  [
    'a test user password',
    (s) => (s.authentik.testUser = { username: 'tester', password: 'Secret-123' }),
    'authentik.testUser.password',
  ],
  ['an inline client secret', (s) => (s.cognito.clientSecret = 'abcdefgh'), 'cognito.clientSecret'],
  ['a top-level secret', (s) => (s.secret = 'x'), 'secret'],
  ['access as an expression string', (s) => (s.access = 'return True'), 'access'],
  ['a group name with a quote', (s) => (s.authentik.group = 'users" or True or "'), 'authentik.group'],
  [
    'an access group with a backslash',
    (s) => (s.access = { template: 'group', group: 'a\\b' }),
    'access.group',
  ],
  [
    'access with an expression template',
    (s) => (s.access = { template: 'expression', expression: 'return True' }),
    'access.template',
  ],
  [
    'an expression beside the group template',
    (s) => (s.access = { template: 'group', expression: 'return request.user.is_superuser' }),
    'access.expression',
  ],
  ['an unknown top-level key', (s) => (s.extra = 1), 'extra'],
  ['an unknown Authentik key', (s) => (s.authentik.flow = 'x'), 'authentik.flow'],
  [
    'a 33-character provider name',
    (s) => (s.cognito.identityProviderName = 'a'.repeat(33)),
    'cognito.identityProviderName',
  ],
  [
    'a provider name starting with _',
    (s) => (s.cognito.identityProviderName = '_authentik'),
    'cognito.identityProviderName',
  ],
  [
    'a provider name with a space',
    (s) => (s.cognito.identityProviderName = 'auth entik'),
    'cognito.identityProviderName',
  ],
  [
    'a provider name with _ after the start',
    (s) => (s.cognito.identityProviderName = 'ak_acme'),
    'cognito.identityProviderName',
  ],
  [
    'the provider name COGNITO',
    (s) => (s.cognito.identityProviderName = 'Cognito'),
    'cognito.identityProviderName',
  ],
  [
    'a two-character provider name',
    (s) => (s.cognito.identityProviderName = 'ak'),
    'cognito.identityProviderName',
  ],
  [
    'a plain http callback URL',
    (s) => (s.cognito.callbackUrls = ['http://app.acme.example/cb']),
    'cognito.callbackUrls.0',
  ],
  [
    'a callback URL with a fragment',
    (s) => (s.cognito.callbackUrls = ['https://app.acme.example/#cb']),
    'cognito.callbackUrls.0',
  ],
  ['a relative callback URL', (s) => (s.cognito.callbackUrls = ['/callback']), 'cognito.callbackUrls.0'],
  [
    '101 callback URLs',
    (s) => (s.cognito.callbackUrls = Array.from({ length: 101 }, (_, i) => `https://app.acme.example/${i}`)),
    'cognito.callbackUrls',
  ],
  ['no callback URL and no app client', (s) => (s.cognito.callbackUrls = []), 'cognito.callbackUrls'],
  [
    'a plain http logout URL',
    (s) => (s.cognito.logoutUrls = ['http://app.acme.example/']),
    'cognito.logoutUrls.0',
  ],
  [
    'a malformed test user email',
    (s) => (s.authentik.testUser = { email: 'not-an-email' }),
    'authentik.testUser.email',
  ],
  [
    'a mapping without email',
    (s) => (s.cognito.attributeMapping = { name: 'name' }),
    'cognito.attributeMapping',
  ],
  [
    'a mapping to an unknown attribute',
    (s) => (s.cognito.attributeMapping = { email: 'email', 'Bad Key': 'x' }),
    'cognito.attributeMapping.Bad Key',
  ],
  [
    'a domain prefix with a reserved word',
    (s) => (s.cognito.domainPrefix = 'acme-cognito'),
    'cognito.domainPrefix',
  ],
  [
    'both a domain prefix and a custom domain',
    (s) => Object.assign(s.cognito, { domainPrefix: 'acme-login', customDomain: 'login.acme.example' }),
    'cognito.customDomain',
  ],
  ['a derived domain prefix with a reserved word', (s) => (s.tenantId = 'aws-team'), 'cognito.domainPrefix'],
  ['scopes without openid', (s) => (s.cognito.scopes = ['email', 'profile']), 'cognito.scopes'],
  ['a malformed user pool id', (s) => (s.cognito.userPoolId = 'not a pool'), 'cognito.userPoolId'],
  ['a malformed region', (s) => (s.cognito.region = 'europe'), 'cognito.region'],
  [
    'an application slug with spaces',
    (s) => (s.authentik.applicationSlug = 'my app'),
    'authentik.applicationSlug',
  ],
  [
    'a flow slug with a slash',
    (s) => (s.authentik.authorizationFlow = '../flows'),
    'authentik.authorizationFlow',
  ],
  ['a group name with a newline', (s) => (s.authentik.group = 'a\nb'), 'authentik.group'],
  ['no authentik section', (s) => delete (s as Record<string, unknown>).authentik, 'authentik'],
];

describe('parseTenantSpec refuses malformed specs', () => {
  it('has a table of at least 30 cases', () => {
    expect(malformed.length).toBeGreaterThanOrEqual(30);
  });

  it.each(malformed)('%s → names %s', (_what, breakIt, field) => {
    const spec = base();
    breakIt(spec);
    const error = rejection(spec);
    expect(error.name).toBe('ValidationError');
    expect(Object.keys(error.fields)).toContain(field);
    expect(error.fields[field]?.length).toBeGreaterThan(0);
    expect(error.message).toContain(`${field}:`);
  });

  it('says why expressions and inline secrets are refused', () => {
    const spec = base();
    spec.access = { template: 'group', expression: 'return True' };
    spec.authentik.apiToken = 'ak-1234567890';
    const error = rejection(spec);
    expect(error.fields['access.expression']?.[0]).toMatch(/expressions are not accepted/);
    expect(error.fields['authentik.apiToken']?.[0]).toMatch(/secrets are referenced by ARN, never inline/);
  });

  it('never echoes a secret value or the credentials of a URL', () => {
    const spec = base();
    spec.authentik.baseUrl = 'https://admin:hunter22-pw@authentik.example.com';
    spec.authentik.token = 'ak-very-secret-token';
    spec.authentik.tokenSecretArn = 'ak-another-secret';
    const error = rejection(spec);
    for (const value of ['hunter22-pw', 'ak-very-secret-token', 'ak-another-secret']) {
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error.fields)).not.toContain(value);
    }
  });

  it('names every bad field at once', () => {
    const spec = base();
    spec.tenantId = 'Bad';
    spec.authentik.baseUrl = 'https://169.254.169.254';
    spec.cognito.identityProviderName = '_x';
    const error = rejection(spec);
    expect(Object.keys(error.fields)).toEqual(
      expect.arrayContaining(['tenantId', 'authentik.baseUrl', 'cognito.identityProviderName']),
    );
  });

  it('refuses a loopback host even when the allow-list names it, unless the deployment is local', () => {
    const spec = base();
    spec.authentik.baseUrl = 'https://127.0.0.1';
    expect(rejection(spec).fields['authentik.baseUrl']?.join(' ')).toMatch(/loopback/);
  });

  it('refuses link-local and private addresses: Cognito must reach the issuer over the internet', () => {
    const spec = base();
    spec.authentik.baseUrl = 'https://169.254.169.254';
    expect(rejection(spec).fields['authentik.baseUrl']?.join(' ')).toMatch(/link-local/);
    spec.authentik.baseUrl = 'https://10.0.0.5';
    expect(rejection(spec).fields['authentik.baseUrl']?.join(' ')).toMatch(/private address/);
  });

  it('refuses plain http to loopback when the deployment is not local', () => {
    const spec = base();
    spec.authentik.baseUrl = 'http://127.0.0.1:9000';
    expect(rejection(spec, { ...localDeployment, allowLoopbackHttp: false }).fields).toHaveProperty(
      'authentik.baseUrl',
    );
  });

  it('refuses anything that is not an object', () => {
    expect(rejection('tenant').fields).toHaveProperty('(spec)');
    expect(rejection(null).fields).toHaveProperty('(spec)');
  });
});

describe('parseTenantSpec fills in the defaults', () => {
  it('derives names from the tenant id and defaults the rest', () => {
    const spec = parseTenantSpec(base(), production);
    expect(spec).toEqual({
      tenantId: 'acme',
      authentik: {
        baseUrl: 'https://authentik.example.com',
        tokenSecretArn: ARN,
        authorizationFlow: 'default-provider-authorization-explicit-consent',
        invalidationFlow: 'default-provider-invalidation-flow',
        signingKeyName: 'authentik Self-signed Certificate',
        group: 'cognito-users-acme',
        applicationSlug: 'cognito-acme',
        applicationName: 'Cognito acme',
        providerName: 'Cognito acme (OIDC)',
        testUser: {
          username: 'cognito-test-acme',
          name: 'Cognito test user (acme)',
          email: 'cognito-test-acme@example.com',
        },
      },
      access: { template: 'group', group: 'cognito-users-acme' },
      cognito: {
        callbackUrls: ['https://app.acme.example/callback'],
        logoutUrls: [],
        attributeMapping: { email: 'email' },
        scopes: ['openid', 'email', 'profile'],
        domainPrefix: 'acme-login',
        userPoolName: 'federation-acme',
        appClientName: 'federation-acme',
        identityProviderName: 'authentik-acme',
      },
    });
  });

  it('keeps what the spec says', () => {
    const input = base();
    input.displayName = 'Acme Corp';
    input.access = { template: 'everyone' };
    Object.assign(input.authentik, {
      authorizationFlow: 'default-provider-authorization-implicit-consent',
      group: 'staff',
      applicationSlug: 'acme-app',
    });
    Object.assign(input.cognito, { identityProviderName: 'Authentik', scopes: ['openid', 'email'] });
    const spec = parseTenantSpec(input, production);
    expect(spec.access).toEqual({ template: 'everyone' });
    expect(spec.authentik.authorizationFlow).toBe('default-provider-authorization-implicit-consent');
    expect(spec.authentik.applicationSlug).toBe('acme-app');
    expect(spec.authentik.applicationName).toBe('Acme Corp');
    expect(spec.cognito.identityProviderName).toBe('Authentik');
    expect(spec.cognito.scopes).toEqual(['openid', 'email']);
  });

  it('defaults the group template to the Authentik group', () => {
    const input = base();
    input.access = { template: 'group' };
    input.authentik.group = 'staff';
    expect(parseTenantSpec(input, production).access).toEqual({ template: 'group', group: 'staff' });
  });

  it('accepts a brought pool and app client without callback URLs', () => {
    const input = base();
    input.cognito = {
      userPoolId: 'eu-west-1_AbC123',
      appClientId: 'abc123def456',
      customDomain: 'login.acme.example',
    };
    const spec = parseTenantSpec(input, production);
    expect(spec.cognito.userPoolId).toBe('eu-west-1_AbC123');
    expect(spec.cognito.customDomain).toBe('login.acme.example');
    expect(spec.cognito.domainPrefix).toBeUndefined();
  });

  it('keeps only the origin of the base URL', () => {
    const input = base();
    input.authentik.baseUrl = 'https://Authentik.Example.com:443/';
    expect(parseTenantSpec(input, production).authentik.baseUrl).toBe('https://authentik.example.com');
  });

  it('refuses a port Cognito cannot reach the issuer on, even one the allow-list names', () => {
    const input = base();
    input.authentik.baseUrl = 'https://authentik.example.com:8443';
    const allowed = { ...production, allowedAuthentikHosts: ['authentik.example.com:8443'] };
    const error = rejection(input, allowed);
    expect(Object.keys(error.fields ?? {})).toEqual(['authentik.baseUrl']);
    expect(error.fields?.['authentik.baseUrl']?.join(' ')).toContain(
      'Cognito accepts an OIDC issuer only over https on port 443',
    );
  });

  it('accepts https on port 80 when the allow-list names it (the ports Cognito reaches an IdP on)', () => {
    const input = base();
    input.authentik.baseUrl = 'https://authentik.example.com:80';
    const allowed = { ...production, allowedAuthentikHosts: ['authentik.example.com:80'] };
    expect(parseTenantSpec(input, allowed).authentik.baseUrl).toBe('https://authentik.example.com:80');
  });

  it('accepts a host under a wildcard entry', () => {
    const sub = base();
    sub.authentik.baseUrl = 'https://auth.eu.idp.example.org';
    expect(parseTenantSpec(sub, production).authentik.baseUrl).toBe('https://auth.eu.idp.example.org');
  });

  it('accepts plain http to loopback in the local world', () => {
    for (const baseUrl of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000']) {
      const input = base();
      input.authentik.baseUrl = baseUrl;
      expect(parseTenantSpec(input, localDeployment).authentik.baseUrl).toBe(baseUrl);
    }
  });

  it('accepts http://localhost callback URLs, as Cognito does', () => {
    const input = base();
    input.cognito.callbackUrls = ['http://localhost:3000/callback'];
    expect(parseTenantSpec(input, production).cognito.callbackUrls).toEqual([
      'http://localhost:3000/callback',
    ]);
  });

  it('derives a valid, distinct provider name for long tenant ids', () => {
    const a = defaultIdentityProviderName('a-very-long-tenant-identifier-01');
    const b = defaultIdentityProviderName('a-very-long-tenant-identifier-02');
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(32);
      expect(name).toMatch(/^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$/u);
    }
    expect(a).not.toBe(b);
    expect(defaultIdentityProviderName('acme')).toBe('authentik-acme');
  });

  it('gives a parsed spec back unchanged when parsed again (each step re-parses what it receives)', () => {
    const inputs = [base(), JSON.parse(readFileSync('examples/tenant.json', 'utf8')) as Spec];
    const custom = base();
    custom.cognito = {
      userPoolId: 'eu-west-1_AbC123',
      appClientId: 'abc123',
      customDomain: 'login.acme.example',
    };
    inputs.push(custom);
    const both = { ...localDeployment, allowedAuthentikHosts: ['127.0.0.1', 'authentik.example.com'] };
    for (const input of inputs) {
      const once = parseTenantSpec(input, both);
      const roundTripped = JSON.parse(JSON.stringify(once)) as unknown;
      expect(parseTenantSpec(roundTripped, both)).toEqual(once);
    }
  });

  it('parses the example for the local world', () => {
    const example = JSON.parse(readFileSync('examples/tenant.json', 'utf8')) as unknown;
    const spec = parseTenantSpec(example, localDeployment);
    expect(spec.tenantId).toBe('acme');
    expect(spec.authentik.baseUrl).toBe('http://127.0.0.1:9000');
  });
});

describe('the JSON Schema derived from the zod schema', () => {
  it('is draft-04 for API Gateway, and the committed file is up to date', () => {
    const schema = tenantSpecJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    const committed = JSON.parse(readFileSync('functions/lib/tenant-spec.schema.json', 'utf8')) as unknown;
    // Regenerate with:
    // npx tsx --eval "import('#lib/tenant-spec.ts').then((m) => console.log(JSON.stringify(m.tenantSpecJsonSchema(), null, 2)))" > functions/lib/tenant-spec.schema.json
    expect(committed).toEqual(schema);
  });

  it('accepts the example and refuses expressions, unknown keys and missing fields', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(tenantSpecJsonSchema('draft-07'));
    const example = JSON.parse(readFileSync('examples/tenant.json', 'utf8')) as Spec;
    expect(validate(example)).toBe(true);
    expect(validate({ ...example, access: { template: 'expression', expression: 'return True' } })).toBe(
      false,
    );
    expect(validate({ ...example, access: { template: 'group', expression: 'return True' } })).toBe(false);
    expect(validate({ ...example, authentik: { ...example.authentik, token: 'x' } })).toBe(false);
    expect(validate({ ...example, tenantId: 'Bad Id' })).toBe(false);
    expect(validate({ tenantId: 'acme' })).toBe(false);
  });
});
