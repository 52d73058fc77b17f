// Provisioning against each supported Authentik release (the emulator serving that release's
// contract, local/authentik/contract.ts): per version, the provisioning time of a new tenant, the
// requests it sent to Authentik, and the requests and answers that broke the release's contract (0
// expected).
import '../local/polyfills.ts';
import { performance } from 'node:perf_hooks';
import { MATRIX_VERSIONS } from '../local/authentik/contract.ts';
import { localHandlers } from '../local/handlers.ts';
import { runStateMachine } from '../local/runner.ts';
import { startWorld } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { printFigure } from './figure.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

for (const version of MATRIX_VERSIONS) {
  const world = await startWorld({ authentikVersion: version });
  try {
    await prepareWorld(world.endpoints);
    const clients = worldStepClients(world.endpoints);
    const handlers = await localHandlers(clients);
    const input = await localTenantSpec(world.endpoints, clients, {
      tenantId: 'bench-version',
      cognito: { callbackUrls: ['https://bench-version.example/cb'] },
    });
    const before = world.authentik.requests.length;
    const t0 = performance.now();
    const result = await runStateMachine('provision-tenant', input, { handlers });
    const elapsed = performance.now() - t0;
    if (result.status !== 'SUCCEEDED')
      throw new Error(`provisioning against ${version} failed: ${result.cause}`);
    printFigure(`Authentik ${version} provisioning time`, elapsed, 'ms');
    printFigure(
      `Authentik ${version} requests to Authentik`,
      world.authentik.requests.length - before,
      'requests',
    );
    printFigure(
      `Authentik ${version} contract violations`,
      world.authentik.contractViolations.length,
      'violations',
    );
  } finally {
    await world.stop();
  }
}
