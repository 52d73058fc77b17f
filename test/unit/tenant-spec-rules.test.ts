// The tenant spec's rules one by one: each field's message, the boundaries of its pattern and length,
// the defaults, the cross-field rules, and the helpers that derive names from the tenant id. The
// broader behaviour is in tenant-spec.test.ts; these pin the details a careless edit could change.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { ValidationError } from '#lib/errors.ts';
import { TENANT_ID_RULE } from '#lib/tenant-id.ts';
import {
  defaultIdentityProviderName,
  derivedApplicationSlug,
  derivedGroupName,
  derivedProviderName,
  namesOfOtherTenants,
  tokenSecretNamesTenant,
} from '#lib/tenant-names.ts';
import {
  type Deployment,
  issuesToFields,
  parseTenantSpec,
  tenantSpecJsonSchema,
  tenantSpecSchema,
} from '#lib/tenant-spec.ts';
import { RESERVED_IN_DOMAIN_PREFIX, unknownKeyMessage } from '#lib/tenant-spec-fields.ts';

const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const ARN_PREFIX = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:';
const ARN = `${ARN_PREFIX}federation/acme/authentik-token`;

const SECRETS_BY_ARN = 'secrets are referenced by ARN, never inline';
const NO_EXPRESSIONS =
  "expressions are not accepted: access is one of the templates 'everyone' or 'group' " +
  '(an expression policy is Python run inside Authentik)';
const CONTROL = 'must not contain control characters';

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

