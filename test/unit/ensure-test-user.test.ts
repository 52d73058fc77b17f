// ensure-test-user over a fake Authentik and a mocked Secrets Manager: the order of writes that keeps
// the password known (secret → user inactive → set_password → activate), no write on a re-run, the
// resume paths, the password kept out of every error and log line, and ownership: a user of that
// name that is not this tenant's (an admin, a person, another tenant's) is never adopted, and
// destroy deletes only the user it recorded creating that still carries the tenant's mark.
import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { ConflictError, PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import {
  apply,
  check,
  destroy,
  OWNER_ATTRIBUTE,
  withoutSecret,
} from '../../functions/ensure-test-user/core.ts';
import { generatePassword } from '../../functions/ensure-test-user/password.ts';

const BASE = 'https://auth.example.com';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/test-user-AbCdEf';
const GROUP = '8a3e7c52-0000-4000-8000-000000000001';
const STORED = 'Stored-password_0123456789abcdefghijklmnopq';

const secretsMock = mockClient(SecretsManagerClient);
const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: BASE,
      tokenSecretArn:
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf',
    },
    cognito: { callbackUrls: ['https://app.example/callback'] },
  },
  { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false },
);
const resources: Resources = { groupPk: GROUP };

const json = (status: number, body: unknown) =>
  status === 204
    ? new Response(null, { status })
    : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const list = (results: unknown[]) => ({
  pagination: {
    next: 0,
    previous: 0,
    count: results.length,
    current: 1,
    total_pages: 1,
    start_index: 1,
    end_index: results.length,
  },
  results,
  autocomplete: {},
});

function user(overrides: Record<string, unknown> = {}) {
  return {
    pk: 3,
    username: 'cognito-test-acme',
    name: 'Cognito test user (acme)',
    email: 'cognito-test-acme@example.com',
    is_active: true,
    groups: [GROUP],
    type: 'internal',
    path: 'users',
    attributes: { [OWNER_ATTRIBUTE]: 'acme' },
    ...overrides,
  };
}

/** Every write of both services, in the order sent. */
let timeline: string[];

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

/** An Authentik holding `existing` (or no user), answering the user endpoints by its pk. */
function fakeAuthentik(
  existing: ReturnType<typeof user> | undefined,
  setPassword?: (body: { password: string }) => Response,
  /** Answers the create with "username taken", the user it returns having appeared meanwhile. */
  onCreate?: () => ReturnType<typeof user>,
) {
  const requests: Seen[] = [];
  let current = existing;
  const client = createAuthentikClient({
    baseUrl: BASE,
    token: 'unit-test-token-0123456789',
    fetch: async (request) => {
      const path = new URL(request.url).pathname.replace(/^\/api\/v3/, '');
      const text = await request.text();
      const seen = { method: request.method, path, body: text ? JSON.parse(text) : undefined };
      requests.push(seen);
      if (request.method !== 'GET') timeline.push(`${request.method} ${path}`);
      if (request.method === 'GET' && path === '/core/users/')
        return json(200, list(current ? [current] : []));
      if (request.method === 'POST' && path === '/core/users/') {
        if (onCreate) {
          current = onCreate();
          return json(400, { username: ['This field must be unique.'] });
        }
        current = user({ ...(seen.body as object), pk: 3 });
        return json(201, current);
      }
      const byPk = current ? `/core/users/${current.pk}/` : undefined;
      if (request.method === 'POST' && path === `${byPk}set_password/`) {
        return setPassword ? setPassword(seen.body as { password: string }) : json(204, undefined);
      }
      if (request.method === 'GET' && path === byPk) return json(200, current);
      if (request.method === 'PATCH' && path === byPk) {
        current = { ...(current as ReturnType<typeof user>), ...(seen.body as object) };
        return json(200, current);
      }
      if (request.method === 'DELETE' && path === byPk) {
        current = undefined;
        return json(204, undefined);
      }
      return json(404, { detail: 'Not found.' });
    },
  });
  return { client, requests, writes: () => requests.filter((r) => r.method !== 'GET') };
}

const notFound = () =>
  new ResourceNotFoundException({
    message: 'Secrets Manager can’t find the specified secret.',
    $metadata: {},
  });

