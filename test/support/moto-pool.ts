// A few moto servers started once for the whole run (test/global-setup.ts) and lent to test files
// one at a time: starting moto costs seconds of Python imports, resetting it costs milliseconds. A
// file borrows a server, finds it empty (it is reset before it is lent), and gives it back when its
// world stops. Only one file holds a server at a time, so a borrowed server is as private to the
// file as one it started itself. With none free (or outside a vitest run), a fresh one is started.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { defaultRegion, type MotoServer, resetMoto, startMoto } from '#local/moto.ts';

export interface MotoPool {
  /** Where the leases live: one directory per server in use (mkdir is atomic across processes). */
  leases: string;
  endpoints: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    motoPool: MotoPool | undefined;
  }
}

function provided(): MotoPool | undefined {
  try {
    return inject('motoPool');
  } catch {
    return undefined;
  }
}

/** A moto of the run's pool when one is free, else a new one this file owns. */
export async function borrowMoto(region = defaultRegion): Promise<MotoServer> {
  const pool = provided();
  for (const [index, endpoint] of (pool?.endpoints ?? []).entries()) {
    const lease = join(pool?.leases ?? '', String(index));
    try {
      mkdirSync(lease);
    } catch {
      continue; // another file holds it
    }
    const release = () => rmSync(lease, { recursive: true, force: true });
    try {
      await resetMoto(endpoint);
    } catch {
      continue; // keep the lease: a server that cannot reset is not lent again
    }
    let returned: Promise<void> | undefined;
    return {
      endpoint,
      region,
      pid: 0,
      reset: () => resetMoto(endpoint),
      // Giving it back empties it first, so nothing of this file can reach the next one.
      stop: () => {
        returned ??= resetMoto(endpoint).then(release);
        return returned;
      },
    };
  }
  return startMoto({ region });
}
