// Verification in the local world: the time one in-depth verification takes, the Cognito reads it
// costs by quota category, and a run of the verification machine over 200 tenants under Cognito's
// real quotas, compared with the quota-bound minimum (the Cognito calls the run needs ÷ the rate
// the quotas allow, category by category; the slowest category bounds the run).
//
// The world (moto behind the strict Cognito layer, the Authentik emulator) runs in a child process
// of this benchmark, as Cognito and Authentik run apart from the Lambdas on AWS: in one process the
// emulator's and the 14 concurrent verifications' work would share one thread, and the figure
// would measure that thread rather than the machine's pacing. The Cognito calls are counted where
// the layer records them (world.cognito.requests), in the child.
import '../local/polyfills.ts';
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { verifyTenant } from '#lib/verification/tenant.ts';
import { quotaCategoryOf } from '#local/cognito/operations.ts';
import { cognitoDefaultQuotas } from '#local/cognito/quotas.ts';
import type { RunSummary } from '../functions/report-verification/core.ts';
import { localHandlers } from '../local/handlers.ts';
import { provisionThroughCores } from '../local/provision-through-cores.ts';
import { everyExecution, runStateMachine } from '../local/runner.ts';
import { startWorld, type WorldEndpoints } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { percentile, printFigure } from './figure.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const TENANTS = 200;
const SEQUENTIAL_RUNS = 20;

type Calls = Record<string, number>;
type Request = { kind: 'quotas'; on: boolean } | { kind: 'mark' } | { kind: 'calls' } | { kind: 'stop' };

// ---------------------------------------------------------------------------------------------
// The child: the world, answering the parent's requests over IPC.

async function serveWorld(): Promise<void> {
  const world = await startWorld();
  let mark = 0;
  process.on('message', async (request: Request) => {
    if (request.kind === 'quotas') world.cognito.setQuotas(request.on ? {} : false);
    if (request.kind === 'mark') mark = world.cognito.requests.length;
    if (request.kind === 'calls') {
      const calls: Calls = {};
      for (const call of world.cognito.requests.slice(mark)) {
        const key =
          call.error === 'TooManyRequestsException'
            ? 'throttled'
            : (quotaCategoryOf(call.operation) ?? call.operation);
        calls[key] = (calls[key] ?? 0) + 1;
      }
      process.send?.({ kind: 'calls', calls });
      return;
    }
    if (request.kind === 'stop') {
      await world.stop();
      process.exit(0);
    }
    process.send?.({ kind: 'done' });
  });
  process.send?.({ kind: 'endpoints', endpoints: world.endpoints });
}

// ---------------------------------------------------------------------------------------------
// The parent: the Lambdas' side.

function ask<T>(child: ChildProcess, request: Request, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const listen = (message: { kind: string } & Record<string, unknown>) => {
      if (message.kind !== answer) return;
      child.off('message', listen);
      resolve(message as T);
    };
    child.on('message', listen);
    child.send(request);
  });
}

async function bench(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['world'], { execArgv: ['--import', 'tsx'] });
  try {
    const { endpoints } = await new Promise<{ endpoints: WorldEndpoints }>((resolve, reject) => {
      child.once('message', resolve as (message: unknown) => void);
      child.once('exit', (code) => reject(new Error(`the world exited with ${code}`)));
    });
    await prepareWorld(endpoints);
    const clients = worldStepClients(endpoints);
    const handlers = await localHandlers(clients);

    // Provisioned through the step cores with the quotas off: provisioning is not measured here.
    await ask(child, { kind: 'quotas', on: false }, 'done');
    const provision = async (tenantId: string) =>
      provisionThroughCores(
        clients,
        await localTenantSpec(endpoints, clients, {
          tenantId,
          cognito: { callbackUrls: [`https://${tenantId}.example/cb`] },
        }),
      );
    const ids = Array.from({ length: TENANTS }, (_, i) => `bench-v-${String(i).padStart(3, '0')}`);
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) await provision(id);
      }),
    );
    await ask(child, { kind: 'quotas', on: true }, 'done');

    // One verification at a time: its own time, and its Cognito reads.
    const durations: number[] = [];
    await ask(child, { kind: 'mark' }, 'done');
    for (const id of ids.slice(0, SEQUENTIAL_RUNS)) {
      const started = performance.now();
      const result = await verifyTenant(id, clients);
      durations.push(performance.now() - started);
      if (result.state !== 'verified')
        throw new Error(`${id} is ${result.state}: ${JSON.stringify(result.failing)}`);
    }
    const single = (await ask<{ calls: Calls }>(child, { kind: 'calls' }, 'calls')).calls;
    printFigure(
      `verification time per tenant p50 (${SEQUENTIAL_RUNS} one at a time)`,
      percentile(durations, 50),
      'ms',
    );
    printFigure(
      `verification time per tenant p95 (${SEQUENTIAL_RUNS} one at a time)`,
      percentile(durations, 95),
      'ms',
    );
    for (const category of ['UserPoolRead', 'UserPoolClientRead', 'UserPoolResourceRead']) {
      printFigure(
        `Cognito ${category} calls per verification`,
        (single[category] ?? 0) / SEQUENTIAL_RUNS,
        'calls',
      );
    }

    // The machine over every tenant, under the real quotas.
    await ask(child, { kind: 'mark' }, 'done');
    const started = performance.now();
    const run = await runStateMachine('verify-federations', {}, { handlers });
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 'SUCCEEDED') throw new Error(`the run failed: ${run.cause}`);
    const summary = run.output as RunSummary;
    if (summary.verified !== TENANTS) throw new Error(`only ${summary.verified} of ${TENANTS} verified`);
    const calls = (await ask<{ calls: Calls }>(child, { kind: 'calls' }, 'calls')).calls;
    const perSecond = cognitoDefaultQuotas.perAccount;
    const minimum = Math.max(
      ...Object.entries(calls)
        .filter(([category]) => category in perSecond)
        .map(([category, n]) => n / perSecond[category as keyof typeof perSecond]),
    );
    const durationsInRun = everyExecution(run)
      .flatMap((execution) => execution.events)
      .filter(
        (e) =>
          e.type === 'StateExited' && (e as { state?: { name: string } }).state?.name === 'Verify tenants',
      )
      .flatMap(
        (e) => (e as { state: { output: { results: { durationMs: number }[] } } }).state.output.results ?? [],
      )
      .map((r) => r.durationMs);
    printFigure(
      `verification time per tenant p50 (${TENANTS} in one run)`,
      percentile(durationsInRun, 50),
      'ms',
    );
    printFigure(
      `throttled Cognito requests (${TENANTS} tenants, real quotas)`,
      calls.throttled ?? 0,
      'requests',
    );
    printFigure(`verification run time (${TENANTS} tenants)`, seconds, 's');
    printFigure(`quota-bound minimum (${TENANTS} tenants)`, minimum, 's');
    printFigure(`run time / quota-bound minimum (${TENANTS} tenants)`, seconds / minimum, 'x');
    clients.cognito.destroy();
    clients.secrets.destroy();
  } finally {
    child.send({ kind: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv[2] === 'world') await serveWorld();
else await bench();
