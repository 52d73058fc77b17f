// The tenant spec's share of ownership (functions/lib/ownership.ts): a per-tenant default group, the
// administrators' group refused, no name derived for another tenant, no other tenant's token secret,
// and keys named like Object.prototype members refused by name, never a crash or a polluted object.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors.ts';
import { derivedGroupName, tokenSecretNamesTenant } from '#lib/tenant-names.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';

const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const ARN_PREFIX = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:';
const ARN = `${ARN_PREFIX}federation/acme/authentik-token`;

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

function rejection(input: unknown): ValidationError {
  try {
    parseTenantSpec(input, deployment);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the spec was accepted');
}

describe('the group a tenant gets', () => {
  it('is cognito-users-<tenantId> by default, for the access template too', () => {
    expect(derivedGroupName('acme')).toBe('cognito-users-acme');
    const spec = parseTenantSpec(base(), deployment);
    expect(spec.authentik.group).toBe('cognito-users-acme');
    expect(spec.access).toEqual({ template: 'group', group: 'cognito-users-acme' });
    const other = parseTenantSpec(
      {
        ...base(),
        tenantId: 'globex',
        authentik: { ...base().authentik, tokenSecretArn: `${ARN_PREFIX}federation/globex/authentik-token` },
      },
      deployment,
    );
    expect(other.authentik.group).toBe('cognito-users-globex');
  });

  it('is the one the spec names, and the access template follows it', () => {
    const s = base();
    s.authentik.group = 'acme-users';
    s.access = { template: 'group' };
    const spec = parseTenantSpec(s, deployment);
    expect(spec.authentik.group).toBe('acme-users');
    expect(spec.access).toEqual({ template: 'group', group: 'acme-users' });
  });

  it("is never Authentik's administrators' group", () => {
    const s = base();
    s.authentik.group = 'authentik Admins';
    const error = rejection(s);
    expect(error.fields).toEqual({
      'authentik.group': ["is Authentik's administrators' group: the test user would become a superuser"],
    });
  });
});

describe("names derived for another tenant's objects", () => {
  // [field path, another tenant's derived name, this tenant's derived name]
  const fields: [string[], string, string][] = [
    [['authentik', 'group'], 'cognito-users-globex', 'cognito-users-acme'],
    [['authentik', 'testUser', 'username'], 'cognito-test-globex', 'cognito-test-acme'],
    [['authentik', 'applicationSlug'], 'cognito-globex', 'cognito-acme'],
    [['authentik', 'providerName'], 'Cognito globex (OIDC)', 'Cognito acme (OIDC)'],
    [['cognito', 'userPoolName'], 'federation-globex', 'federation-acme'],
    [['cognito', 'appClientName'], 'federation-globex', 'federation-acme'],
  ];

  function withName(path: string[], value: string): Spec {
    const s = base();
    if (path[1] === 'testUser') s.authentik.testUser = { username: value };
    else (s[path[0] as 'authentik' | 'cognito'] as Record<string, unknown>)[path[1] as string] = value;
    return s;
  }

  it.each(fields)('refuses %j naming another tenant (%s), and names the field', (path, theirs) => {
    const error = rejection(withName(path, theirs));
    expect(error.fields).toEqual({
      [path.join('.')]: ["is the name derived for tenant globex: choose a name that is not another tenant's"],
    });
    expect(error.message).toContain(`${path.join('.')}: is the name derived for tenant globex`);
  });

  it.each(fields)('accepts %j derived for this tenant (%s / %s)', (path, _theirs, ours) => {
    const spec = parseTenantSpec(withName(path, ours), deployment) as unknown as Record<string, unknown>;
    let at: unknown = spec;
    for (const key of path) at = (at as Record<string, unknown>)[key];
    expect(at).toBe(ours);
  });

  it('accepts names that only look derived, where the rest could be no tenant id', () => {
    const s = base();
    s.authentik.providerName = 'Cognito My App (OIDC)';
    s.authentik.group = 'cognito-users-X';
    s.cognito.userPoolName = 'federation-a';
    const spec = parseTenantSpec(s, deployment);
    expect(spec.authentik.providerName).toBe('Cognito My App (OIDC)');
    expect(spec.authentik.group).toBe('cognito-users-X');
    expect(spec.cognito.userPoolName).toBe('federation-a');
  });

  it('names every such field at once', () => {
    const s = withName(['authentik', 'group'], 'cognito-users-globex');
    s.cognito.userPoolName = 'federation-initech';
    expect(Object.keys(rejection(s).fields).sort()).toEqual(['authentik.group', 'cognito.userPoolName']);
  });
});

describe('the Authentik token secret', () => {
  it.each([
    `${ARN_PREFIX}federation/acme/authentik-token`,
    `${ARN_PREFIX}federation/acme/authentik-token-AbC123`,
    `${ARN_PREFIX}acme/authentik-token`,
    `${ARN_PREFIX}deploy/eu/acme/authentik-token-xyz789`,
  ])('accepts %s', (tokenSecretArn) => {
    const s = base();
    s.authentik.tokenSecretArn = tokenSecretArn;
    expect(parseTenantSpec(s, deployment).authentik.tokenSecretArn).toBe(tokenSecretArn);
    expect(tokenSecretNamesTenant(tokenSecretArn, 'acme')).toBe(true);
  });

  it.each([
    ["another tenant's token", `${ARN_PREFIX}federation/globex/authentik-token`],
    ["another tenant's token with its suffix", `${ARN_PREFIX}federation/globex/authentik-token-AbC123`],
    ['another kind of secret', `${ARN_PREFIX}federation/acme/oidc-client`],
    ['a suffix of five characters', `${ARN_PREFIX}federation/acme/authentik-token-AbC12`],
    ['something after the name', `${ARN_PREFIX}federation/acme/authentik-token/extra`],
    ['a tenant id merely ending in the name', `${ARN_PREFIX}federation/xacme/authentik-token`],
    ['no tenant at all', `${ARN_PREFIX}authentik-token`],
  ])('refuses %s, naming authentik.tokenSecretArn', (_what, tokenSecretArn) => {
    const s = base();
    s.authentik.tokenSecretArn = tokenSecretArn;
    expect(rejection(s).fields).toEqual({
      'authentik.tokenSecretArn': [
        "must name this tenant's token secret <prefix>/acme/authentik-token: a tenant reads no other secret",
      ],
    });
    expect(tokenSecretNamesTenant(tokenSecretArn, 'acme')).toBe(false);
  });
});

describe('keys named like Object.prototype members', () => {
  const json = (spec: Spec, patch: (text: string) => string) => JSON.parse(patch(JSON.stringify(spec)));

  it.each(['__proto__', 'constructor', 'toString'])('refuses %s at the top level, naming it', (key) => {
    const input = json(base(), (text) => text.replace('{', `{"${key}":{"polluted":true},`));
    expect(Object.hasOwn(input, key)).toBe(true);
    const error = rejection(input);
    expect(error.fields).toEqual({ [key]: ['unknown field'] });
    expect(error.message).toBe(`invalid tenant spec: ${key}: unknown field`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['authentik', '"authentik":{'],
    ['cognito', '"cognito":{'],
    ['authentik.testUser', '"testUser":{'],
    ['access', '"access":{'],
  ])('refuses each of them nested in %s, naming them all', (where, opening) => {
    const s = base();
    s.authentik.testUser = { username: 'acme-test' };
    s.access = { template: 'everyone' };
    const input = json(s, (text) =>
      text.replace(opening, `${opening}"__proto__":{"tokenSecretArn":"x"},"constructor":1,"toString":"y",`),
    );
    const error = rejection(input);
    expect(error.fields).toEqual({
      [`${where}.__proto__`]: ['unknown field'],
      [`${where}.constructor`]: ['unknown field'],
      [`${where}.toString`]: ['unknown field'],
    });
    expect(Object.getPrototypeOf(error.fields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).tokenSecretArn).toBeUndefined();
  });

  it('refuses constructor and toString as attribute mapping keys, and never lets __proto__ in', () => {
    const s = base();
    s.cognito.attributeMapping = { email: 'email' };
    const bad = json(s, (text) =>
      text.replace('"attributeMapping":{', '"attributeMapping":{"constructor":"x","toString":"y",'),
    );
    expect(Object.keys(rejection(bad).fields).sort()).toEqual([
      'cognito.attributeMapping.constructor',
      'cognito.attributeMapping.toString',
    ]);
    const proto = json(s, (text) =>
      text.replace('"attributeMapping":{', '"attributeMapping":{"__proto__":"x",'),
    );
    const mapping = parseTenantSpec(proto, deployment).cognito.attributeMapping;
    expect(mapping).toEqual({ email: 'email' });
    expect(Object.keys(mapping)).toEqual(['email']);
    expect(Object.getPrototypeOf(mapping)).toBe(Object.prototype);
  });
});