/** No secret yet: the reads miss, the create succeeds. */
function noSecret() {
  secretsMock.on(GetSecretValueCommand).rejects(notFound());
  secretsMock.on(DescribeSecretCommand).rejects(notFound());
  secretsMock.on(CreateSecretCommand).callsFake(() => {
    timeline.push('CreateSecret');
    return { ARN: SECRET_ARN };
  });
}

/** The secret holds `{username, password: STORED}`. */
function storedSecret() {
  const value = JSON.stringify({ password: STORED, username: 'cognito-test-acme' });
  secretsMock.on(GetSecretValueCommand).resolves({ ARN: SECRET_ARN, SecretString: value });
  secretsMock
    .on(DescribeSecretCommand)
    .resolves({ ARN: SECRET_ARN, Tags: [{ Key: 'tenant', Value: 'acme' }] });
}

function passwordSentTo(fake: ReturnType<typeof fakeAuthentik>): string | undefined {
  const sent = fake.requests.find((r) => r.path.endsWith('/set_password/'));
  return (sent?.body as { password?: string } | undefined)?.password;
}

function storedValue(): { username: string; password: string } {
  const call =
    secretsMock.commandCalls(CreateSecretCommand)[0] ?? secretsMock.commandCalls(PutSecretValueCommand)[0];
  return JSON.parse(String(call?.args[0].input.SecretString));
}

const clientsFor = (fake: ReturnType<typeof fakeAuthentik>) => ({
  authentik: fake.client,
  secrets,
  secretPrefix: 'federation',
});