function spec(change: (s: Spec) => void = () => {}): Spec {
  const s = base();
  change(s);
  return s;
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

/** The fields the spec is refused for, with their messages. */
function fields(change: (s: Spec) => void): Record<string, string[]> {
  return rejection(spec(change)).fields;
}

function accepted(change: (s: Spec) => void) {
  return parseTenantSpec(spec(change), deployment);
}

const set =
  (section: 'authentik' | 'cognito', key: string, value: unknown) =>
  (s: Spec): void => {
    s[section][key] = value;
  };

// ---------------------------------------------------------------------------------------------
// tenant-spec-fields.ts

describe('unknownKeyMessage', () => {
  it.each([
    'token',
    'apiToken',
    'TOKEN',
    'password',
    'passwd',
    'secret',
    'clientSecret',
    'credentials',
    'privateKey',
    'private_key',
    'private-key',
    'PRIVATEKEY',
    'apiKey',
    'api_key',
    'api-key',
  ])('%s is a credential passed inline', (key) => {
    expect(unknownKeyMessage(key)).toBe(SECRETS_BY_ARN);
  });

  it.each(['expression', 'Python', 'script', 'code', 'secretExpression', 'tokenScript'])(
    '%s is an expression (even when it also looks like a secret)',
    (key) => {
      expect(unknownKeyMessage(key)).toBe(NO_EXPRESSIONS);
    },
  );

  it.each(['flow', 'private key', 'privateXkey', 'api.key', 'apikeys'.slice(0, 3), 'keys', ''])(
    '%s is just an unknown field',
    (key) => {
      expect(unknownKeyMessage(key)).toBe('unknown field');
    },
  );

  it('is what the spec reports for each unknown key', () => {
    const f = fields((s) => {
      s.extra = 1;
      s.authentik.password = 'x';
      s.cognito.pythonCode = 'x';
    });
    expect(f.extra).toEqual(['unknown field']);
    expect(f['authentik.password']).toEqual([SECRETS_BY_ARN]);
    expect(f['cognito.pythonCode']).toEqual([NO_EXPRESSIONS]);
  });
});

describe('text without control characters', () => {
  it.each([
    [
      'displayName',
      (v: string) => (s: Spec) => {
        s.displayName = v;
      },
      'displayName',
      128,
    ],
    ['signingKeyName', (v: string) => set('authentik', 'signingKeyName', v), 'authentik.signingKeyName', 255],
    [
      'applicationName',
      (v: string) => set('authentik', 'applicationName', v),
      'authentik.applicationName',
      255,
    ],
    ['providerName', (v: string) => set('authentik', 'providerName', v), 'authentik.providerName', 255],
    [
      'testUser.name',
      (v: string) => set('authentik', 'testUser', { name: v }),
      'authentik.testUser.name',
      255,
    ],
  ] as const)('%s: 1 to its maximum of printable characters', (_name, put, field, max) => {
    expect(() => accepted(put('x'))).not.toThrow();
    expect(() => accepted(put('a'.repeat(max)))).not.toThrow();
    expect(() => accepted(put(' \u0080~é'))).not.toThrow();
    expect(fields(put('a'.repeat(max + 1)))[field]).toHaveLength(1);
    expect(fields(put(''))[field]).toEqual([expect.any(String), CONTROL]);
    for (const bad of ['\u0000', 'a\u0001b', 'ab\u001f', '\u007fab', 'a\nb']) {
      expect(fields(put(bad))[field]).toEqual([CONTROL]);
    }
  });
});

describe('tenantId', () => {
  it('says the rule', () => {
    expect(
      fields((s) => {
        s.tenantId = 'A';
      }),
    ).toEqual({ tenantId: [TENANT_ID_RULE] });
  });

  it('accepts 3 and 32 characters', () => {
    expect(
      accepted((s) => {
        s.tenantId = 'a1b';
        s.authentik.tokenSecretArn = `${ARN_PREFIX}a1b/authentik-token`;
      }).tenantId,
    ).toBe('a1b');
    const long = 'a'.repeat(32);
    const s = accepted((x) => {
      x.tenantId = long;
      x.authentik.tokenSecretArn = `${ARN_PREFIX}federation/${long}/authentik-token`;
    });
    expect(s.tenantId).toBe(long);
  });
});

describe('slugs (flows, application slug)', () => {
  const SLUG = 'must be a slug (letters, digits, - and _)';
  it.each(['authorizationFlow', 'invalidationFlow', 'applicationSlug'])('%s', (key) => {
    expect(accepted(set('authentik', key, 'aZ09-_')).authentik[key as 'applicationSlug']).toBe('aZ09-_');
    expect(() => accepted(set('authentik', key, 'b'.repeat(50)))).not.toThrow();
    expect(fields(set('authentik', key, 'b'.repeat(51)))[`authentik.${key}`]).toHaveLength(1);
    for (const bad of ['a.b', ' ab', 'ab ', 'a/b', '']) {
      expect(fields(set('authentik', key, bad))[`authentik.${key}`]).toEqual([SLUG]);
    }
  });
});

describe('tokenSecretArn', () => {
  const MESSAGE = `must be a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); ${SECRETS_BY_ARN}`;
  const put = (arn: string) => set('authentik', 'tokenSecretArn', arn);

  it.each([
    ARN,
    'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:acme/authentik-token',
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x/acme/authentik-token-AbC123',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:A_z+=.@-9/acme/authentik-token',
    `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${'p'.repeat(512 - 21)}/acme/authentik-token`,
  ])('accepts %s', (arn) => {
    expect(accepted(put(arn)).authentik.tokenSecretArn).toBe(arn);
  });

  it.each([
    `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${'p'.repeat(512 - 20)}/acme/authentik-token`,
    ` ${ARN}`,
    `${ARN} `,
    `x${ARN}`,
    'arn:aws:secretsmanager:eu-west-1:12345678901:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:eu-west-1:1234567890123:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:eu-west-12:123456789012:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:e-west-1:123456789012:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:euwest-1:123456789012:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:EU-west-1:123456789012:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:eu-west-x:123456789012:secret:federation/acme/authentik-token',
    'arn:aws-:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    'arn:awsx:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik token',
  ])('refuses %s', (arn) => {
    expect(fields(put(arn))).toEqual({ 'authentik.tokenSecretArn': [MESSAGE] });
  });

  it("refuses another tenant's secret, naming this tenant's", () => {
    expect(fields(put(`${ARN_PREFIX}federation/other/authentik-token`))).toEqual({
      'authentik.tokenSecretArn': [
        "must name this tenant's token secret <prefix>/acme/authentik-token: a tenant reads no other secret",
      ],
    });
  });
});

describe('callback and logout URLs', () => {
  const HTTPS = 'must use https (plain http only for localhost)';
  it.each(['callbackUrls', 'logoutUrls'])('%s', (key) => {
    const put = (url: string) => set('cognito', key, [url]);
    const at = `cognito.${key}.0`;
    for (const ok of [
      'https://app.acme.example/cb',
      'http://localhost/cb',
      'http://localhost:3000/cb',
      'https://localhost/cb',
    ]) {
      expect(accepted(put(ok)).cognito[key as 'logoutUrls']).toEqual([ok]);
    }
    expect(fields(put('/cb'))).toEqual({ [at]: ['must be an absolute URL'] });
    expect(fields(put('http://app.acme.example/'))).toEqual({ [at]: [HTTPS] });
    expect(fields(put('http://localhost.example/'))).toEqual({ [at]: [HTTPS] });
    expect(fields(put('ftp://localhost/'))).toEqual({ [at]: [HTTPS] });
    expect(fields(put('https://app.acme.example/#'))).toEqual({ [at]: ['must not contain a fragment'] });
    expect(fields(put('https://user@app.acme.example/'))).toEqual({ [at]: ['must not carry credentials'] });
    expect(fields(put('https://:pw@app.acme.example/'))).toEqual({ [at]: ['must not carry credentials'] });
    expect(fields(put('http://u:p@app.acme.example/#x'))).toEqual({
      [at]: [HTTPS, 'must not contain a fragment', 'must not carry credentials'],
    });
    const prefix = 'https://app.acme.example/';
    expect(() => accepted(put(prefix + 'a'.repeat(1024 - prefix.length)))).not.toThrow();
    expect(fields(put(prefix + 'a'.repeat(1025 - prefix.length)))[at]).toHaveLength(1);
  });

  it('at most 100 of each', () => {
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://app.acme.example/${i}`);
    expect(accepted(set('cognito', 'callbackUrls', urls(100))).cognito.callbackUrls).toHaveLength(100);
    expect(accepted(set('cognito', 'logoutUrls', urls(100))).cognito.logoutUrls).toHaveLength(100);
    expect(fields(set('cognito', 'callbackUrls', urls(101)))).toEqual({
      'cognito.callbackUrls': ['at most 100 callback URLs (Cognito)'],
    });
    expect(fields(set('cognito', 'logoutUrls', urls(101)))).toEqual({
      'cognito.logoutUrls': ['at most 100 logout URLs (Cognito)'],
    });
  });
});

describe('identityProviderName', () => {
  const RULES =
    'must follow Cognito provider name rules: at least 3 characters, no leading "_", no spaces or "_" after the second character';
  const put = (name: string) => set('cognito', 'identityProviderName', name);
  const at = 'cognito.identityProviderName';

  it.each(['abc', 'abcd', 'a_b', 'aéb', 'a\u0301b', 'a+b', 'a1b', 'a.b', '-ab', 'COGNITOX', 'x'.repeat(32)])(
    'accepts %s',
    (name) => {
      expect(accepted(put(name)).cognito.identityProviderName).toBe(name);
    },
  );

  it.each(['ab', '_ab', ' ab', 'a b', 'ab_', 'abc d', 'a\u00a0b'])('refuses %s', (name) => {
    expect(fields(put(name))).toEqual({ [at]: [RULES] });
  });

  it('at most 32 characters; never COGNITO', () => {
    expect(fields(put('x'.repeat(33)))).toEqual({ [at]: ['must be at most 32 characters (Cognito)'] });
    expect(fields(put('cognito'))).toEqual({ [at]: ['COGNITO is the user pool itself'] });
    expect(fields(put('COGNITO'))).toEqual({ [at]: ['COGNITO is the user pool itself'] });
  });
});

describe('domainPrefix and customDomain', () => {
  const PREFIX = 'must be 1-63 characters of a-z, 0-9 and -';
  const RESERVED = 'must not contain "aws", "amazon" or "cognito"';
  const putPrefix = (p: string) => set('cognito', 'domainPrefix', p);

  it('domainPrefix: 1 to 63 characters, no dash at either end', () => {
    for (const ok of ['a', '0', 'a-b', 'a--b', 'x'.repeat(63)]) {
      expect(accepted(putPrefix(ok)).cognito.domainPrefix).toBe(ok);
    }
    for (const bad of ['', '-a', 'a-', 'A', 'a.b', 'x'.repeat(64), ' a']) {
      expect(fields(putPrefix(bad))).toEqual({ 'cognito.domainPrefix': [PREFIX] });
    }
  });

  it('domainPrefix: none of the reserved words', () => {
    for (const bad of ['aws', 'x-amazon-y', 'mycognito']) {
      expect(fields(putPrefix(bad))).toEqual({ 'cognito.domainPrefix': [RESERVED] });
    }
    expect(RESERVED_IN_DOMAIN_PREFIX.test('awx-amazo-cognit')).toBe(false);
  });

  it('a derived prefix with a reserved word is refused unless the spec sets one or a custom domain', () => {
    const tenant = (s: Spec) => {
      s.tenantId = 'amazon-team';
      s.authentik.tokenSecretArn = `${ARN_PREFIX}federation/amazon-team/authentik-token`;
    };
    expect(fields(tenant)).toEqual({
      'cognito.domainPrefix': [
        'the prefix derived from tenantId (amazon-team-login) contains a word Cognito reserves; set cognito.domainPrefix',
      ],
    });
    expect(
      accepted((s) => {
        tenant(s);
        s.cognito.domainPrefix = 'team-login';
      }).cognito.domainPrefix,
    ).toBe('team-login');
    const custom = accepted((s) => {
      tenant(s);
      s.cognito.customDomain = 'login.team.example';
    });
    expect(custom.cognito.customDomain).toBe('login.team.example');
    expect('domainPrefix' in custom.cognito).toBe(false);
  });

  it('customDomain: a lower-case host name of at most 253 characters', () => {
    const put = (d: string) => set('cognito', 'customDomain', d);
    const label = 'x'.repeat(63);
    for (const ok of ['a.bc', 'login.acme.example', 'a-b.c0.example', `${label}.${'t'.repeat(63)}`]) {
      expect(accepted(put(ok)).cognito.customDomain).toBe(ok);
    }
    for (const bad of [
      'acme',
      'a.b',
      'Login.acme.example',
      '-a.example',
      'a-.example',
      `${label}x.example`,
      `a.${'t'.repeat(64)}`,
      'a.example.',
      ' a.example',
      'a..example',
      'a.ex1',
    ]) {
      expect(fields(put(bad))).toEqual({ 'cognito.customDomain': ['must be a lower-case host name'] });
    }
    const long = `${[label, label, label].join('.')}.${'y'.repeat(57)}.com`;
    expect(long).toHaveLength(253);
    expect(accepted(put(long)).cognito.customDomain).toBe(long);
    expect(fields(put(`a.${long}`))['cognito.customDomain']).toHaveLength(1);
  });

  it('not both', () => {
    expect(
      fields((s) => {
        s.cognito.domainPrefix = 'acme-login';
        s.cognito.customDomain = 'login.acme.example';
      }),
    ).toEqual({ 'cognito.customDomain': ['give domainPrefix or customDomain, not both'] });
  });
});

describe('attributeMapping', () => {
  const put = (m: unknown) => set('cognito', 'attributeMapping', m);
  const ATTRIBUTE = 'must be a standard user pool attribute or custom:<name>';

  it('maps standard and custom attributes to claims', () => {
    const mapping = {
      email: 'email',
      address: 'addr',
      birthdate: 'b',
      email_verified: 'ev',
      family_name: 'fn',
      gender: 'g',
      given_name: 'gn',
      locale: 'l',
      middle_name: 'mn',
      name: 'n',
      nickname: 'nn',
      phone_number: 'p',
      phone_number_verified: 'pv',
      picture: 'pic',
      preferred_username: 'pu',
      profile: 'pr',
      updated_at: 'u',
      website: 'w',
      zoneinfo: 'z',
      username: 'un',
      'custom:a': 'a:b.c-d_e',
      [`custom:${'c'.repeat(20)}`]: 'x'.repeat(128),
      'custom:a-b_c': 'y',
    };
    expect(accepted(put(mapping)).cognito.attributeMapping).toEqual(mapping);
  });

  it.each(['custom:', `custom:${'c'.repeat(21)}`, 'custom:a.b', 'xemail', 'emailx', 'Email', 'custom: a'])(
    'refuses the attribute %s',
    (key) => {
      expect(fields(put({ email: 'email', [key]: 'c' }))).toEqual({
        [`cognito.attributeMapping.${key}`]: [ATTRIBUTE],
      });
    },
  );

  it.each(['', 'a b', 'x'.repeat(129), 'a/b', ' a', 'a '])('refuses the claim "%s"', (claim) => {
    expect(fields(put({ email: claim }))).toEqual({
      'cognito.attributeMapping.email': ['must be a claim name'],
    });
  });

  it('must map email', () => {
    expect(fields(put({ name: 'name' }))).toEqual({
      'cognito.attributeMapping': ['must map email (the user pool requires it)'],
    });
  });
});

describe('scopes', () => {
  const put = (s: unknown) => set('cognito', 'scopes', s);
  it('accepts the scope-token characters', () => {
    const scopes = ['openid', 'email', '!', '#', '[', ']', '~', 'a:b/c', 'x'.repeat(128)];
    expect(accepted(put(scopes)).cognito.scopes).toEqual(scopes);
  });

  it.each(['"', '\\', ' ', '\u007f', 'a b', '', 'x'.repeat(129), 'é'])('refuses %j', (scope) => {
    expect(fields(put(['openid', 'email', scope]))).toEqual({
      'cognito.scopes.2': ['must be a scope token'],
    });
  });

  it('needs openid and email; at most 25', () => {
    for (const s of [['openid'], ['email'], ['profile']]) {
      expect(fields(put(s))).toEqual({ 'cognito.scopes': ['must include openid and email'] });
    }
    const many = (n: number) => ['openid', 'email', ...Array.from({ length: n - 2 }, (_, i) => `s${i}`)];
    expect(accepted(put(many(25))).cognito.scopes).toHaveLength(25);
    expect(fields(put(many(26)))['cognito.scopes']).toHaveLength(1);
  });
});

describe('groups and access', () => {
  const QUOTES = 'must not contain quotes or backslashes (it is written into the access policy)';
  const ACCESS_TEMPLATES = `must be 'everyone' or 'group'; ${NO_EXPRESSIONS}`;

  it('a group name: 1 to 80 quotable characters', () => {
    expect(accepted(set('authentik', 'group', 'g'.repeat(80))).authentik.group).toBe('g'.repeat(80));
    expect(fields(set('authentik', 'group', 'g'.repeat(81)))['authentik.group']).toHaveLength(1);
    expect(fields(set('authentik', 'group', ''))['authentik.group']?.length).toBeGreaterThan(0);
    expect(fields(set('authentik', 'group', 'a"b'))).toEqual({ 'authentik.group': [QUOTES] });
    expect(
      fields((s) => {
        s.access = { template: 'group', group: 'a\\b' };
      }),
    ).toEqual({
      'access.group': [QUOTES],
    });
  });

  it("refuses Authentik's administrators' group", () => {
    expect(fields(set('authentik', 'group', 'authentik Admins'))).toEqual({
      'authentik.group': ["is Authentik's administrators' group: the test user would become a superuser"],
    });
    expect(accepted(set('authentik', 'group', 'authentik admins')).authentik.group).toBe('authentik admins');
  });

  it('access is one of the two templates', () => {
    for (const access of [{ template: 'expression' }, {}, { template: 'Group' }]) {
      expect(
        fields((s) => {
          s.access = access;
        }),
      ).toEqual({ 'access.template': [ACCESS_TEMPLATES] });
    }
    expect(
      fields((s) => {
        s.access = { template: 'everyone', group: 'g' };
      }),
    ).toEqual({
      'access.group': ['unknown field'],
    });
  });

  it('access that is not an object gets the default message, not the templates one', () => {
    expect(
      fields((s) => {
        s.access = 'return True';
      }),
    ).toEqual({ access: ['Invalid input: expected object, received string'] });
  });

  it('the group template defaults to the Authentik group, or the derived one', () => {
    expect(
      accepted((s) => {
        s.access = { template: 'group' };
      }).access,
    ).toEqual({
      template: 'group',
      group: 'cognito-users-acme',
    });
    expect(
      accepted((s) => {
        s.access = { template: 'group', group: 'readers' };
        s.authentik.group = 'staff';
      }).access,
    ).toEqual({ template: 'group', group: 'readers' });
    expect(accepted(set('authentik', 'group', 'staff')).access).toEqual({
      template: 'group',
      group: 'staff',
    });
    expect(
      accepted((s) => {
        s.access = { template: 'everyone' };
      }).access,
    ).toEqual({
      template: 'everyone',
    });
  });
});

describe('the test user', () => {
  const put = (u: unknown) => set('authentik', 'testUser', u);
  const USERNAME = 'must be 1-150 characters of letters, digits and . @ + - _';

  it('accepts 1 to 150 characters of the username alphabet', () => {
    for (const ok of ['a', 'a.b@c+d-e_F9', 'u'.repeat(150)]) {
      expect(accepted(put({ username: ok })).authentik.testUser.username).toBe(ok);
    }
    for (const bad of ['', 'a b', 'u'.repeat(151), 'a/b', ' a', 'a ']) {
      expect(fields(put({ username: bad }))).toEqual({ 'authentik.testUser.username': [USERNAME] });
    }
  });

  it('derives the name and email from the username, and keeps what is given', () => {
    expect(accepted(put({ username: 'tester' })).authentik.testUser).toEqual({
      username: 'tester',
      name: 'Cognito test user (acme)',
      email: 'tester@example.com',
    });
    expect(accepted(put({ name: 'Tess', email: 't@acme.example' })).authentik.testUser).toEqual({
      username: 'cognito-test-acme',
      name: 'Tess',
      email: 't@acme.example',
    });
  });

  it('an email of at most 254 characters', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(56)}.com`;
    const email = `${'u'.repeat(64)}@${domain}`;
    expect(email).toHaveLength(253);
    expect(accepted(put({ email })).authentik.testUser.email).toBe(email);
    expect(fields(put({ email: `${'u'.repeat(64)}@dd${domain}` }))['authentik.testUser.email']).toHaveLength(
      1,
    );
  });
});

describe('the Cognito section', () => {
  it('region', () => {
    const put = (r: string) => set('cognito', 'region', r);
    for (const ok of ['eu-west-1', 'us-gov-west-1', 'ap-southeast-2']) {
      expect(accepted(put(ok)).cognito.region).toBe(ok);
    }
    for (const bad of [
      'eu-west-12',
      'EU-west-1',
      'e-west-1',
      'euwest-1',
      ' eu-west-1',
      'eu-west-1 ',
      'eu--1',
      'eu-west-',
    ]) {
      expect(fields(put(bad))).toEqual({ 'cognito.region': ['must be an AWS region like eu-west-1'] });
    }
  });

  it('userPoolId', () => {
    const put = (id: string) => set('cognito', 'userPoolId', id);
    for (const ok of ['eu-west-1_AbC123', 'a_b', 'a-b_9', `${'a'.repeat(53)}_b`]) {
      expect(accepted(put(ok)).cognito.userPoolId).toBe(ok);
    }
    for (const bad of ['eu-west-1_', '_abc', 'ab', 'a_b-c', 'a b_c', ' a_b', 'a_b ', 'a._b']) {
      expect(fields(put(bad))).toEqual({
        'cognito.userPoolId': ['must be a user pool id like eu-west-1_AbC123'],
      });
    }
    expect(fields(put(`${'a'.repeat(54)}_b`))['cognito.userPoolId']).toHaveLength(1);
  });

  it.each([
    ['userPoolName', 'must be a user pool name'],
    ['appClientName', 'must be an app client name'],
  ])('%s', (key, message) => {
    const put = (n: string) => set('cognito', key, n);
    for (const ok of ['My pool +=,.@-_9', 'n'.repeat(128), 'a\tb']) {
      expect(accepted(put(ok)).cognito[key as 'userPoolName']).toBe(ok);
    }
    for (const bad of ['', 'a/b', 'a#', '#a', 'é']) {
      expect(fields(put(bad))).toEqual({ [`cognito.${key}`]: [message] });
    }
    expect(fields(put('n'.repeat(129)))[`cognito.${key}`]).toHaveLength(1);
  });

  it('appClientId, which spares the callback URLs', () => {
    const put = (id: string) => set('cognito', 'appClientId', id);
    for (const ok of ['abc123', 'a+b_C', 'i'.repeat(128)]) {
      expect(accepted(put(ok)).cognito.appClientId).toBe(ok);
    }
    for (const bad of ['', 'a-b', ' a', 'a ', 'a.b']) {
      expect(fields(put(bad))).toEqual({ 'cognito.appClientId': ['must be an app client id'] });
    }
    expect(fields(put('i'.repeat(129)))['cognito.appClientId']).toHaveLength(1);
    const brought = accepted((s) => {
      s.cognito = { appClientId: 'abc123' };
    });
    expect(brought.cognito.callbackUrls).toEqual([]);
    expect(brought.cognito.logoutUrls).toEqual([]);
  });

  it('without an app client, at least one callback URL', () => {
    expect(
      fields((s) => {
        s.cognito = {};
      }),
    ).toEqual({
      'cognito.callbackUrls': [
        'at least one callback URL is needed to create an app client (or bring appClientId)',
      ],
    });
  });

  it('keeps the names the spec gives', () => {
    const s = accepted((x) => {
      Object.assign(x.cognito, {
        userPoolName: 'pool',
        appClientName: 'client',
        identityProviderName: 'Authentik',
        domainPrefix: 'acme-sso',
      });
    });
    expect(s.cognito).toMatchObject({
      userPoolName: 'pool',
      appClientName: 'client',
      identityProviderName: 'Authentik',
      domainPrefix: 'acme-sso',
    });
  });
});

describe('the Authentik section', () => {
  it('keeps the names the spec gives, and the display name', () => {
    const s = accepted((x) => {
      x.displayName = 'Acme';
      Object.assign(x.authentik, {
        applicationName: 'App',
        providerName: 'Provider',
        signingKeyName: 'key',
        invalidationFlow: 'inv',
      });
    });
    expect(s.displayName).toBe('Acme');
    expect(s.authentik).toMatchObject({
      applicationName: 'App',
      providerName: 'Provider',
      signingKeyName: 'key',
      invalidationFlow: 'inv',
    });
  });

  it('leaves out a display name the spec does not give', () => {
    const s = accepted(() => {});
    expect(Object.keys(s)).toEqual(['tenantId', 'authentik', 'access', 'cognito']);
  });

  it('refuses a base URL longer than 2048 characters', () => {
    const url = `https://${'a'.repeat(63)}.${'b'.repeat(63)}.example/${'p'.repeat(2048)}`;
    const messages = fields(set('authentik', 'baseUrl', url))['authentik.baseUrl'] ?? [];
    expect(messages.some((m) => /2048/.test(m))).toBe(true);
  });

  it('refuses names derived for another tenant, naming that tenant', () => {
    expect(
      fields((s) => {
        s.authentik.group = 'cognito-users-other';
        s.cognito.userPoolName = 'federation-beta';
      }),
    ).toEqual({
      'authentik.group': ["is the name derived for tenant other: choose a name that is not another tenant's"],
      'cognito.userPoolName': [
        "is the name derived for tenant beta: choose a name that is not another tenant's",
      ],
    });
  });
});

