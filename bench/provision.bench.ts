// Provisioning in the local world: writes on a first and a second run, requests per step, latency
// over 20 runs, a no-op re-run, throughput with 20 tenants at once under Cognito's real quotas,
// and the wall time of `npm start`.
import '../local/polyfills.ts';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { localHandlers } from '../local/handlers.ts';
import { runStateMachine } from '../local/runner.ts';
import { configWrites, startWorld, type World } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { percentile, printFigure } from './figure.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

function counts(world: World) {
  return {
    requests: world.authentik.requests.length + world.cognito.requests.length,
    writes: configWrites(world),
  };
}

const world = await startWorld();
try {
  await prepareWorld(world.endpoints);
  const clients = worldStepClients(world.endpoints);
  const handlers = await localHandlers(clients);
  const tenant = (id: string) =>
    localTenantSpec(world.endpoints, clients, {
      tenantId: id,
      cognito: { callbackUrls: [`https://${id}.example/cb`] },
    });

  // First run, with requests attributed to the step that sent them (steps run one at a time).
  const perStep = new Map<string, number>();
  let mark = counts(world).requests;
  const before = counts(world);
  const first = await runStateMachine('provision-tenant', await tenant('bench-first'), {
    handlers,
    onEvent: (event) => {
      const state = (event as { state?: { name: string; type: string } }).state;
      if (state?.type !== 'Task') return;
      if (event.type === 'StateEntered') mark = counts(world).requests;
      if (event.type === 'StateExited') perStep.set(state.name, counts(world).requests - mark);
    },
  });
  if (first.status !== 'SUCCEEDED') throw new Error(`first run failed: ${first.cause}`);
  printFigure('writes on the first run', counts(world).writes - before.writes, 'writes');
  for (const [step, n] of perStep) printFigure(`requests in step "${step}"`, n, 'requests');

  const again = counts(world);
  const t0 = performance.now();
  const second = await runStateMachine('provision-tenant', await tenant('bench-first'), { handlers });
  const noop = performance.now() - t0;
  if (second.status !== 'SUCCEEDED') throw new Error(`second run failed: ${second.cause}`);
  printFigure('writes on the second run', counts(world).writes - again.writes, 'writes');
  printFigure('no-op re-run time', noop, 'ms');

  const durations: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const input = await tenant(`bench-seq-${i}`);
    const started = performance.now();
    const result = await runStateMachine('provision-tenant', input, { handlers });
    if (result.status !== 'SUCCEEDED') throw new Error(`run ${i} failed: ${result.cause}`);
    durations.push(performance.now() - started);
  }
  printFigure('local provisioning p50 (20 runs)', percentile(durations, 50), 'ms');
  printFigure('local provisioning p95 (20 runs)', percentile(durations, 95), 'ms');

  const inputs = await Promise.all(Array.from({ length: 20 }, (_, i) => tenant(`bench-par-${i}`)));
  const started = performance.now();
  const results = await Promise.all(
    inputs.map((input) => runStateMachine('provision-tenant', input, { handlers })),
  );
  const minutes = (performance.now() - started) / 60_000;
  const failed = results.filter((r) => r.status !== 'SUCCEEDED');
  if (failed.length > 0) throw new Error(`${failed.length} concurrent runs failed: ${failed[0]?.cause}`);
  printFigure(
    'provisionings per minute (20 tenants at once, real Cognito quotas)',
    20 / minutes,
    'per minute',
  );
} finally {
  await world.stop();
}

const t1 = performance.now();
const start = spawnSync('npm', ['start'], { stdio: 'ignore' });
if (start.status !== 0) throw new Error(`npm start exited ${start.status}`);
printFigure('npm start wall time', (performance.now() - t1) / 1000, 's');
