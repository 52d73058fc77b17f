// The version matrix: each supported Authentik release served by the emulator with that release's
// own contract (@goauthentik/api-<release>, local/authentik/contract.ts) and behaviour. For each,
// one world: the provision machine, the in-depth verification (the test user signs in, the code is
// exchanged, the ID token checked), and a re-run that writes nothing, with no request that breaks
// the release's contract, no answer that breaks the release's models (contract-answers.ts) and none
// that breaks the newest schema.
import { describe, expect, it } from 'vitest';
import { verifyTenant } from '#lib/verification/tenant.ts';
import { MATRIX_VERSIONS } from '#local/authentik/contract.ts';
import { localHandlers } from '../../local/handlers.ts';
import { runStateMachine } from '../../local/runner.ts';
import { configWrites, startWorld } from '../../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../../local/world-clients.ts';
import { borrowMoto } from '../support/moto-pool.ts';

describe.each(MATRIX_VERSIONS)('Authentik %s', (version) => {
  it('provisions, verifies in depth, and a re-run writes nothing, all within the release’s contract', async () => {
    const world = await startWorld({ moto: borrowMoto, authentikVersion: version });
    try {
      await prepareWorld(world.endpoints);
      const clients = worldStepClients(world.endpoints);
      const handlers = await localHandlers(clients);
      const tenantId = `v${version.replaceAll('.', '-')}`;
      const input = await localTenantSpec(world.endpoints, clients, {
        tenantId,
        cognito: { callbackUrls: [`https://${tenantId}.app.example/callback`] },
      });
      expect(world.endpoints.authentikVersion).toBe(version);

      const first = await runStateMachine('provision-tenant', input, { handlers });
      expect(first.status, first.cause).toBe('SUCCEEDED');
      const verified = await verifyTenant(tenantId, clients);
      expect(verified.failing).toEqual([]);
      expect(verified.state).toBe('verified');

      const before = configWrites(world);
      const again = await runStateMachine('provision-tenant', input, { handlers });
      expect(again.status, again.cause).toBe('SUCCEEDED');
      expect(configWrites(world)).toBe(before);

      expect(world.authentik.contractViolations).toEqual([]);
      expect(world.authentik.schemaViolations).toEqual([]);
    } finally {
      await world.stop();
    }
  }, 120_000);
});