describe('the errors', () => {
  it('are summed up in the message, field by field', () => {
    const error = rejection(
      spec((s) => {
        s.tenantId = 'A';
        s.cognito.region = 'x';
        s.cognito.logoutUrls = ['http://app.acme.example/#x'];
      }),
    );
    expect(error.message).toBe(
      `invalid tenant spec: tenantId: ${TENANT_ID_RULE} | cognito.region: must be an AWS region like eu-west-1 | cognito.logoutUrls.0: must use https (plain http only for localhost); must not contain a fragment`,
    );
  });

  it('issuesToFields names the spec itself, keeps each message once, and each unknown key', () => {
    const issues = [
      { code: 'custom', path: [], message: 'm', input: 1 },
      { code: 'custom', path: ['a', 0], message: 'x', input: 1 },
      { code: 'custom', path: ['a', 0], message: 'x', input: 1 },
      { code: 'custom', path: ['a', 0], message: 'y', input: 1 },
      { code: 'unrecognized_keys', path: ['b'], keys: ['token', 'flow'], message: 'u', input: {} },
      { code: 'unrecognized_keys', path: [], keys: ['__proto__'], message: 'u', input: {} },
      { code: 'invalid_key', path: ['c'], origin: 'record', issues: [], message: 'bad key', input: 'k' },
      {
        code: 'invalid_key',
        path: ['d'],
        origin: 'record',
        issues: [{ code: 'custom', path: [], message: 'inner', input: 'k' }],
        message: 'outer',
        input: 'k',
      },
    ] as unknown as z.core.$ZodIssue[];
    const out = issuesToFields(issues);
    expect(out).toEqual(
      Object.fromEntries([
        ['(spec)', ['m']],
        ['a.0', ['x', 'y']],
        ['b.token', [SECRETS_BY_ARN]],
        ['b.flow', ['unknown field']],
        ['__proto__', ['unknown field']],
        ['c', ['bad key']],
        ['d', ['inner']],
      ]),
    );
    expect(Object.keys(out)).toEqual(['(spec)', 'a.0', 'b.token', 'b.flow', '__proto__', 'c', 'd']);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(issuesToFields([])).toEqual({});
  });
});

