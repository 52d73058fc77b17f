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
// as in verify.bench.ts (Cognito and Authentik run apart from the Lambdas, as on AWS). The run's
// time is compared with the quota-bound minimum: the Cognito calls the run made ÷ the rate the
// quotas allow, category by category; the slowest category bounds the run.
import '../local/polyfills.ts';
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MemoryMetrics } from '#lib/metrics.ts';
import { quotaCategoryOf } from '#local/cognito/operations.ts';
import { cognitoDefaultQuotas } from '#local/cognito/quotas.ts';
import { listTenantsTask } from '../functions/list-tenants/handler.ts';
import { type RunSummary, reportPage, summarize } from '../functions/report-verification/core.ts';
import { localHandlers } from '../local/handlers.ts';
import { provisionThroughCores } from '../local/provision-through-cores.ts';
import {
  everyExecution,
  type HandlersByPlaceholder,
  lastExecution,
  runStateMachine,
} from '../local/runner.ts';
import { startWorld, type WorldEndpoints } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { printFigure } from './figure.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const MANY = 100_000;
const REAL = Number(process.env.SCALE_REAL_TENANTS ?? 1_000);
/** The federations actually provisioned for the REAL tenants (see realTenants). */
const FEDERATIONS = 50;

// ---------------------------------------------------------------------------------------------
// 100,000 tenants through the real machines, each verification a fake.

function fakeHandlers(count: number): HandlersByPlaceholder {
  const ids = Array.from({ length: count }, (_, i) => `scale-${String(i).padStart(6, '0')}`);
  // The registry's listing as DynamoDB pages it: `limit` records after the cursor.
  const registry = {
    get: async () => undefined,
    list: async ({ limit, cursor }: { limit: number; cursor?: string }) => {
      const from = cursor ? Number(cursor) : 0;
      const items = ids.slice(from, from + limit).map((tenantId) => ({
        tenantId,
        status: 'active',
        resources: {
          userPoolId: `eu-west-1_${tenantId}`,
          appClientId: `client${tenantId}`,
          identityProviderName: `authentik-${tenantId}`,
        },
      }));
      return { items, ...(from + limit < ids.length ? { cursor: String(from + limit) } : {}) };
    },
  };
  const deps = { events: { put: async () => {} }, metrics: new MemoryMetrics() };
  return {
    ListTenantsFunctionArn: listTenantsTask({ registry } as never) as HandlersByPlaceholder[string],
    // What verify-tenant answers for a verified tenant that did not change: its summary.
    VerifyTenantFunctionArn: async (event) => {
      const { tenantId } = event as { tenantId: string };
      const summary = {
        tenantId,
        state: 'verified',
        changed: false,
        durationMs: 1,
        reasons: [],
        repairAttempted: false,
      };
      return {
        tenantId,
        state: 'verified',
        previousState: 'verified',
        changed: false,
        failing: [],
        repairable: false,
        summary,
      };
    },
    ReportVerificationFunctionArn: async (event) => {
      const e = event as { action: string };
      if (e.action === 'page') return reportPage(event as Parameters<typeof reportPage>[0], deps);
      if (e.action === 'summary') return summarize(event as Parameters<typeof summarize>[0], deps);
      return { sent: false };
    },
  };
}

async function manyTenants(): Promise<void> {
  const run = await runStateMachine(
    'verify-federations',
    {},
    { handlers: fakeHandlers(MANY), keepEvents: false },
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
// 1,000 real verifications. The child: the world, answering the parent's requests over IPC.

type Calls = Record<string, number>;
type Request = { kind: 'quotas'; on: boolean } | { kind: 'mark' } | { kind: 'calls' } | { kind: 'stop' };

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

async function realTenants(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['world'], { execArgv: ['--import', 'tsx'] });
  try {
    const { endpoints } = await new Promise<{ endpoints: WorldEndpoints }>((resolve, reject) => {
      child.once('message', resolve as (message: unknown) => void);
      child.once('exit', (code) => reject(new Error(`the world exited with ${code}`)));
    });
    await prepareWorld(endpoints);
    const clients = worldStepClients(endpoints);
    const handlers = await localHandlers(clients);

    // Seeded with the quotas off (provisioning is not what is measured): 50 federations provisioned
    // through the step cores, and the other tenants' records put straight into the registry, each a
    // copy of one of them under its own id. Every tenant's verification is a real one (its reads,
    // discovery, key set, token endpoint, headless login, its record written); 20 tenants share a
    // pool, which at 10 verifications a second reads each pool about 0.2 times a second, far from
    // the 5 a second per pool and operation.
    await ask(child, { kind: 'quotas', on: false }, 'done');
    const seeding = performance.now();
    const ids = Array.from({ length: REAL }, (_, i) => `scale-${String(i).padStart(4, '0')}`);
    const provisioned = ids.slice(0, Math.min(FEDERATIONS, REAL));
    const queue = [...provisioned];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const spec = await localTenantSpec(endpoints, clients, {
            tenantId: id,
            cognito: { callbackUrls: [`https://${id}.example/cb`] },
          });
          await provisionThroughCores(clients, spec);
        }
      }),
    );
    const records = await Promise.all(provisioned.map((id) => clients.registry.get(id)));
    const copies = ids.slice(provisioned.length);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = copies.shift(); id; id = copies.shift()) {
          const record = records[Number(id.slice('scale-'.length)) % records.length];
          if (!record) throw new Error('a seeded tenant has no record');
          await clients.registry.put({ ...record, tenantId: id });
        }
      }),
    );
    process.stderr.write(
      `# ${REAL} tenants seeded in ${((performance.now() - seeding) / 1000).toFixed(0)} s\n`,
    );
    await ask(child, { kind: 'quotas', on: true }, 'done');

    await ask(child, { kind: 'mark' }, 'done');
    const started = performance.now();
    const run = await runStateMachine('verify-federations', {}, { handlers, keepEvents: false });
    const seconds = (performance.now() - started) / 1000;
    const summary = lastExecution(run).output as RunSummary;
    if (run.status !== 'SUCCEEDED') throw new Error(`the run failed: ${run.cause}`);
    if (summary.verified !== REAL) throw new Error(`only ${summary.verified} of ${REAL} verified`);
    const calls = (await ask<{ calls: Calls }>(child, { kind: 'calls' }, 'calls')).calls;
    const perSecond = cognitoDefaultQuotas.perAccount;
    const minimum = Math.max(
      ...Object.entries(calls)
        .filter(([category]) => category in perSecond)
        .map(([category, n]) => n / perSecond[category as keyof typeof perSecond]),
    );
    process.stderr.write(
      `# ${REAL} tenants verified in ${seconds.toFixed(1)} s, quota-bound minimum ${minimum.toFixed(1)} s\n`,
    );
    printFigure(`verification run time / quota-bound minimum (${REAL} tenants)`, seconds / minimum, 'x');
    // A count without a unit: the line reads `…: N`.
    process.stdout.write(`throttled Cognito requests (${REAL} tenants): ${calls.throttled ?? 0}\n`);
    clients.cognito.destroy();
    clients.secrets.destroy();
  } finally {
    child.send({ kind: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv[2] === 'world') await serveWorld();
else {
  // `tsx bench/scale.bench.ts real` runs the second part alone.
  if (process.argv[2] !== 'real') await manyTenants();
  await realTenants();
}