beforeEach(() => {
  timeline = [];
  secretsMock.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ensure-test-user apply', () => {
  it('stores a generated password first, creates the user inactive, sets the password, then activates it', async () => {
    noSecret();
    const fake = fakeAuthentik(undefined);
    const result = await apply(spec, resources, clientsFor(fake));
    expect(result).toEqual({
      outcome: 'created',
      writes: 4,
      resources: {
        testUserPk: 3,
        testUserPasswordSecretArn: SECRET_ARN,
        created: ['testUserPk', 'testUserPasswordSecretArn'],
      },
    });
    expect(timeline).toEqual([
      'CreateSecret',
      'POST /core/users/',
      'POST /core/users/3/set_password/',
      'PATCH /core/users/3/',
    ]);
    const writes = fake.writes();
    expect(writes[0]?.body).toEqual({
      username: 'cognito-test-acme',
      name: 'Cognito test user (acme)',
      email: 'cognito-test-acme@example.com',
      groups: [GROUP],
      path: 'users',
      type: 'internal',
      is_active: false,
      attributes: { [OWNER_ATTRIBUTE]: 'acme' },
    });
    expect(writes[2]?.body).toEqual({ is_active: true });
    const stored = storedValue();
    expect(stored.username).toBe('cognito-test-acme');
    expect(passwordSentTo(fake)).toBe(stored.password);
    expect(secretsMock).toHaveReceivedCommandWith(CreateSecretCommand, { Name: 'federation/acme/test-user' });
  });

  it('sends no write when the secret is stored and the user is active and in the group', async () => {
    storedSecret();
    const fake = fakeAuthentik(user());
    const result = await apply(spec, resources, clientsFor(fake));
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0 });
    expect(fake.writes()).toEqual([]);
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(secretsMock).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('sets the stored password again on an inactive user (a run stopped before set_password), never a new one', async () => {
    storedSecret();
    const fake = fakeAuthentik(user({ is_active: false }));
    const result = await apply(spec, resources, clientsFor(fake));
    expect(result).toMatchObject({ outcome: 'updated', writes: 2 });
    expect(passwordSentTo(fake)).toBe(STORED);
    expect(fake.writes().map((w) => [w.method, w.path, w.body])).toEqual([
      ['POST', '/core/users/3/set_password/', { password: STORED }],
      ['PATCH', '/core/users/3/', { is_active: true }],
    ]);
    expect(secretsMock).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('stores a new password before setting it on a user that exists without one', async () => {
    noSecret();
    const fake = fakeAuthentik(user());
    const result = await apply(spec, resources, clientsFor(fake));
    expect(result).toMatchObject({ outcome: 'updated', writes: 2 });
    expect(timeline).toEqual(['CreateSecret', 'POST /core/users/3/set_password/']);
    expect(passwordSentTo(fake)).toBe(storedValue().password);
  });

  it('puts the user back in the group and keeps its other groups', async () => {
    storedSecret();
    const other = '8a3e7c52-0000-4000-8000-0000000000ff';
    const fake = fakeAuthentik(user({ groups: [other], name: 'Changed' }));
    await apply(spec, resources, clientsFor(fake));
    expect(fake.writes().map((w) => w.body)).toEqual([
      { name: 'Cognito test user (acme)', groups: [other, GROUP] },
    ]);
  });

  it('puts back the email and the type a person changed', async () => {
    storedSecret();
    const fake = fakeAuthentik(user({ email: 'changed@example.com', type: 'service_account' }));
    await apply(spec, resources, clientsFor(fake));
    expect(fake.writes().map((w) => w.body)).toEqual([
      { email: 'cognito-test-acme@example.com', type: 'internal' },
    ]);
  });

  it('renames its own user back, found by the recorded pk', async () => {
    storedSecret();
    const fake = fakeAuthentik(user({ username: 'renamed' }));
    const result = await apply(spec, { ...resources, testUserPk: 3 }, clientsFor(fake));
    expect(result).toMatchObject({ outcome: 'updated', writes: 1 });
    expect(fake.writes().map((w) => [w.method, w.path, w.body])).toEqual([
      ['PATCH', '/core/users/3/', { username: 'cognito-test-acme' }],
    ]);
  });

  it('never takes over an unmarked user under the recorded pk, and makes its own instead', async () => {
    noSecret();
    const fake = fakeAuthentik(user({ username: 'someone', attributes: {} }));
    await apply(spec, { ...resources, testUserPk: 3 }, clientsFor(fake));
    expect(fake.writes()[0]).toMatchObject({
      method: 'POST',
      path: '/core/users/',
      body: { username: 'cognito-test-acme', attributes: { [OWNER_ATTRIBUTE]: 'acme' } },
    });
  });

  it('never generates a password when the secret read is throttled', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const fake = fakeAuthentik(user());
    await expect(apply(spec, resources, clientsFor(fake))).rejects.toBeInstanceOf(TransientError);
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses to run before the group exists, sending nothing', async () => {
    const fake = fakeAuthentik(undefined);
    await expect(apply(spec, {}, clientsFor(fake))).rejects.toBeInstanceOf(PreconditionError);
    expect(fake.requests).toEqual([]);
    expect(secretsMock).not.toHaveReceivedAnyCommand();
  });

  it('keeps the password out of the error when Authentik rejects it, even if the answer echoes it', async () => {
    noSecret();
    const fake = fakeAuthentik(undefined, ({ password }) =>
      json(400, { password: [`The password ${password} is too common.`] }),
    );
    const error = await apply(spec, resources, clientsFor(fake)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const { message, stack, fields } = error as ValidationError;
    expect(fields.password).toEqual(['The password [redacted] is too common.']);
    expect(JSON.stringify({ message, stack, fields })).not.toContain(storedValue().password);
  });

  it('writes nothing about the password to the console or stdout', async () => {
    noSecret();
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    const fake = fakeAuthentik(undefined);
    const result = await apply(spec, resources, clientsFor(fake));
    vi.restoreAllMocks();
    const password = storedValue().password;
    expect(lines.join('\n')).not.toContain(password);
    expect(JSON.stringify(result)).not.toContain(password);
  });
});

describe('ensure-test-user never adopts a user that is not its own', () => {
  const akadmin = () =>
    user({
      pk: 1,
      username: 'akadmin',
      name: 'authentik Default Admin',
      email: 'admin@example.com',
      groups: ['admins-group'],
      attributes: {},
    });
  const adminSpec = parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: BASE,
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf',
        testUser: { username: 'akadmin' },
      },
      cognito: { callbackUrls: ['https://app.example/callback'] },
    },
    { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false },
  );

  async function refusal(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a refusal');
  }

  it('refuses an admin of the same name: no password set, no secret touched, nothing written', async () => {
    storedSecret();
    const fake = fakeAuthentik(akadmin());
    const error = await refusal(apply(adminSpec, resources, clientsFor(fake)));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'Authentik user "akadmin" (authentik.testUser.username) was not made by this product for this ' +
        'tenant: choose another authentik.testUser.username',
    );
    expect(fake.writes()).toEqual([]);
    expect(passwordSentTo(fake)).toBeUndefined();
    expect(secretsMock).not.toHaveReceivedAnyCommand();
    expect(timeline).toEqual([]);
  });

  it("refuses another tenant's test user, saying whose it is", async () => {
    noSecret();
    const fake = fakeAuthentik(user({ attributes: { [OWNER_ATTRIBUTE]: 'globex' } }));
    const error = await refusal(apply(spec, resources, clientsFor(fake)));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'Authentik user "cognito-test-acme" (authentik.testUser.username) belongs to another tenant: ' +
        'choose another authentik.testUser.username',
    );
    expect(fake.writes()).toEqual([]);
    expect(secretsMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['an attribute marking nobody', { [OWNER_ATTRIBUTE]: 42 }],
    ['no attributes at all', undefined],
    ['a near-miss marker', { 'authentik-cognito-federation/tenant ': 'acme' }],
  ])('refuses a user with %s', async (_what, attributes) => {
    const fake = fakeAuthentik(user({ attributes }));
    await expect(apply(spec, resources, clientsFor(fake))).rejects.toBeInstanceOf(ConflictError);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a user even when the record says an operator adopted it: users are never adopted', async () => {
    const fake = fakeAuthentik(akadmin());
    const adopted: Resources = { ...resources, testUserPk: 1, adopted: ['testUserPk'] };
    await expect(apply(adminSpec, adopted, clientsFor(fake))).rejects.toBeInstanceOf(ConflictError);
    expect(fake.writes()).toEqual([]);
    expect(secretsMock).not.toHaveReceivedAnyCommand();
  });

  it("refuses another tenant's user even when the record says this tenant created it", async () => {
    const fake = fakeAuthentik(user({ attributes: { [OWNER_ATTRIBUTE]: 'globex' } }));
    const recorded: Resources = { ...resources, testUserPk: 3, created: ['testUserPk'] };
    await expect(apply(spec, recorded, clientsFor(fake))).rejects.toBeInstanceOf(ConflictError);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses the user a person made meanwhile under the name, sending no password', async () => {
    noSecret();
    const fake = fakeAuthentik(undefined, undefined, akadmin);
    const error = await refusal(apply(adminSpec, resources, clientsFor(fake)));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('"akadmin" (authentik.testUser.username)');
    expect(timeline).toEqual(['CreateSecret', 'POST /core/users/']);
    expect(passwordSentTo(fake)).toBeUndefined();
  });

  it('converges its own user after a lost create answer (the user carries its mark)', async () => {
    noSecret();
    const fake = fakeAuthentik(undefined, undefined, () => user({ is_active: false }));
    const result = await apply(spec, resources, clientsFor(fake));
    expect(result.resources).toEqual({
      testUserPk: 3,
      testUserPasswordSecretArn: SECRET_ARN,
      created: ['testUserPk', 'testUserPasswordSecretArn'],
    });
    expect(timeline).toEqual([
      'CreateSecret',
      'POST /core/users/',
      'POST /core/users/3/set_password/',
      'PATCH /core/users/3/',
    ]);
  });
});

