// The Authentik client against the emulator: the guide's five Authentik steps, each lookup, the
// error mapping on real HTTP answers, pagination and the version gate.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkApplicationAccess,
  createApplication,
  deleteApplication,
  findApplicationBySlug,
  updateApplication,
} from '#lib/authentik/applications.ts';
import { type AuthentikClient, createAuthentikClient } from '#lib/authentik/client.ts';
import { createGroup, deleteGroup, findGroupByName, getGroup } from '#lib/authentik/groups.ts';
import { isAlreadyExists } from '#lib/authentik/http-errors.ts';
import { listAll } from '#lib/authentik/list.ts';
import {
  findFlowBySlug,
  findSigningKey,
  OIDC_SCOPE_MAPPINGS,
  requireFlow,
  requireScopeMappings,
  requireSigningKey,
} from '#lib/authentik/lookups.ts';
import {
  createBinding,
  createExpressionPolicy,
  deleteBinding,
  deleteExpressionPolicy,
  findExpressionPolicyByName,
  listBindings,
  updateExpressionPolicy,
} from '#lib/authentik/policies.ts';
import { everyoneExpression, groupMemberExpression } from '#lib/authentik/policy-templates.ts';
import {
  createProvider,
  deleteProvider,
  findProviderByName,
  getProvider,
  getProviderSetupUrls,
  strictRedirectUri,
  updateProvider,
} from '#lib/authentik/providers.ts';
import {
  createUser,
  deleteUser,
  findUserByUsername,
  setUserPassword,
  updateUser,
} from '#lib/authentik/users.ts';
import { readVersion, requireSupportedVersion } from '#lib/authentik/version.ts';
import { localDeployment } from '#lib/authentik-address.ts';
import { AuthentikAuthError, PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';
import { type AuthentikEmulator, startAuthentikEmulator } from '#local/authentik/server.ts';

const REDIRECT_URI = 'https://tenant-a.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';

let emulator: AuthentikEmulator;
let client: AuthentikClient;

beforeAll(async () => {
  emulator = await startAuthentikEmulator();
  client = createAuthentikClient({
    baseUrl: emulator.url,
    token: emulator.token,
    timeoutMs: 2_000,
    deployment: localDeployment,
  });
});

afterAll(async () => {
  await emulator?.stop();
});

afterEach(() => {
  emulator.setFaults(undefined);
});

async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('lookups of what a fresh Authentik holds', () => {
  it('reads the version once and passes the gate', async () => {
    const before = emulator.requests.filter((r) => r.path === '/api/v3/admin/version/').length;
    expect(await requireSupportedVersion(client)).toMatchObject({ text: emulator.version });
    await requireSupportedVersion(client);
    expect(await readVersion(client)).toBe(emulator.version);
    expect(emulator.requests.filter((r) => r.path === '/api/v3/admin/version/').length).toBe(before + 1);
  });

  it('finds the default flows by slug, and not the flow the guide names', async () => {
    for (const slug of [
      'default-authentication-flow',
      'default-provider-authorization-explicit-consent',
      'default-provider-authorization-implicit-consent',
      'default-provider-invalidation-flow',
    ]) {
      expect((await findFlowBySlug(client, slug))?.slug).toBe(slug);
    }
    expect(await findFlowBySlug(client, 'default-authentication-flow-explicit')).toBeUndefined();
    await expect(requireFlow(client, 'default-authentication-flow-explicit')).rejects.toBeInstanceOf(
      PreconditionError,
    );
  });

  it('finds the self-signed certificate with its key, and no key pair by another name', async () => {
    const key = await requireSigningKey(client, 'authentik Self-signed Certificate');
    expect(key.private_key_available).toBe(true);
    expect(await findSigningKey(client, 'no such certificate')).toBeUndefined();
  });

  it('finds the three managed scope mappings with one repeated-parameter request', async () => {
    const mappings = await requireScopeMappings(client);
    expect(mappings.map((mapping) => mapping.managed)).toEqual([...OIDC_SCOPE_MAPPINGS]);
    expect(mappings.map((mapping) => mapping.scope_name)).toEqual(['openid', 'email', 'profile']);
  });
});

describe("the guide's five Authentik steps", () => {
  const suffix = randomBytes(3).toString('hex');
  const groupName = `cognito-users-${suffix}`;
  const username = `cognito-test-${suffix}`;
  const providerName = `cognito-tenant-${suffix}`;
  const slug = `cognito-tenant-${suffix}`;
  const policyName = `cognito-tenant-${suffix}-members`;

  it('creates, finds, converges and deletes each object', async () => {
    // 1. The group.
    expect(await findGroupByName(client, groupName)).toBeUndefined();
    const group = await createGroup(client, { name: groupName });
    expect((await findGroupByName(client, groupName))?.pk).toBe(group.pk);
    expect((await getGroup(client, group.pk))?.name).toBe(groupName);

    // 2. The test user, in the group, with a password.
    const user = await createUser(client, {
      username,
      name: 'Cognito Test User',
      email: `${username}@example.com`,
      groups: [group.pk],
      path: 'users',
      type: 'internal',
    });
    expect(typeof user.pk).toBe('number');
    await setUserPassword(client, user.pk, `Pw-${randomBytes(12).toString('base64url')}`);
    const setPassword = emulator.requests.findLast(
      (r) => r.path === `/api/v3/core/users/${user.pk}/set_password/`,
    );
    expect(setPassword?.status).toBe(204);
    const found = await findUserByUsername(client, username);
    expect(found?.pk).toBe(user.pk);
    expect(found?.groups).toEqual([group.pk]);
    expect((await updateUser(client, user.pk, { name: 'Renamed Test User' })).name).toBe('Renamed Test User');

    // 3. The provider: explicit consent, invalidation flow, RS256 key, three scopes, strict redirect URI.
    const authorization = await requireFlow(client, 'default-provider-authorization-explicit-consent');
    const invalidation = await requireFlow(client, 'default-provider-invalidation-flow');
    const key = await requireSigningKey(client, 'authentik Self-signed Certificate');
    const mappings = await requireScopeMappings(client);
    const provider = await createProvider(client, {
      name: providerName,
      authorization_flow: authorization.pk,
      invalidation_flow: invalidation.pk,
      client_type: 'confidential',
      signing_key: key.pk,
      property_mappings: mappings.map((mapping) => mapping.pk),
      redirect_uris: [strictRedirectUri(REDIRECT_URI)],
      sub_mode: 'hashed_user_id',
      issuer_mode: 'per_provider',
    });
    expect(typeof provider.pk).toBe('number');
    expect(provider.client_id).toBeTruthy();
    expect(provider.client_secret).toBeTruthy();
    const read = await getProvider(client, provider.pk);
    expect(read).toMatchObject({
      client_id: provider.client_id,
      client_secret: provider.client_secret,
      signing_key: key.pk,
      authorization_flow: authorization.pk,
      invalidation_flow: invalidation.pk,
      redirect_uris: [{ matching_mode: 'strict', url: REDIRECT_URI }],
    });
    expect(new Set(read?.property_mappings)).toEqual(new Set(mappings.map((mapping) => mapping.pk)));
    expect((await findProviderByName(client, providerName))?.pk).toBe(provider.pk);
    const patched = await updateProvider(client, provider.pk, {
      redirect_uris: [strictRedirectUri(REDIRECT_URI), strictRedirectUri(`${REDIRECT_URI}?b`)],
    });
    expect(patched.redirect_uris.map((uri) => uri.url)).toEqual([REDIRECT_URI, `${REDIRECT_URI}?b`]);

    // 4. The application, whose slug names the issuer (with its trailing slash).
    expect(await findApplicationBySlug(client, slug)).toBeUndefined();
    const application = await createApplication(client, {
      name: `Cognito ${suffix}`,
      slug,
      provider: provider.pk,
    });
    expect((await findApplicationBySlug(client, slug))?.provider).toBe(provider.pk);
    expect((await getProviderSetupUrls(client, provider.pk)).issuer).toBe(
      `${emulator.url}/application/o/${slug}/`,
    );
    expect((await updateApplication(client, slug, { name: `Cognito ${suffix} renamed` })).name).toBe(
      `Cognito ${suffix} renamed`,
    );

    // 5. The expression policy, bound to the application; the group member passes, an outsider does not.
    const policy = await createExpressionPolicy(client, {
      name: policyName,
      expression: groupMemberExpression(groupName),
    });
    expect((await findExpressionPolicyByName(client, policyName))?.pk).toBe(policy.pk);
    const binding = await createBinding(client, {
      target: application.pk,
      policy: policy.pk,
      order: 0,
      enabled: true,
      negate: false,
      timeout: 30,
    });
    expect((await listBindings(client, application.pk)).map((b) => b.pk)).toEqual([binding.pk]);
    expect((await checkApplicationAccess(client, slug, user.pk)).passing).toBe(true);
    const outsider = await createUser(client, {
      username: `outsider-${suffix}`,
      name: 'Outsider',
      email: `outsider-${suffix}@example.com`,
      type: 'internal',
    });
    expect((await checkApplicationAccess(client, slug, outsider.pk)).passing).toBe(false);
    const everyone = await updateExpressionPolicy(client, policy.pk, { expression: everyoneExpression() });
    expect(everyone.expression).toBe('return True');
    expect((await checkApplicationAccess(client, slug, outsider.pk)).passing).toBe(true);

    // Deprovisioning, in reverse; a second delete finds nothing and says so.
    expect(await deleteBinding(client, binding.pk)).toBe(true);
    expect(await deleteBinding(client, binding.pk)).toBe(false);
    expect(await deleteExpressionPolicy(client, policy.pk)).toBe(true);
    expect(await deleteApplication(client, slug)).toBe(true);
    expect(await deleteApplication(client, slug)).toBe(false);
    expect(await deleteProvider(client, provider.pk)).toBe(true);
    expect(await getProvider(client, provider.pk)).toBeUndefined();
    expect(await deleteUser(client, user.pk)).toBe(true);
    expect(await deleteUser(client, outsider.pk)).toBe(true);
    expect(await deleteGroup(client, group.pk)).toBe(true);
    expect(await deleteGroup(client, group.pk)).toBe(false);
    expect(await getGroup(client, group.pk)).toBeUndefined();
    expect(await findGroupByName(client, groupName)).toBeUndefined();
  });
});

describe('errors on real answers', () => {
  it('a wrong token is an AuthentikAuthError that does not show the token', async () => {
    const wrongToken = `wrong-${randomBytes(16).toString('hex')}`;
    const stranger = createAuthentikClient({
      baseUrl: emulator.url,
      token: wrongToken,
      deployment: localDeployment,
    });
    const err = await failureOf(findGroupByName(stranger, 'anything'));
    expect(err).toBeInstanceOf(AuthentikAuthError);
    expect(err.message).toContain('403');
    expect(err.message).not.toContain(wrongToken);
    expect(err.message).not.toContain(emulator.token);
  });

  it('duplicates are 400s that isAlreadyExists recognises by field', async () => {
    const suffix = randomBytes(3).toString('hex');
    const body = {
      username: `dup-${suffix}`,
      name: 'Dup',
      email: `dup-${suffix}@example.com`,
      type: 'internal',
    } as const;
    const user = await createUser(client, body);
    const duplicateUser = await failureOf(createUser(client, body));
    expect(duplicateUser).toBeInstanceOf(ValidationError);
    expect(isAlreadyExists(duplicateUser, 'username')).toBe(true);
    expect(isAlreadyExists(duplicateUser, 'slug')).toBe(false);

    const application = await createApplication(client, { name: `Dup ${suffix}`, slug: `dup-${suffix}` });
    const duplicateApplication = await failureOf(
      createApplication(client, { name: `Dup again ${suffix}`, slug: `dup-${suffix}` }),
    );
    expect(isAlreadyExists(duplicateApplication, 'slug')).toBe(true);

    await deleteApplication(client, application.slug);
    await deleteUser(client, user.pk);
  });

  it('a body the schema refuses is a ValidationError naming the field', async () => {
    const err = await failureOf(createGroup(client, { name: '' }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys((err as ValidationError).fields)).toContain('name');
    expect(isAlreadyExists(err, 'name')).toBe(true); // a field error on name: callers look again
  });

  it.each([500, 502, 503, 429] as const)('an injected %i is a TransientError', async (status) => {
    emulator.setFaults({ rate: 1, statuses: [status], paths: '/core/groups/' });
    const err = await failureOf(findGroupByName(client, 'anything'));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(`Authentik GET /api/v3/core/groups/ failed (${status})`);
  });

  it('a dropped connection is a TransientError', async () => {
    emulator.setFaults({ dropRate: 1, paths: '/core/groups/' });
    expect(await failureOf(findGroupByName(client, 'anything'))).toBeInstanceOf(TransientError);
  });

  it('an answer slower than the timeout is a TransientError', async () => {
    const impatient = createAuthentikClient({
      baseUrl: emulator.url,
      token: emulator.token,
      timeoutMs: 100,
      deployment: localDeployment,
    });
    emulator.setFaults({ latencyMs: 600, paths: '/core/groups/' });
    const err = await failureOf(findGroupByName(impatient, 'anything'));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('timed out after 100 ms');
  });
});

describe('pagination', () => {
  it('lists all of 250 groups across three pages, and finds one on the last page', async () => {
    const prefix = `page-${randomBytes(3).toString('hex')}-`;
    const created = [];
    for (let i = 0; i < 250; i += 1) created.push(await createGroup(client, { name: `${prefix}${i}` }));
    const before = emulator.requests.length;
    const all = await listAll(client, '/core/groups/', { include_users: false });
    const pages = emulator.requests.slice(before).filter((r) => r.path === '/api/v3/core/groups/');
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const names = new Set(all.map((group) => group.name));
    expect(created.every((group) => names.has(group.name))).toBe(true);
    expect(all.length).toBe(new Set(all.map((group) => group.pk)).size);
    expect((await findGroupByName(client, `${prefix}249`))?.pk).toBe(created[249]?.pk);
  });
});

describe('the version gate', () => {
  it('refuses Authentik 2024.8 with a PreconditionError naming both versions', async () => {
    const old = await startAuthentikEmulator({ version: '2024.10.5', reportedVersion: '2024.8.3' });
    try {
      const oldClient = createAuthentikClient({
        baseUrl: old.url,
        token: old.token,
        deployment: localDeployment,
      });
      const err = await failureOf(requireSupportedVersion(oldClient));
      expect(err).toBeInstanceOf(PreconditionError);
      expect(err.message).toContain('2024.8.3');
      expect(err.message).toContain('2024.10');
    } finally {
      await old.stop();
    }
  });
});
