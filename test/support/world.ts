// One local world per test file (each file runs in its own worker), started before its tests and
// always stopped after them.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll } from 'vitest';
import type { StepClients } from '#lib/clients.ts';
import { startWorld, type World, type WorldOptions } from '../../local/world.ts';
import { borrowMoto } from './moto-pool.ts';

export { configWrites } from '../../local/world.ts';

import { localTenantSpec, prepareWorld, worldStepClients } from '../../local/world-clients.ts';

export interface WorldFixture {
  world: World;
  clients: StepClients;
  /** Moto directly (`motoObserver`): the test's own reads, and drift Cognito would refuse. */
  observer: CognitoIdentityProviderClient;
  /** A tenant spec input pointed at this world's Authentik, its token stored in Secrets Manager. */
  tenant(tenantId: string, overrides?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * A Cognito client to moto directly, for a test's own observations (they must not spend the
 * per-pool quota the strict layer holds the product to, nor meet its injected faults) and for drift
 * that Cognito itself would refuse (support/drift.ts).
 */
export function motoObserver(world: World): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: world.moto.endpoint,
    region: world.endpoints.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

export function useWorld(options: WorldOptions = {}): WorldFixture {
  const fixture = {} as WorldFixture;
  beforeAll(async () => {
    const world = await startWorld({ moto: borrowMoto, ...options });
    await prepareWorld(world.endpoints);
    const clients = worldStepClients(world.endpoints);
    fixture.world = world;
    fixture.clients = clients;
    fixture.observer = motoObserver(world);
    fixture.tenant = (tenantId, overrides = {}) =>
      localTenantSpec(world.endpoints, clients, {
        tenantId,
        cognito: { callbackUrls: [`https://${tenantId}.app.example/callback`] },
        ...overrides,
      });
  }, 60_000);
  afterAll(async () => {
    fixture.observer?.destroy();
    await fixture.world?.stop();
  });
  return fixture;
}
