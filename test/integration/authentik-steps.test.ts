// The five Authentik steps of the guide against the local world (the Authentik emulator, moto's
// Secrets Manager): each creates, then changes nothing (zero write requests in the emulator's log),
// converges what was changed behind its back, deletes only what it owns; and after a full run no
// secret value appears in any step's output or log line.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { checkApplicationAccess } from '#lib/authentik/applications.ts';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { createGroup } from '#lib/authentik/groups.ts';
import { OIDC_SCOPE_MAPPINGS } from '#lib/authentik/lookups.ts';
import { groupMemberExpression } from '#lib/authentik/policy-templates.ts';
import { createUser } from '#lib/authentik/users.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import { resolveClients } from '#lib/lambda.ts';
import { createLogger } from '#lib/logger.ts';
import { mergeResources } from '#lib/registry.ts';
import { deleteSecret, readSecretJson } from '#lib/secrets.ts';
import type { Resources } from '#lib/step.ts';
import { localDeployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { type StepModule, workflowStep as stepHandler, type WorkflowState } from '#lib/workflow-step.ts';
import { verifyPassword } from '#local/authentik/passwords.ts';
import * as accessPolicy from '../../functions/ensure-access-policy/core.ts';
import * as application from '../../functions/ensure-application/core.ts';
import * as group from '../../functions/ensure-group/core.ts';
import * as provider from '../../functions/ensure-oidc-provider/core.ts';
import * as testUser from '../../functions/ensure-test-user/core.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld({ quotas: false });

interface CoreClients {
  authentik: AuthentikClient;
  secrets: SecretsManagerClient;
  secretPrefix: string;
}

interface Tenant {
  spec: TenantSpec;
  clients: CoreClients;
}

const steps = [group, testUser, provider, application, accessPolicy] as const;

function redirectUriOf(tenantId: string): string {
  return `https://${tenantId}-login.auth.us-east-1.amazoncognito.com/oauth2/idpresponse`;
}

/** A tenant with its own group, so tests never share an Authentik object. */
async function tenant(tenantId: string, authentik: Record<string, unknown> = {}, rest = {}): Promise<Tenant> {
  const input = await fixture.tenant(tenantId, {
    authentik: { group: `${tenantId}-users`, ...authentik },
    ...rest,
  });
  const spec = parseTenantSpec(input, localDeployment);
  return {
    spec,
    clients: {
      authentik: await fixture.clients.authentik(spec),
      secrets: fixture.clients.secrets,
      secretPrefix: fixture.clients.secretPrefix,
    },
  };
}

/** Applies the first `count` steps in the workflow's order, as the state machine merges them. */
async function provision(t: Tenant, count: number): Promise<Resources> {
  let resources: Resources = { redirectUri: redirectUriOf(t.spec.tenantId) };
  for (const step of steps.slice(0, count)) {
    const result = await step.apply(t.spec, resources, t.clients);
    resources = mergeResources(resources, result.resources);
  }
  return resources;
}

const store = () => fixture.world.authentik.store;
const mark = () => fixture.world.authentik.requests.length;
/** POST, PUT, PATCH and DELETE requests the emulator received since `since`. */
const writesSince = (since: number) =>
  fixture.world.authentik.requests.slice(since).filter((r) => r.write).length;

const storedPassword = z.object({ username: z.string(), password: z.string() });
const storedClient = z.object({ client_id: z.string(), client_secret: z.string() });

describe('ensure-group', () => {
  it('creates the group once, then finds it and sends no write', async () => {
    const t = await tenant('group-a');
    const before = mark();
    const first = await group.apply(t.spec, {}, t.clients);
    expect(first).toMatchObject({ outcome: 'created', writes: 1 });
    expect(writesSince(before)).toBe(1);
    expect(first.resources.created).toEqual(['groupPk']);
    const made = store().groups.get(first.resources.groupPk as string);
    expect(made?.name).toBe('group-a-users');

    const again = mark();
    const second = await group.apply(t.spec, first.resources, t.clients);
    expect(second).toMatchObject({ outcome: 'unchanged', writes: 0 });
    expect(writesSince(again)).toBe(0);
    expect(second.resources.groupPk).toBe(first.resources.groupPk);
    expect(await group.check(t.spec, first.resources, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('renames the group back when it was renamed behind its back', async () => {
    const t = await tenant('group-b');
    const { resources } = await group.apply(t.spec, {}, t.clients);
    const record = store().groups.get(resources.groupPk as string);
    if (!record) throw new Error('group not created');
    record.name = 'renamed-by-hand';

    expect(await group.check(t.spec, resources, t.clients)).toEqual({
      outcome: 'drifted',
      drift: [{ field: 'name', expected: 'group-b-users', actual: 'renamed-by-hand' }],
    });
    const before = mark();
    const converged = await group.apply(t.spec, resources, t.clients);
    expect(converged).toMatchObject({ outcome: 'updated', writes: 1 });
    expect(writesSince(before)).toBe(1);
    expect(converged.resources.groupPk).toBe(resources.groupPk);
    expect(await group.check(t.spec, resources, t.clients)).toMatchObject({ outcome: 'in-sync' });
  });

  it('deletes the group it created, then answers absent', async () => {
    const t = await tenant('group-c');
    const { resources } = await group.apply(t.spec, {}, t.clients);
    expect((await group.destroy(t.spec, resources, t.clients)).outcome).toBe('deleted');
    expect(store().findGroupByName('group-c-users')).toBeUndefined();
    const before = mark();
    expect((await group.destroy(t.spec, resources, t.clients)).outcome).toBe('absent');
    expect(writesSince(before)).toBe(0);
    expect(await group.check(t.spec, resources, t.clients)).toMatchObject({ outcome: 'missing' });
  });

  it('refuses a group it did not create, writing nothing, until an operator adopts it; then keeps it on destroy', async () => {
    const t = await tenant('group-d');
    const existing = await createGroup(t.clients.authentik, { name: 'group-d-users' });
    const before = mark();
    await expect(group.apply(t.spec, {}, t.clients)).rejects.toThrow(ConflictError);
    await expect(group.apply(t.spec, {}, t.clients)).rejects.toThrow(/authentik\.group/);
    expect(writesSince(before)).toBe(0);
    const adopted = await group.apply(t.spec, { groupPk: existing.pk, adopted: ['groupPk'] }, t.clients);
    expect(adopted).toMatchObject({ outcome: 'unchanged', writes: 0, resources: { groupPk: existing.pk } });
    expect(adopted.resources.created).toBeUndefined();
    expect(adopted.resources.adopted).toEqual(['groupPk']);
    expect(writesSince(before)).toBe(0);
    expect((await group.destroy(t.spec, adopted.resources, t.clients)).outcome).toBe('kept');
    expect(store().groups.has(existing.pk)).toBe(true);
  });

  it('keeps a group it created while someone else is still in it', async () => {
    const t = await tenant('group-e');
    const { resources } = await group.apply(t.spec, {}, t.clients);
    await createUser(t.clients.authentik, {
      username: 'someone-else',
      name: 'Someone else',
      groups: [resources.groupPk as string],
    });
    expect((await group.destroy(t.spec, resources, t.clients)).outcome).toBe('kept');
    expect(store().groups.has(resources.groupPk as string)).toBe(true);
  });
});

describe('ensure-test-user', () => {
  async function password(t: Tenant, resources: Resources) {
    return readSecretJson(t.clients.secrets, resources.testUserPasswordSecretArn as string, storedPassword);
  }

  it('creates the user in the group with a generated password kept in Secrets Manager, then writes nothing', async () => {
    const t = await tenant('user-a');
    const resources = await provision(t, 1);
    const before = mark();
    const first = await testUser.apply(t.spec, resources, t.clients);
    // create (inactive), set_password, activate; and the secret.
    expect(first).toMatchObject({ outcome: 'created', writes: 4 });
    expect(writesSince(before)).toBe(3);
    expect(first.resources.created).toEqual(['testUserPk', 'testUserPasswordSecretArn']);
    const user = store().users.get(first.resources.testUserPk as number);
    expect(user).toMatchObject({
      username: 'cognito-test-user-a',
      email: 'cognito-test-user-a@example.com',
      is_active: true,
      type: 'internal',
      path: 'users',
    });
    expect(user?.groups).toEqual([resources.groupPk]);
    const stored = await password(t, first.resources);
    expect(stored.username).toBe('cognito-test-user-a');
    expect(stored.password.length).toBeGreaterThanOrEqual(40);
    expect(verifyPassword(user?.password ?? null, stored.password)).toBe(true);

    const again = mark();
    const second = await testUser.apply(t.spec, mergeResources(resources, first.resources), t.clients);
    expect(second).toMatchObject({ outcome: 'unchanged', writes: 0 });
    expect(writesSince(again)).toBe(0);
    expect((await password(t, first.resources)).password).toBe(stored.password);
    expect(await testUser.check(t.spec, mergeResources(resources, first.resources), t.clients)).toEqual({
      outcome: 'in-sync',
      drift: [],
    });
  });

  it('converges a user disabled, renamed and taken out of the group behind its back', async () => {
    const t = await tenant('user-b');
    const resources = await provision(t, 2);
    const record = store().users.get(resources.testUserPk as number);
    if (!record) throw new Error('user not created');
    record.is_active = false;
    record.name = 'Changed by hand';
    record.groups = [];
    record.password = null;

    const drift = await testUser.check(t.spec, resources, t.clients);
    expect(drift.outcome).toBe('drifted');
    expect(drift.drift.map((d) => d.field).sort()).toEqual(['groups', 'is_active', 'name']);
    const before = mark();
    const converged = await testUser.apply(t.spec, resources, t.clients);
    // The stored password is set again (the user was inactive), then one PATCH; no secret write.
    expect(converged).toMatchObject({ outcome: 'updated', writes: 2 });
    expect(writesSince(before)).toBe(2);
    const after = store().users.get(resources.testUserPk as number);
    expect(after).toMatchObject({ is_active: true, name: 'Cognito test user (user-b)' });
    expect(after?.groups).toEqual([resources.groupPk]);
    expect(verifyPassword(after?.password ?? null, (await password(t, resources)).password)).toBe(true);
    expect((await testUser.check(t.spec, resources, t.clients)).outcome).toBe('in-sync');
  });

  it('generates, stores and sets a new password when the secret was deleted', async () => {
    const t = await tenant('user-c');
    const resources = await provision(t, 2);
    const old = await password(t, resources);
    await deleteSecret(t.clients.secrets, resources.testUserPasswordSecretArn as string);
    expect(await testUser.check(t.spec, resources, t.clients)).toEqual({
      outcome: 'drifted',
      drift: [{ field: 'password', expected: 'stored in Secrets Manager', actual: null }],
    });
    const converged = await testUser.apply(t.spec, resources, t.clients);
    expect(converged.outcome).toBe('updated');
    const fresh = await password(t, converged.resources);
    expect(fresh.password).not.toBe(old.password);
    const record = store().users.get(resources.testUserPk as number);
    expect(verifyPassword(record?.password ?? null, fresh.password)).toBe(true);
    expect(verifyPassword(record?.password ?? null, old.password)).toBe(false);
  });

  it('refuses to run before the group exists', async () => {
    const t = await tenant('user-d');
    const before = mark();
    await expect(testUser.apply(t.spec, {}, t.clients)).rejects.toBeInstanceOf(PreconditionError);
    expect(writesSince(before)).toBe(0);
  });

  it('deletes the user and its secret, then answers absent', async () => {
    const t = await tenant('user-e');
    const resources = await provision(t, 2);
    expect((await testUser.destroy(t.spec, resources, t.clients)).outcome).toBe('deleted');
    expect(store().findUserByUsername('cognito-test-user-e')).toBeUndefined();
    await expect(password(t, resources)).rejects.toBeInstanceOf(PreconditionError);
    const before = mark();
    expect((await testUser.destroy(t.spec, resources, t.clients)).outcome).toBe('absent');
    expect(writesSince(before)).toBe(0);
    expect((await testUser.check(t.spec, resources, t.clients)).outcome).toBe('missing');
  });

  it('refuses a user it did not create, sets no password, and keeps it on destroy', async () => {
    const t = await tenant('user-f');
    const resources = await provision(t, 1);
    const existing = await createUser(t.clients.authentik, {
      username: 'cognito-test-user-f',
      name: 'Made by hand',
    });
    const before = mark();
    await expect(testUser.apply(t.spec, resources, t.clients)).rejects.toThrow(
      /authentik\.testUser\.username/,
    );
    expect(writesSince(before)).toBe(0);
    expect(store().users.get(existing.pk)?.password).toBeNull();
    const merged = mergeResources(resources, { testUserPk: existing.pk });
    expect((await testUser.destroy(t.spec, merged, t.clients)).outcome).toBe('kept');
    expect(store().users.has(existing.pk)).toBe(true);
  });
});

describe('ensure-oidc-provider', () => {
  it('creates the provider the guide needs and stores its client, then writes nothing', async () => {
    const t = await tenant('provider-a');
    const resources = await provision(t, 2);
    const before = mark();
    const first = await provider.apply(t.spec, resources, t.clients);
    expect(first).toMatchObject({ outcome: 'created', writes: 2 }); // the provider and the secret
    expect(writesSince(before)).toBe(1);
    const made = store().providers.get(first.resources.providerPk as number);
    const flow = (slug: string) => store().findFlowBySlug(slug)?.pk;
    const key = [...store().certificateKeyPairs.values()].find(
      (k) => k.name === 'authentik Self-signed Certificate',
    );
    const scopes = [...store().scopeMappings.values()]
      .filter((m) => (OIDC_SCOPE_MAPPINGS as readonly (string | null)[]).includes(m.managed))
      .map((m) => m.pk);
    expect(made).toMatchObject({
      name: 'Cognito provider-a (OIDC)',
      authorization_flow: flow('default-provider-authorization-explicit-consent'),
      invalidation_flow: flow('default-provider-invalidation-flow'),
      client_type: 'confidential',
      signing_key: key?.pk,
      sub_mode: 'hashed_user_id',
      issuer_mode: 'per_provider',
      redirect_uris: [
        { matching_mode: 'strict', url: redirectUriOf('provider-a'), redirect_uri_type: 'authorization' },
      ],
    });
    expect([...(made?.property_mappings ?? [])].sort()).toEqual(scopes.sort());
    const stored = await readSecretJson(
      t.clients.secrets,
      first.resources.oidcClientSecretArn as string,
      storedClient,
    );
    expect(stored).toEqual({ client_id: made?.client_id, client_secret: made?.client_secret });

    const merged = mergeResources(resources, first.resources);
    const again = mark();
    expect(await provider.apply(t.spec, merged, t.clients)).toMatchObject({
      outcome: 'unchanged',
      writes: 0,
    });
    expect(writesSince(again)).toBe(0);
    expect(await provider.check(t.spec, merged, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('converges every field changed behind its back, keeping logout URIs and dropping other redirect URIs', async () => {
    const t = await tenant('provider-b');
    const resources = await provision(t, 3);
    const record = store().providers.get(resources.providerPk as number);
    if (!record) throw new Error('provider not created');
    const logout = {
      matching_mode: 'strict' as const,
      url: 'https://app.example/logged-out',
      redirect_uri_type: 'logout' as const,
    };
    record.redirect_uris = [
      { matching_mode: 'regex', url: 'https://.*', redirect_uri_type: 'authorization' },
      ...record.redirect_uris,
      logout,
    ];
    record.signing_key = null;
    record.client_type = 'public';
    record.property_mappings = record.property_mappings.slice(0, 1);

    const drift = await provider.check(t.spec, resources, t.clients);
    expect(drift.outcome).toBe('drifted');
    expect(drift.drift.map((d) => d.field).sort()).toEqual([
      'client_type',
      'property_mappings',
      'redirect_uris',
      'signing_key',
    ]);
    const before = mark();
    expect(await provider.apply(t.spec, resources, t.clients)).toMatchObject({
      outcome: 'updated',
      writes: 1,
    });
    expect(writesSince(before)).toBe(1);
    const after = store().providers.get(resources.providerPk as number);
    expect(after?.redirect_uris).toEqual([
      { matching_mode: 'strict', url: redirectUriOf('provider-b'), redirect_uri_type: 'authorization' },
      logout,
    ]);
    expect(after?.client_type).toBe('confidential');
    expect(after?.property_mappings).toHaveLength(3);
    expect(await provider.check(t.spec, resources, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('stores the new client secret after a rotation in Authentik, naming the field and never the value', async () => {
    const t = await tenant('provider-c');
    const resources = await provision(t, 3);
    const record = store().providers.get(resources.providerPk as number);
    if (!record) throw new Error('provider not created');
    const oldSecret = record.client_secret;
    record.client_secret = `rotated${'x'.repeat(60)}`;

    const drift = await provider.check(t.spec, resources, t.clients);
    expect(drift.drift.map((d) => d.field)).toEqual(['client_secret']);
    const text = JSON.stringify(drift);
    expect(text).not.toContain(oldSecret);
    expect(text).not.toContain(record.client_secret);

    const before = mark();
    const converged = await provider.apply(t.spec, resources, t.clients);
    expect(converged).toMatchObject({ outcome: 'updated', writes: 1 }); // the secret only
    expect(writesSince(before)).toBe(0);
    const stored = await readSecretJson(
      t.clients.secrets,
      resources.oidcClientSecretArn as string,
      storedClient,
    );
    expect(stored.client_secret).toBe(record.client_secret);
  });

  it("names the guide's missing flow and what to use instead, before any write", async () => {
    const t = await tenant('provider-d', { authorizationFlow: 'default-authentication-flow-explicit' });
    const resources = await provision(t, 2);
    const before = mark();
    const failure = provider.apply(t.spec, resources, t.clients);
    await expect(failure).rejects.toBeInstanceOf(PreconditionError);
    await expect(failure).rejects.toThrow(
      /default-authentication-flow-explicit.*default-provider-authorization-explicit-consent/,
    );
    expect(writesSince(before)).toBe(0);
  });

  it('refuses an authentication flow as the authorization flow', async () => {
    const t = await tenant('provider-e', { authorizationFlow: 'default-authentication-flow' });
    const resources = await provision(t, 2);
    await expect(provider.apply(t.spec, resources, t.clients)).rejects.toThrow(/not an authorization flow/);
  });

  it('refuses to run without the Cognito redirect URI', async () => {
    const t = await tenant('provider-f');
    await expect(provider.apply(t.spec, {}, t.clients)).rejects.toThrow(/redirectUri/);
  });

  it('deletes the provider and its stored client, then answers absent', async () => {
    const t = await tenant('provider-g');
    const resources = await provision(t, 3);
    expect((await provider.destroy(t.spec, resources, t.clients)).outcome).toBe('deleted');
    expect(store().providers.has(resources.providerPk as number)).toBe(false);
    await expect(
      readSecretJson(t.clients.secrets, resources.oidcClientSecretArn as string, storedClient),
    ).rejects.toBeInstanceOf(PreconditionError);
    expect((await provider.destroy(t.spec, resources, t.clients)).outcome).toBe('absent');
    expect((await provider.check(t.spec, resources, t.clients)).outcome).toBe('missing');
  });
});

describe('ensure-application', () => {
  it('creates the application on the provider and records the issuer with its trailing slash', async () => {
    const t = await tenant('app-a');
    const resources = await provision(t, 3);
    const before = mark();
    const first = await application.apply(t.spec, resources, t.clients);
    expect(first).toMatchObject({ outcome: 'created', writes: 1 });
    expect(writesSince(before)).toBe(1);
    expect(first.resources).toMatchObject({
      applicationSlug: 'cognito-app-a',
      issuer: `${fixture.world.authentik.url}/application/o/cognito-app-a/`,
      created: ['applicationPk'],
    });
    const made = store().findApplicationBySlug('cognito-app-a');
    expect(made).toMatchObject({
      pk: first.resources.applicationPk,
      name: 'Cognito app-a',
      provider: resources.providerPk,
    });

    const merged = mergeResources(resources, first.resources);
    const again = mark();
    expect(await application.apply(t.spec, merged, t.clients)).toMatchObject({
      outcome: 'unchanged',
      writes: 0,
    });
    expect(writesSince(again)).toBe(0);
    expect(await application.check(t.spec, merged, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('serves the discovery document at the recorded issuer, with that issuer', async () => {
    const t = await tenant('app-b');
    const resources = await provision(t, 4);
    const response = await fetch(`${resources.issuer}.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { issuer: string }).issuer).toBe(resources.issuer);
  });

  it('converges a renamed application and a provider unlinked behind its back', async () => {
    const t = await tenant('app-c');
    const resources = await provision(t, 4);
    const record = store().findApplicationBySlug('cognito-app-c');
    if (!record) throw new Error('application not created');
    record.name = 'Renamed';
    record.provider = null;
    const drift = await application.check(t.spec, resources, t.clients);
    expect(drift.outcome).toBe('drifted');
    expect(drift.drift.map((d) => d.field)).toEqual(['name', 'provider']);
    const before = mark();
    expect(await application.apply(t.spec, resources, t.clients)).toMatchObject({
      outcome: 'updated',
      writes: 1,
    });
    expect(writesSince(before)).toBe(1);
    expect(store().findApplicationBySlug('cognito-app-c')).toMatchObject({
      name: 'Cognito app-c',
      provider: resources.providerPk,
    });
    expect(await application.check(t.spec, resources, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('deletes the application, then answers absent', async () => {
    const t = await tenant('app-d');
    const resources = await provision(t, 4);
    expect((await application.destroy(t.spec, resources, t.clients)).outcome).toBe('deleted');
    expect(store().findApplicationBySlug('cognito-app-d')).toBeUndefined();
    expect((await application.destroy(t.spec, resources, t.clients)).outcome).toBe('absent');
    expect((await application.check(t.spec, resources, t.clients)).outcome).toBe('missing');
  });
});

describe('ensure-access-policy', () => {
  it('binds the group template to the application: the test user gets in, others do not', async () => {
    const t = await tenant('policy-a');
    const resources = await provision(t, 4);
    const before = mark();
    const first = await accessPolicy.apply(t.spec, resources, t.clients);
    expect(first).toMatchObject({ outcome: 'created', writes: 2 });
    expect(writesSince(before)).toBe(2);
    const policy = store().expressionPolicies.get(first.resources.policyPk as string);
    expect(policy).toMatchObject({
      name: 'cognito-policy-a-access',
      expression: groupMemberExpression('policy-a-users'),
    });
    expect(store().bindings.get(first.resources.policyBindingPk as string)).toMatchObject({
      target: resources.applicationPk,
      policy: policy?.pk,
      order: 0,
      enabled: true,
      negate: false,
      timeout: 30,
    });
    const access = (userPk: number) =>
      checkApplicationAccess(t.clients.authentik, 'cognito-policy-a', userPk);
    expect((await access(resources.testUserPk as number)).passing).toBe(true);
    const admin = store().findUserByUsername('akadmin');
    expect((await access(admin?.pk as number)).passing).toBe(false);

    const merged = mergeResources(resources, first.resources);
    const again = mark();
    expect(await accessPolicy.apply(t.spec, merged, t.clients)).toMatchObject({
      outcome: 'unchanged',
      writes: 0,
    });
    expect(writesSince(again)).toBe(0);
    expect(await accessPolicy.check(t.spec, merged, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('puts the template back over an expression and binding changed behind its back', async () => {
    const t = await tenant('policy-b');
    const resources = await provision(t, 5);
    const policy = store().expressionPolicies.get(resources.policyPk as string);
    const binding = store().bindings.get(resources.policyBindingPk as string);
    if (!policy || !binding) throw new Error('policy not created');
    policy.expression = 'return False';
    binding.negate = true;
    binding.enabled = false;

    const drift = await accessPolicy.check(t.spec, resources, t.clients);
    expect(drift.outcome).toBe('drifted');
    expect(drift.drift.map((d) => d.field)).toEqual(['expression', 'binding.enabled', 'binding.negate']);
    const before = mark();
    expect(await accessPolicy.apply(t.spec, resources, t.clients)).toMatchObject({
      outcome: 'updated',
      writes: 2,
    });
    expect(writesSince(before)).toBe(2);
    expect(await accessPolicy.check(t.spec, resources, t.clients)).toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('switches to the everyone template when the spec does', async () => {
    const t = await tenant('policy-c');
    const resources = await provision(t, 5);
    const everyone = await tenant('policy-c', {}, { access: { template: 'everyone' } });
    expect((await accessPolicy.check(everyone.spec, resources, everyone.clients)).outcome).toBe('drifted');
    expect(await accessPolicy.apply(everyone.spec, resources, everyone.clients)).toMatchObject({
      outcome: 'updated',
      writes: 1,
    });
    expect(store().expressionPolicies.get(resources.policyPk as string)?.expression).toBe('return True');
    const admin = store().findUserByUsername('akadmin');
    expect(
      (await checkApplicationAccess(t.clients.authentik, 'cognito-policy-c', admin?.pk as number)).passing,
    ).toBe(true);
  });

  it('deletes the binding and the policy, then answers absent', async () => {
    const t = await tenant('policy-d');
    const resources = await provision(t, 5);
    expect((await accessPolicy.destroy(t.spec, resources, t.clients)).outcome).toBe('deleted');
    expect(store().expressionPolicies.has(resources.policyPk as string)).toBe(false);
    expect(store().bindings.has(resources.policyBindingPk as string)).toBe(false);
    expect((await accessPolicy.destroy(t.spec, resources, t.clients)).outcome).toBe('absent');
    expect((await accessPolicy.check(t.spec, resources, t.clients)).outcome).toBe('missing');
  });
});

describe('the five steps through the step handler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const names = [
    'ensure-group',
    'ensure-test-user',
    'ensure-oidc-provider',
    'ensure-application',
    'ensure-access-policy',
  ];

  it('provision, re-run, check and deprovision in reverse: zero writes on the re-run, no secret in any output or log line', async () => {
    const input = await fixture.tenant('secrets-a', { authentik: { group: 'secrets-a-users' } });
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    // Every level, whatever the test set-up quiets: a secret must not appear even in debug lines.
    const loggerFor = (name: string) => {
      const logger = createLogger(name);
      logger.setLogLevel('DEBUG');
      return logger;
    };
    const handlers = names.map((name, i) =>
      stepHandler(
        name,
        steps[i] as StepModule<CoreClients>,
        resolveClients(fixture.clients, true),
        () => localDeployment,
        loggerFor(name),
      ),
    );
    const outputs: WorkflowState[] = [];
    let state: WorkflowState = {
      spec: input as unknown as TenantSpec,
      resources: { redirectUri: redirectUriOf('secrets-a') },
      outcomes: {},
    };
    const run = async (action: 'apply' | 'check' | 'destroy', order: number[]) => {
      for (const i of order) {
        const handler = handlers[i];
        if (!handler) throw new Error('no handler');
        state = await handler({
          step: names[i],
          action,
          spec: input,
          resources: state.resources,
          outcomes: state.outcomes,
        });
        outputs.push(state);
      }
    };
    await run('apply', [0, 1, 2, 3, 4]);
    expect(Object.values(state.outcomes).map((o) => o.outcome)).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
    ]);
    const before = mark();
    await run('apply', [0, 1, 2, 3, 4]);
    expect(Object.values(state.outcomes).map((o) => [o.outcome, o.writes])).toEqual(
      names.map(() => ['unchanged', 0]),
    );
    expect(writesSince(before)).toBe(0);
    await run('check', [0, 1, 2, 3, 4]);
    expect(Object.values(state.outcomes).map((o) => o.outcome)).toEqual(names.map(() => 'in-sync'));

    // Read the secrets before deprovisioning deletes them.
    const { clients } = await tenant('secrets-a');
    const { password } = await readSecretJson(
      clients.secrets,
      state.resources.testUserPasswordSecretArn as string,
      storedPassword,
    );
    const { client_secret } = await readSecretJson(
      clients.secrets,
      state.resources.oidcClientSecretArn as string,
      storedClient,
    );
    await run('destroy', [4, 3, 2, 1, 0]);
    expect(Object.values(state.outcomes).map((o) => o.outcome)).toEqual(names.map(() => 'deleted'));
    vi.restoreAllMocks();

    // The handler logs every outcome: the capture must have seen them.
    expect(lines.some((line) => line.includes('ensure-oidc-provider apply: created'))).toBe(true);
    const secrets = { token: fixture.world.endpoints.authentikToken, password, client_secret };
    const text = [JSON.stringify(outputs), ...lines].join('\n');
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(10);
      expect(text.includes(value), `${what} must not appear`).toBe(false);
    }
  });
});
