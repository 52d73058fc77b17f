// Crash-resume for the five Authentik steps against the local world: a run stops right after one of
// its writes reached Authentik (the Lambda died, or the answer was lost), with nothing recorded; the
// next run converges, duplicates nothing, still knows what it created, and a run after that writes
// nothing.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuthentikClient, createAuthentikClient } from '#lib/authentik/client.ts';
import { mergeResources } from '#lib/registry.ts';
import { readSecretJson, secretName } from '#lib/secrets.ts';
import type { ApplyResult, Resources } from '#lib/step.ts';
import { localDeployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
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

interface Step {
  apply(spec: TenantSpec, resources: Resources, clients: CoreClients): Promise<ApplyResult>;
  destroy(spec: TenantSpec, resources: Resources, clients: CoreClients): Promise<{ outcome: string }>;
  check(spec: TenantSpec, resources: Resources, clients: CoreClients): Promise<{ outcome: string }>;
}

const steps: Step[] = [group, testUser, provider, application, accessPolicy];
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const store = () => fixture.world.authentik.store;
const mark = () => fixture.world.authentik.requests.length;
const writesSince = (since: number) =>
  fixture.world.authentik.requests.slice(since).filter((r) => r.write).length;

/** Where the run stops: right after the `n`th write reached Authentik, or just before it is sent. */
type Stop = { after: number } | { before: number };

/** What the dying client throws; the Authentik client reports it by name (`… failed: RunStopped`). */
class RunStopped extends Error {
  override readonly name = 'RunStopped';
}

/** An Authentik client for a run that dies at `stop`: every request from there on fails. */
function dyingClient(spec: TenantSpec, stop: Stop): AuthentikClient {
  let writes = 0;
  let dead = false;
  return createAuthentikClient({
    baseUrl: spec.authentik.baseUrl,
    token: fixture.world.endpoints.authentikToken,
    fetch: async (request) => {
      if (dead) throw new RunStopped('the run is gone');
      if (WRITES.has(request.method)) {
        writes += 1;
        if ('before' in stop && writes === stop.before) {
          dead = true;
          throw new RunStopped('before this write');
        }
        const answer = await fetch(request);
        if ('after' in stop && writes === stop.after) {
          dead = true;
          throw new RunStopped('after this write; its answer is lost');
        }
        return answer;
      }
      return fetch(request);
    },
  });
}

async function tenant(tenantId: string): Promise<{ spec: TenantSpec; clients: CoreClients }> {
  const input = await fixture.tenant(tenantId, { authentik: { group: `${tenantId}-users` } });
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

/** The objects of a tenant in the emulator, counted: a duplicate shows as a 2. */
function objectsOf(spec: TenantSpec) {
  const count = <T>(values: Iterable<T>, test: (value: T) => boolean) => [...values].filter(test).length;
  const s = store();
  const app = s.findApplicationBySlug(spec.authentik.applicationSlug);
  const policies = [...s.expressionPolicies.values()].filter(
    (p) => p.name === accessPolicy.policyName(spec.tenantId),
  );
  return {
    groups: count(s.groups.values(), (g) => g.name === spec.authentik.group),
    users: count(s.users.values(), (u) => u.username === spec.authentik.testUser.username),
    providers: count(s.providers.values(), (p) => p.name === spec.authentik.providerName),
    applications: count(s.applications.values(), (a) => a.slug === spec.authentik.applicationSlug),
    policies: policies.length,
    bindings: count(
      s.bindings.values(),
      (b) => b.target === app?.pk && policies.some((p) => p.pk === b.policy),
    ),
  };
}

/** What each step makes, in the workflow's order. */
const madeBy: (keyof ReturnType<typeof objectsOf>)[][] = [
  ['groups'],
  ['users'],
  ['providers'],
  ['applications'],
  ['policies', 'bindings'],
];

const cases: { step: number; name: string; stop: Stop; owns: keyof Resources }[] = [
  { step: 0, name: 'ensure-group, after creating the group', stop: { after: 1 }, owns: 'groupPk' },
  { step: 1, name: 'ensure-test-user, after storing the password', stop: { before: 1 }, owns: 'testUserPk' },
  { step: 1, name: 'ensure-test-user, after creating the user', stop: { after: 1 }, owns: 'testUserPk' },
  { step: 1, name: 'ensure-test-user, after setting the password', stop: { after: 2 }, owns: 'testUserPk' },
  {
    step: 2,
    name: 'ensure-oidc-provider, after creating the provider',
    stop: { after: 1 },
    owns: 'providerPk',
  },
  {
    step: 3,
    name: 'ensure-application, after creating the application',
    stop: { after: 1 },
    owns: 'applicationPk',
  },
  { step: 4, name: 'ensure-access-policy, after creating the policy', stop: { after: 1 }, owns: 'policyPk' },
  {
    step: 4,
    name: 'ensure-access-policy, after creating the binding',
    stop: { after: 2 },
    owns: 'policyBindingPk',
  },
];

describe('a run that stops half-way', () => {
  it.each(cases.map((c, i) => ({ ...c, tenantId: `resume-${i}` })))(
    '$name: the next run converges, duplicates nothing and still owns what it made',
    async ({ step, stop, owns, tenantId }) => {
      const { spec, clients } = await tenant(tenantId);
      let resources: Resources = {
        redirectUri: `https://${tenantId}-login.auth.us-east-1.amazoncognito.com/oauth2/idpresponse`,
      };
      for (const earlier of steps.slice(0, step)) {
        resources = mergeResources(resources, (await earlier.apply(spec, resources, clients)).resources);
      }
      const target = steps[step] as Step;

      const dying = { ...clients, authentik: dyingClient(spec, stop) };
      const before = mark();
      await expect(target.apply(spec, resources, dying)).rejects.toThrow(/RunStopped/);
      const reached = writesSince(before);
      expect(reached).toBe('after' in stop ? stop.after : stop.before - 1);

      // The retry gets the same input: nothing of the stopped run was recorded.
      const resumed = await target.apply(spec, resources, clients);
      resources = mergeResources(resources, resumed.resources);
      expect(resources.created ?? []).toContain(owns);
      const counts = objectsOf(spec);
      for (const key of madeBy.slice(0, step + 1).flat()) expect(counts[key], key).toBe(1);

      const quiet = mark();
      expect(await target.apply(spec, resources, clients)).toMatchObject({ outcome: 'unchanged', writes: 0 });
      expect(writesSince(quiet)).toBe(0);
      expect((await target.check(spec, resources, clients)).outcome).toBe('in-sync');
      if (step === 1) {
        const { password } = await readSecretJson(
          clients.secrets,
          secretName(clients.secretPrefix, tenantId, 'test-user'),
          z.object({ password: z.string() }),
        );
        const user = store().findUserByUsername(spec.authentik.testUser.username);
        expect(user?.is_active).toBe(true);
        expect(verifyPassword(user?.password ?? null, password)).toBe(true);
      }
      if (step === 2) {
        const stored = await readSecretJson(
          clients.secrets,
          resources.oidcClientSecretArn as string,
          z.object({ client_id: z.string(), client_secret: z.string() }),
        );
        const made = store().providers.get(resources.providerPk as number);
        expect(stored).toEqual({ client_id: made?.client_id, client_secret: made?.client_secret });
      }

      // What the stopped run made is still known as ours: deprovisioning deletes it.
      expect((await target.destroy(spec, resources, clients)).outcome).toBe('deleted');
    },
  );

  it('a test user whose password was stored keeps that password through the resume', async () => {
    const { spec, clients } = await tenant('resume-password');
    const resources = mergeResources(
      { redirectUri: 'https://resume-password-login.auth.us-east-1.amazoncognito.com/oauth2/idpresponse' },
      (await group.apply(spec, {}, clients)).resources,
    );
    const read = () =>
      readSecretJson(
        clients.secrets,
        secretName(clients.secretPrefix, spec.tenantId, 'test-user'),
        z.object({ password: z.string() }),
      );
    await expect(
      testUser.apply(spec, resources, { ...clients, authentik: dyingClient(spec, { before: 1 }) }),
    ).rejects.toThrow(/RunStopped/);
    const stored = (await read()).password;
    await testUser.apply(spec, resources, clients);
    expect((await read()).password).toBe(stored);
    const user = store().findUserByUsername(spec.authentik.testUser.username);
    expect(verifyPassword(user?.password ?? null, stored)).toBe(true);
  });
});