describe('ensure-test-user destroy', () => {
  const recorded: Resources = {
    ...resources,
    testUserPk: 3,
    testUserPasswordSecretArn: SECRET_ARN,
    created: ['testUserPk', 'testUserPasswordSecretArn'],
  };

  beforeEach(() => {
    secretsMock.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    secretsMock.on(DeleteSecretCommand).resolves({ ARN: SECRET_ARN });
  });

  it('deletes the password secret and the user it recorded creating that still carries its mark', async () => {
    const fake = fakeAuthentik(user());
    expect(await destroy(spec, recorded, clientsFor(fake))).toEqual({
      outcome: 'deleted',
      resources: { groupPk: GROUP, created: [] },
    });
    expect(fake.writes().map((w) => [w.method, w.path])).toEqual([['DELETE', '/core/users/3/']]);
    expect(secretsMock).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: SECRET_ARN });
  });

  it.each([
    ['recorded but without the mark', user({ attributes: {} }), recorded],
    [
      'recorded but marked by another tenant',
      user({ attributes: { [OWNER_ATTRIBUTE]: 'globex' } }),
      recorded,
    ],
    ['marked but not recorded as created', user(), { ...recorded, created: ['testUserPasswordSecretArn'] }],
    ['marked but recorded under another pk', user({ pk: 4 }), { ...recorded, testUserPk: 5 }],
    ['an admin found by the name', user({ pk: 1, username: 'cognito-test-acme', attributes: {} }), resources],
  ] as [string, ReturnType<typeof user>, Resources][])(
    'keeps a user %s, deleting only the password secret',
    async (_what, existing, record) => {
      const fake = fakeAuthentik(existing);
      const result = await destroy(spec, record, clientsFor(fake));
      expect(result.outcome).toBe('kept');
      expect(result.resources.testUserPasswordSecretArn).toBeUndefined();
      expect(result.resources.testUserPk).toBe(record.testUserPk);
      expect(fake.writes()).toEqual([]);
    },
  );

  it('deletes its own user found by the recorded pk when it was renamed', async () => {
    const fake = fakeAuthentik(user({ username: 'renamed' }));
    expect((await destroy(spec, recorded, clientsFor(fake))).outcome).toBe('deleted');
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/core/users/3/'],
      ['DELETE', '/core/users/3/'],
    ]);
  });

  it('deletes the password secret by its name when the record lost its ARN', async () => {
    const fake = fakeAuthentik(undefined);
    const result = await destroy(spec, resources, clientsFor(fake));
    expect(result).toEqual({ outcome: 'deleted', resources: { groupPk: GROUP, created: [] } });
    expect(secretsMock).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: 'federation/acme/test-user',
    });
  });

  it('answers absent when neither the user nor the secret is there', async () => {
    secretsMock.on(DescribeSecretCommand).rejects(notFound());
    const fake = fakeAuthentik(undefined);
    expect(await destroy(spec, recorded, clientsFor(fake))).toEqual({
      outcome: 'absent',
      resources: { groupPk: GROUP, created: [] },
    });
    expect(fake.writes()).toEqual([]);
    expect(secretsMock).not.toHaveReceivedCommand(DeleteSecretCommand);
  });
});

