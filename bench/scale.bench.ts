// The verification at scale: no execution's history or payload grows with the number of tenants,
// and the run stays at the pace Cognito's read quotas allow.
//
// 100,000 tenants: the real ASL (verify-federations and its page executions) in the local runner,
// with the registry's listing served from memory and each tenant's verification a fast fake (the
// Map, its items, the reports and the summaries are the real ones): the largest history and payload
// of any execution of the run, and how many executions it took.
//
// 1,000 tenants: real verifications under the strict layer's quotas (50 federations provisioned, the
// other records seeded into the registry as copies of theirs), the world in a child process
// (world-process.ts) (Cognito and Authentik run apart from the Lambdas, as on AWS). The run's
// time is compared with the quota-bound minimum: the Cognito calls the run made ÷ the rate the
// quotas allow, category by category; the slowest category bounds the run.
import '../local/polyfills.ts';
import { performance } from 'node:perf_hooks';
import type { RunSummary } from '../functions/report-verification/core.ts';
import { everyExecution, lastExecution, runStateMachine } from '../local/runner.ts';
import { fakeVerificationHandlers } from '../test/support/fake-verification.ts';
import { printFigure } from './figure.ts';
import { forkSeededWorld, quotaBoundMinimum } from './world-process.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const MANY = 100_000;
const REAL = Number(process.env.SCALE_REAL_TENANTS ?? 1_000);
/** The federations actually provisioned for the REAL tenants (see realTenants). */
const FEDERATIONS = 50;

// ---------------------------------------------------------------------------------------------
// 100,000 tenants through the real machines, each verification a fake.

async function manyTenants(): Promise<void> {
  const run = await runStateMachine(
    'verify-federations',
    {},
    {
      handlers: fakeVerificationHandlers(
        Array.from({ length: MANY }, (_, i) => `scale-${String(i).padStart(6, '0')}`),
      ),
      keepEvents: false,
    },
  );
  const summary = lastExecution(run).output as RunSummary;
  if (run.status !== 'SUCCEEDED' || summary?.verified !== MANY) {
    throw new Error(
      `the run of ${MANY} tenants did not verify them all: ${run.cause ?? JSON.stringify(summary)}`,
    );
  }
  const executions = everyExecution(run);
  const failed = executions.find((e) => e.status !== 'SUCCEEDED');
  if (failed) throw new Error(`an execution of the run failed: ${failed.error}: ${failed.cause}`);
  const runs = executions.filter((e) => !('waited' in e) || !e.waited);
  const pages = executions.length - runs.length;
  process.stderr.write(
    `# ${MANY} tenants: ${runs.length} executions of verify-federations, ${pages} page executions\n`,
  );
  printFigure(
    `largest execution history (${MANY} tenants)`,
    Math.max(...executions.map((e) => e.historyEvents)),
    'events',
  );
  printFigure(
    `largest state payload (${MANY} tenants)`,
    Math.round(Math.max(...executions.map((e) => e.largestPayloadBytes)) / 1024),
    'KB',
  );
}

// ---------------------------------------------------------------------------------------------
// 1,000 real verifications, the world in a child process (world-process.ts).

async function realTenants(): Promise<void> {
  // Seeded with the quotas off (provisioning is not what is measured): 50 federations provisioned
  // through the step cores, and the other tenants' records put straight into the registry, each a
  // copy of one of them under its own id (seedTenants). Every tenant's verification is a real one
  // (its reads, discovery, key set, token endpoint, headless login, its record written); 20
  // tenants share a pool, which at 10 verifications a second reads each pool about 0.2 times a
  // second, far from the 5 a second per pool and operation.
  const ids = Array.from({ length: REAL }, (_, i) => `scale-${String(i).padStart(4, '0')}`);
  const { world, clients, handlers, seedingMs } = await forkSeededWorld(ids, FEDERATIONS);
  try {
    process.stderr.write(`# ${REAL} tenants seeded in ${(seedingMs / 1000).toFixed(0)} s\n`);

    await world.mark();
    const started = performance.now();
    const run = await runStateMachine('verify-federations', {}, { handlers, keepEvents: false });
    const seconds = (performance.now() - started) / 1000;
    const summary = lastExecution(run).output as RunSummary;
    if (run.status !== 'SUCCEEDED') throw new Error(`the run failed: ${run.cause}`);
    if (summary.verified !== REAL) throw new Error(`only ${summary.verified} of ${REAL} verified`);
    const calls = await world.calls();
    const minimum = quotaBoundMinimum(calls);
    process.stderr.write(
      `# ${REAL} tenants verified in ${seconds.toFixed(1)} s, quota-bound minimum ${minimum.toFixed(1)} s\n`,
    );
    printFigure(`verification run time / quota-bound minimum (${REAL} tenants)`, seconds / minimum, 'x');
    // A count without a unit: the line reads `…: N`.
    process.stdout.write(`throttled Cognito requests (${REAL} tenants): ${calls.throttled ?? 0}\n`);
    clients.cognito.destroy();
    clients.secrets.destroy();
  } finally {
    await world.stop();
  }
}

// `tsx bench/scale.bench.ts real` runs the second part alone.
if (process.argv[2] !== 'real') await manyTenants();
await realTenants();
