// Verification in the local world: the time one in-depth verification takes, the Cognito reads it
// costs by quota category, and a run of the verification machine over 200 tenants under Cognito's
// real quotas, compared with the quota-bound minimum (the Cognito calls the run needs ÷ the rate
// the quotas allow, category by category; the slowest category bounds the run).
//
// The world (moto behind the strict Cognito layer, the Authentik emulator) runs in a child process
// of this benchmark (world-process.ts), as Cognito and Authentik run apart from the Lambdas on AWS:
// in one process the emulator's and the 14 concurrent verifications' work would share one thread.
import '../local/polyfills.ts';
import { performance } from 'node:perf_hooks';
import { verifyTenant } from '#lib/verification/tenant.ts';
import type { RunSummary } from '../functions/report-verification/core.ts';
import { everyExecution, runStateMachine } from '../local/runner.ts';
import { percentile, printFigure } from './figure.ts';
import { forkSeededWorld, quotaBoundMinimum } from './world-process.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const TENANTS = 200;
const SEQUENTIAL_RUNS = 20;

async function bench(): Promise<void> {
  // Provisioned through the step cores with the quotas off: provisioning is not measured here.
  // Every tenant is a federation of its own (as many federations as tenants).
  const ids = Array.from({ length: TENANTS }, (_, i) => `bench-v-${String(i).padStart(3, '0')}`);
  const { world, clients, handlers } = await forkSeededWorld(ids, TENANTS);
  try {
    // One verification at a time: its own time, and its Cognito reads.
    const durations: number[] = [];
    await world.mark();
    for (const id of ids.slice(0, SEQUENTIAL_RUNS)) {
      const started = performance.now();
      const result = await verifyTenant(id, clients);
      durations.push(performance.now() - started);
      if (result.state !== 'verified')
        throw new Error(`${id} is ${result.state}: ${JSON.stringify(result.failing)}`);
    }
    const single = await world.calls();
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
    await world.mark();
    const started = performance.now();
    const run = await runStateMachine('verify-federations', {}, { handlers });
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 'SUCCEEDED') throw new Error(`the run failed: ${run.cause}`);
    const summary = run.output as RunSummary;
    if (summary.verified !== TENANTS) throw new Error(`only ${summary.verified} of ${TENANTS} verified`);
    const calls = await world.calls();
    const minimum = quotaBoundMinimum(calls);
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
    await world.stop();
  }
}

await bench();