describe('withoutSecret', () => {
  it('cuts the secret out of the message, the stack and the field errors', () => {
    const error = new ValidationError('rejected: hunter2-secret-value', {
      password: ['hunter2-secret-value is weak'],
    });
    const cleaned = withoutSecret(error, 'hunter2-secret-value') as ValidationError;
    expect(cleaned.message).toBe('rejected: [redacted]');
    expect(cleaned.fields).toEqual({ password: ['[redacted] is weak'] });
    expect(cleaned.stack).not.toContain('hunter2-secret-value');
  });
});

describe('generatePassword', () => {
  it('draws 256 bits with upper and lower case, digits and a symbol, different every time', () => {
    const drawn = new Set(Array.from({ length: 200 }, generatePassword));
    expect(drawn.size).toBe(200);
    for (const password of drawn) {
      expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/[-_]/);
    }
  });
});

describe('ensure-test-user check', () => {
  it('reports drift field by field and a missing password without any value', async () => {
    secretsMock.on(GetSecretValueCommand).rejects(notFound());
    const fake = fakeAuthentik(user({ is_active: false, groups: [], email: 'changed@example.com' }));
    const result = await check(spec, resources, clientsFor(fake));
    expect(result.outcome).toBe('drifted');
    expect(result.drift.map((d) => d.field)).toEqual(['email', 'is_active', 'groups', 'password']);
    expect(fake.writes()).toEqual([]);
  });

  it('is in sync when the user and its stored password are as applied', async () => {
    storedSecret();
    const fake = fakeAuthentik(user());
    const result = await check(spec, resources, clientsFor(fake));
    expect(result).toEqual({ outcome: 'in-sync', drift: [] });
    expect(JSON.stringify(result)).not.toContain(STORED);
  });
});
