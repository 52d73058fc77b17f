// The local world (moto behind the strict Cognito layer, the Authentik emulator) in a child process
// of a benchmark, as Cognito and Authentik run apart from the Lambdas on AWS: in one process the
// emulator's work and the concurrent verifications' would share one thread, and a figure would
// measure that thread rather than the machine's pacing. The Cognito calls are counted where the
// layer records them (world.cognito.requests), in the child; the parent asks for them over IPC.
import '../local/polyfills.ts';
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { StepClients } from '#lib/clients.ts';
import { quotaCategoryOf } from '#local/cognito/operations.ts';
import { cognitoDefaultQuotas } from '#local/cognito/quotas.ts';
import { localHandlers } from '../local/handlers.ts';
import { seedTenants } from '../local/provision-through-cores.ts';
import type { HandlersByPlaceholder } from '../local/runner.ts';
import { startWorld, type WorldEndpoints } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';

/** Cognito calls by quota category (an operation without one under its own name), throttled ones as `throttled`. */
export type Calls = Record<string, number>;
type Request = { kind: 'quotas'; on: boolean } | { kind: 'mark' } | { kind: 'calls' } | { kind: 'stop' };

export interface WorldProcess {
  endpoints: WorldEndpoints;
  /** The strict layer's quotas: Cognito's defaults, or none. */
  setQuotas(on: boolean): Promise<void>;
  /** Counts the Cognito calls from now on. */
  mark(): Promise<void>;
  /** The Cognito calls since the last mark. */
  calls(): Promise<Calls>;
  stop(): Promise<void>;
}

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

/** Starts the world in a child process (this module run as its own program) once it answers. */
export async function forkWorld(): Promise<WorldProcess> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'] });
  const { endpoints } = await new Promise<{ endpoints: WorldEndpoints }>((resolve, reject) => {
    child.once('message', resolve as (message: unknown) => void);
    child.once('exit', (code) => reject(new Error(`the world exited with ${code}`)));
  });
  return {
    endpoints,
    setQuotas: async (on) => {
      await ask(child, { kind: 'quotas', on }, 'done');
    },
    mark: async () => {
      await ask(child, { kind: 'mark' }, 'done');
    },
    calls: async () => (await ask<{ calls: Calls }>(child, { kind: 'calls' }, 'calls')).calls,
    stop: async () => {
      child.send({ kind: 'stop' });
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/**
 * The least time the calls could take under Cognito's default quotas: each category's calls ÷ the
 * rate its quota allows; the slowest category bounds the run.
 */
export function quotaBoundMinimum(calls: Calls): number {
  const perSecond = cognitoDefaultQuotas.perAccount;
  return Math.max(
    ...Object.entries(calls)
      .filter(([category]) => category in perSecond)
      .map(([category, n]) => n / perSecond[category as keyof typeof perSecond]),
  );
}

export interface SeededWorld {
  world: WorldProcess;
  clients: StepClients;
  handlers: HandlersByPlaceholder;
  /** How long seeding took. */
  seedingMs: number;
}

/**
 * Starts the world in a child process and registers `ids` as its tenants with the quotas off
 * (seeding is not what a benchmark measures; the quotas are on again after it): seedTenants, the
 * first `federations` provisioned through the step cores, the others copies of their records.
 */
export async function forkSeededWorld(ids: readonly string[], federations: number): Promise<SeededWorld> {
  const world = await forkWorld();
  try {
    const { endpoints } = world;
    await prepareWorld(endpoints);
    const clients = worldStepClients(endpoints);
    const handlers = await localHandlers(clients);
    await world.setQuotas(false);
    const seeding = performance.now();
    await seedTenants(clients, ids, federations, (tenantId) =>
      localTenantSpec(endpoints, clients, {
        tenantId,
        cognito: { callbackUrls: [`https://${tenantId}.example/cb`] },
      }),
    );
    const seedingMs = performance.now() - seeding;
    await world.setQuotas(true);
    return { world, clients, handlers, seedingMs };
  } catch (error) {
    await world.stop();
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serveWorld();
