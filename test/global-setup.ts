import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { prepareEmulatorCache } from '#local/authentik/contract.ts';
import { type MotoServer, startMoto } from '#local/moto.ts';
import type { MotoPool } from './support/moto-pool.ts';

// Runs for the projects that start a world (vitest.config.ts). Several projects share one pool:
// the first setup starts it, the last teardown stops it.
const shared = globalThis as {
  federationMotoPool?: { pool: MotoPool; servers: MotoServer[]; users: number };
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!shared.federationMotoPool) {
    // One server per file that can run at once. Without moto, startMoto fails here, before any test,
    // saying how to install it.
    const size = Math.max(1, Number(project.globalConfig.maxWorkers) || 1);
    const starting = Array.from({ length: size }, () => startMoto());
    // While moto imports itself: the emulator's schema and contracts, which every worker reads
    // (prepared by npm ci; only a cache missing since costs anything here).
    prepareEmulatorCache();
    const servers = await Promise.all(starting);
    const pool = {
      leases: mkdtempSync(join(tmpdir(), 'federation-moto-leases-')),
      endpoints: servers.map((s) => s.endpoint),
    };
    shared.federationMotoPool = { pool, servers, users: 0 };
  }
  const state = shared.federationMotoPool;
  state.users += 1;
  project.provide('motoPool', state.pool);
  return async () => {
    state.users -= 1;
    if (state.users > 0) return;
    shared.federationMotoPool = undefined;
    await Promise.all(state.servers.map((s) => s.stop()));
    rmSync(state.pool.leases, { recursive: true, force: true });
  };
}
