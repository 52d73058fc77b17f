// Tenant isolation in the local world: each attack of the isolation work run through the provision
// state machine against a provisioned victim tenant, and what ownership checks cost. An attack held
// when its execution failed, nothing in Authentik, Cognito or Secrets Manager changed, the victim's
// re-run still writes nothing, and no request reached a host the attacker controls.
import '../local/polyfills.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApplication } from '#lib/authentik/applications.ts';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { createGroup } from '#lib/authentik/groups.ts';
import { createProvider } from '#lib/authentik/providers.ts';
import { localDeployment } from '#lib/authentik-address.ts';
import { OWNER_ATTRIBUTE } from '#lib/ownership.ts';
import { localHandlers } from '../local/handlers.ts';
import { runStateMachine } from '../local/runner.ts';
import { configWrites, startWorld } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { authentikSnapshot, cognitoSnapshot, secretNames } from '../test/support/snapshots.ts';
import { motoObserver } from '../test/support/world.ts';
import { printFigure } from './figure.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

const world = await startWorld();
const attackerRequests: string[] = [];
const attacker = createServer((req, res) => {
  attackerRequests.push(String(req.headers.authorization ?? ''));
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
try {
  await prepareWorld(world.endpoints);
  const clients = worldStepClients(world.endpoints);
  const observer = motoObserver(world);
  const handlers = await localHandlers(clients);
  const api = createAuthentikClient({
    baseUrl: world.endpoints.authentik,
    token: world.endpoints.authentikToken,
    deployment: localDeployment,
  });
  const spec = (
    tenantId: string,
    authentik: Record<string, unknown> = {},
    cognito: Record<string, unknown> = {},
  ) =>
    localTenantSpec(world.endpoints, clients, {
      tenantId,
      authentik,
      cognito: { callbackUrls: [`https://${tenantId}.example/cb`], ...cognito },
    });
  const provision = (input: unknown) => runStateMachine('provision-tenant', input, { handlers });
  const state = async () =>
    JSON.stringify({
      authentik: authentikSnapshot(world),
      cognito: await cognitoSnapshot(observer),
      secrets: (await secretNames(clients)).filter((n) => !n.endsWith('/authentik-token')),
    });

  const shared = {
    group: 'bench-shared',
    providerName: 'Bench shared provider',
    applicationSlug: 'bench-shared',
  };
  const victimSpec = await spec('bench-victim', shared);
  const victimRun = await provision(victimSpec);
  if (victimRun.status !== 'SUCCEEDED') throw new Error(`the victim failed to provision: ${victimRun.cause}`);
  const victim = (victimRun.output as { resources: { userPoolId: string; appClientId: string } }).resources;
  const victimToken = (victimSpec.authentik as { tokenSecretArn: string }).tokenSecretArn;

  const flowPk = (slug: string) =>
    [...world.authentik.store.flows.values()].find((f) => f.slug === slug)?.pk ?? '';
  const attacks: { name: string; input: () => Promise<Record<string, unknown>> }[] = [
    {
      name: "another tenant's token sent to the attacker's host",
      input: async () => {
        const input = await spec('bench-thief');
        const port = (attacker.address() as AddressInfo).port;
        Object.assign(input.authentik as object, {
          baseUrl: `http://127.0.0.1:${port}`,
          tokenSecretArn: victimToken,
        });
        return input;
      },
    },
    {
      name: 'an admin as the test user',
      input: () => spec('bench-admin', { testUser: { username: 'akadmin' } }),
    },
    {
      name: "another tenant's pool and app client",
      input: () => spec('bench-pool', {}, { userPoolId: victim.userPoolId, appClientId: victim.appClientId }),
    },
    {
      name: "another tenant's provider by name",
      input: () => spec('bench-prov', { providerName: shared.providerName }),
    },
    {
      name: "another tenant's application by slug",
      input: () => spec('bench-app', { applicationSlug: shared.applicationSlug }),
    },
    { name: "another tenant's group by name", input: () => spec('bench-group', { group: shared.group }) },
    {
      name: "another tenant's derived names",
      input: () => spec('bench-derived', { applicationSlug: 'cognito-bench-victim' }),
    },
    { name: "Authentik's admin group", input: () => spec('bench-root', { group: 'authentik Admins' }) },
    {
      name: 'a superuser group marked for the tenant',
      input: async () => {
        await createGroup(api, {
          name: 'bench-root-ops',
          is_superuser: true,
          attributes: { [OWNER_ATTRIBUTE]: 'bench-su' },
        });
        return spec('bench-su', { group: 'bench-root-ops' });
      },
    },
    {
      name: 'a provider and application made by hand under derived names',
      input: async () => {
        const provider = await createProvider(api, {
          name: 'Cognito bench-hand (OIDC)',
          authorization_flow: flowPk('default-provider-authorization-explicit-consent'),
          invalidation_flow: flowPk('default-provider-invalidation-flow'),
          redirect_uris: [
            { matching_mode: 'strict', url: 'https://hand.example/cb', redirect_uri_type: 'authorization' },
          ],
        });
        await createApplication(api, { name: 'By hand', slug: 'cognito-bench-hand', provider: provider.pk });
        return spec('bench-hand');
      },
    },
    {
      name: 'prototype-named keys in the spec',
      input: async () =>
        JSON.parse(
          '{"tenantId":"bench-proto","__proto__":{"x":1},"constructor":1,"authentik":{"toString":1}}',
        ),
    },
  ];

  let held = 0;
  for (const attack of attacks) {
    const input = await attack.input();
    const before = await state();
    const result = await provision(input);
    const unchanged = (await state()) === before;
    const ok = result.status === 'FAILED' && unchanged && attackerRequests.length === 0;
    if (ok) held += 1;
    process.stderr.write(
      `  ${ok ? 'held ' : 'BROKE'}  ${attack.name}: ${result.status} ${result.error ?? ''}\n`,
    );
  }
  const writesBefore = configWrites(world);
  const victimAgain = await provision(await spec('bench-victim', shared));
  if (victimAgain.status !== 'SUCCEEDED') throw new Error(`the victim's re-run failed: ${victimAgain.cause}`);
  printFigure('attacks held', held, `of ${attacks.length}`);
  printFigure("victim's re-run after the attacks", configWrites(world) - writesBefore, 'writes');

  // What ownership costs: the preflight's lookups of the objects the spec names (group, test user,
  // provider, application, and the group's ancestors), on a first provisioning and a no-op re-run.
  const lookup = /^\/api\/v3\/(core\/groups|core\/users|providers\/oauth2|core\/applications)\//;
  const measure = async (input: unknown) => {
    let inPreflight = false;
    let from = 0;
    let ownership = 0;
    const total = world.authentik.requests.length + world.cognito.requests.length;
    const writes = configWrites(world);
    const result = await runStateMachine('provision-tenant', input, {
      handlers,
      onEvent: (event) => {
        const name = (event as { state?: { name: string } }).state?.name;
        if (name !== 'Check preconditions') return;
        if (event.type === 'StateEntered') {
          inPreflight = true;
          from = world.authentik.requests.length;
        } else if (event.type === 'StateExited' && inPreflight) {
          inPreflight = false;
          ownership += world.authentik.requests
            .slice(from)
            .filter((r) => r.method === 'GET' && lookup.test(r.path)).length;
        }
      },
    });
    if (result.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${result.cause}`);
    return {
      ownership,
      requests: world.authentik.requests.length + world.cognito.requests.length - total,
      writes: configWrites(world) - writes,
    };
  };
  const first = await measure(await spec('bench-cost'));
  const rerun = await measure(await spec('bench-cost'));
  printFigure('ownership lookups per provisioning (first run)', first.ownership, 'requests');
  printFigure('ownership lookups per provisioning (no-op re-run)', rerun.ownership, 'requests');
  printFigure('requests per provisioning (first run)', first.requests, 'requests');
  printFigure('requests per provisioning (no-op re-run)', rerun.requests, 'requests');
  printFigure('writes on the no-op re-run', rerun.writes, 'writes');
} finally {
  await new Promise((resolve) => attacker.close(resolve));
  await world.stop();
}
