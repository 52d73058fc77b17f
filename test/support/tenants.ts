// A test's tenants in its local world: provisioned by the real provision machine, and read back
// from the registry (the record, and an Authentik client from its spec).
import type { AuthentikClient } from '#lib/authentik/client.ts';
import type { TenantRecord } from '#lib/registry.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { localHandlers } from '../../local/handlers.ts';
import { runStateMachine } from '../../local/runner.ts';
import type { WorldFixture } from './world.ts';

/** Runs the provision machine for each of `ids`, `atOnce` at a time; throws on the first that fails. */
export async function provisionTenants(
  fixture: WorldFixture,
  ids: readonly string[],
  atOnce: number,
): Promise<void> {
  const handlers = await localHandlers(fixture.clients);
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        const result = await runStateMachine('provision-tenant', await fixture.tenant(id), { handlers });
        if (result.status !== 'SUCCEEDED') throw new Error(`provisioning ${id} failed: ${result.cause}`);
      }
    }),
  );
}

/** Reads of the world's registry for a tenant, made when called (the world starts before the tests). */
export function registeredTenants(fixture: WorldFixture) {
  const record = async (tenantId: string): Promise<TenantRecord> => {
    const found = await fixture.clients.registry.get(tenantId);
    if (!found) throw new Error(`${tenantId} is not registered`);
    return found;
  };
  /** An Authentik client as the tenant's recorded spec names it. */
  const authentikFor = async (tenantId: string): Promise<AuthentikClient> =>
    fixture.clients.authentik(parseTenantSpec((await record(tenantId)).spec, fixture.clients.deployment));
  return { record, authentikFor };
}

/**
 * Tenant specs as a caller sends them to the API (the token handed over beside the spec, not
 * stored): Authentik and the Cognito region are the world's, the callback under the tenant's name.
 */
export function apiTenantSpecs(fixture: WorldFixture) {
  return (tenantId: string, cognito: Record<string, unknown> = {}) => ({
    tenantId,
    authentik: { baseUrl: fixture.world.endpoints.authentik },
    cognito: {
      region: fixture.world.endpoints.region,
      callbackUrls: [`https://${tenantId}.app.example/callback`],
      ...cognito,
    },
  });
}