describe('the schema', () => {
  it('is built once per deployment', () => {
    const other: Deployment = { ...deployment };
    expect(tenantSpecSchema(deployment)).toBe(tenantSpecSchema(deployment));
    expect(tenantSpecSchema(other)).not.toBe(tenantSpecSchema(deployment));
    expect(tenantSpecSchema(other)).toBe(tenantSpecSchema(other));
  });

  it('the JSON Schema carries a title and description, in the target asked for', () => {
    const draft4 = tenantSpecJsonSchema();
    expect(draft4.title).toBe('Tenant spec');
    expect(draft4.description).toBe('One tenant federated from Authentik into Cognito.');
    expect(tenantSpecJsonSchema('draft-2020-12').$schema).toBe(
      'https://json-schema.org/draft/2020-12/schema',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// tenant-names.ts

describe('tenant-names', () => {
  it('derives the names', () => {
    expect(derivedGroupName('acme')).toBe('cognito-users-acme');
    expect(derivedApplicationSlug('acme')).toBe('cognito-acme');
    expect(derivedProviderName('acme')).toBe('Cognito acme (OIDC)');
  });

  it.each([
    [`${ARN_PREFIX}acme/authentik-token`, true],
    [`${ARN_PREFIX}a/b/acme/authentik-token`, true],
    [`${ARN_PREFIX}federation/acme/authentik-token-AbC123`, true],
    [`${ARN_PREFIX}federation/acme/authentik-token-AbC12`, false],
    [`${ARN_PREFIX}federation/acme/authentik-token-AbC1234`, false],
    [`${ARN_PREFIX}federation/acme/authentik-token-AbC_23`, false],
    [`${ARN_PREFIX}federation/acme/authentik-token/x`, false],
    [`${ARN_PREFIX}federation/acme/xauthentik-token`, false],
    [`${ARN_PREFIX}federation/other/authentik-token`, false],
    [`${ARN_PREFIX}federation/xacme/authentik-token`, false],
    [`${ARN_PREFIX}acme/authentik-tokens`, false],
    [`${ARN_PREFIX}/authentik-token`, false],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter:acme/authentik-token', false],
  ])('tokenSecretNamesTenant(%s, acme) is %s', (arn, expected) => {
    expect(tokenSecretNamesTenant(arn, 'acme')).toBe(expected);
  });

  it('finds the names derived for other tenants, at their paths', () => {
    const s = {
      authentik: {
        group: 'cognito-users-beta',
        testUser: { username: 'cognito-test-gamma' },
        applicationSlug: 'cognito-delta',
        providerName: 'Cognito eps (OIDC)',
      },
      cognito: { userPoolName: 'federation-zeta', appClientName: 'federation-eta' },
    };
    expect(namesOfOtherTenants(s, 'acme')).toEqual([
      { path: ['authentik', 'group'], value: 'cognito-users-beta', owner: 'beta' },
      { path: ['authentik', 'testUser', 'username'], value: 'cognito-test-gamma', owner: 'gamma' },
      { path: ['authentik', 'applicationSlug'], value: 'cognito-delta', owner: 'delta' },
      { path: ['authentik', 'providerName'], value: 'Cognito eps (OIDC)', owner: 'eps' },
      { path: ['cognito', 'userPoolName'], value: 'federation-zeta', owner: 'zeta' },
      { path: ['cognito', 'appClientName'], value: 'federation-eta', owner: 'eta' },
    ]);
  });

  it("skips the tenant's own names, names that are no tenant id, and what is not a string", () => {
    const own = {
      authentik: {
        group: 'cognito-users-acme',
        testUser: { username: 'xcognito-test-beta' },
        applicationSlug: 'cognito-AB',
        providerName: 'Cognito My App (OIDC)',
      },
      cognito: { userPoolName: 'federation-beta ', appClientName: 'my-federation-beta' },
    };
    expect(namesOfOtherTenants(own, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: { group: 5 } }, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: null }, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: 'cognito-users-beta' }, 'acme')).toEqual([]);
    expect(namesOfOtherTenants(null, 'acme')).toEqual([]);
    expect(namesOfOtherTenants(undefined, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: { group: ['cognito-users-beta'] } }, 'acme')).toEqual([]);
    const shifted = {
      authentik: { group: 'xcognito-users-beta', applicationSlug: 'my-cognito-beta' },
      cognito: { userPoolName: 'my-federation-beta' },
    };
    expect(namesOfOtherTenants(shifted, 'acme')).toEqual([]);
    const trailing = {
      authentik: {
        group: 'cognito-users-beta\nx',
        testUser: { username: 'cognito-test-beta\nx' },
        applicationSlug: 'cognito-beta\nx',
      },
      cognito: { userPoolName: 'federation-beta\nx', appClientName: 'federation-beta\nx' },
    };
    expect(namesOfOtherTenants(trailing, 'acme')).toEqual([]);
    expect(namesOfOtherTenants('x', 'acme')).toEqual([]);
    const inherited = { authentik: Object.create({ group: 'cognito-users-beta' }) as object };
    expect(namesOfOtherTenants(inherited, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: { providerName: 'xCognito beta (OIDC)' } }, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: { providerName: 'Cognito beta (OIDC)x' } }, 'acme')).toEqual([]);
    expect(namesOfOtherTenants({ authentik: { group: 'cognito-users-' } }, 'acme')).toEqual([
      // `cognito-users-` is the application slug pattern's `users-`: not a tenant id (ends in a dash)
    ]);
  });

  it('an identity provider name fits 32 characters', () => {
    const hash = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 8);
    const fits = 'a'.repeat(22);
    expect(defaultIdentityProviderName(fits)).toBe(`authentik-${fits}`);
    const over = 'b'.repeat(23);
    expect(defaultIdentityProviderName(over)).toBe(`ak-${'b'.repeat(20)}-${hash(over)}`);
    const dashes = 'ab-cdefghijklmnopq--tuvwxyz';
    expect(defaultIdentityProviderName(dashes)).toBe(`ak-ab-cdefghijklmnopq-${hash(dashes)}`);
    const one = 'abcdefghijklmnopqrs-tuvwxyz';
    expect(defaultIdentityProviderName(one)).toBe(`ak-abcdefghijklmnopqrs-${hash(one)}`);
    expect(hash(over)).toHaveLength(8);
  });
});
