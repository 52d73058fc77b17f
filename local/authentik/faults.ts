// Fault injection for tests: on the requests a fault set matches (all, or by path), add latency,
// drop the connection, or answer a 500, 502, 503 or 429 the way Authentik or the proxy in front
// of it would. A seed makes the sequence of faults repeatable.

export type FaultStatus = 500 | 502 | 503 | 429;

export interface AuthentikFaults {
  /** Probability (0..1) that a matched request is answered with one of `statuses`. */
  rate?: number;
  /** The statuses to answer with, picked at random (default [503]). */
  statuses?: FaultStatus[];
  /** Probability (0..1) that a matched request's connection is destroyed without an answer. */
  dropRate?: number;
  /** Added to every matched request before anything else happens. */
  latencyMs?: number;
  /** Which request paths the faults apply to: a RegExp, or a substring of the path; all when absent. */
  paths?: RegExp | string;
  /** Seed of the random choices, for repeatable runs. */
  seed?: number;
}

export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'drop'; latencyMs: number }
  | { kind: 'status'; latencyMs: number; status: FaultStatus };

// mulberry32: small, fast and good enough to spread faults evenly.
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private faults: AuthentikFaults | undefined;
  private random: () => number = Math.random;

  set(faults: AuthentikFaults | undefined): void {
    this.faults = faults;
    this.random = faults?.seed === undefined ? Math.random : seeded(faults.seed);
  }

  decide(path: string): FaultDecision {
    const f = this.faults;
    if (f === undefined || !matches(f.paths, path)) return { kind: 'none', latencyMs: 0 };
    const latencyMs = f.latencyMs ?? 0;
    if (f.dropRate !== undefined && this.random() < f.dropRate) return { kind: 'drop', latencyMs };
    if (f.rate !== undefined && this.random() < f.rate) {
      const statuses = f.statuses !== undefined && f.statuses.length > 0 ? f.statuses : [503 as const];
      const status = statuses[Math.floor(this.random() * statuses.length)] ?? 503;
      return { kind: 'status', latencyMs, status };
    }
    return { kind: 'none', latencyMs };
  }
}

function matches(paths: RegExp | string | undefined, path: string): boolean {
  if (paths === undefined) return true;
  if (typeof paths === 'string') return path.includes(paths);
  paths.lastIndex = 0; // a global RegExp keeps state between tests otherwise
  return paths.test(path);
}

const PAGE_TITLES: Record<number, string> = {
  500: 'Server Error (500)',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
};

/** The answer a fault gives: Django's error page, the proxy's page, or DRF's throttle body. */
export function faultResponse(status: FaultStatus): { headers: Record<string, string>; body: string } {
  if (status === 429) {
    return {
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({ detail: 'Request was throttled. Expected available in 1 second.' }),
    };
  }
  const title = PAGE_TITLES[status] ?? String(status);
  return {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html>\n<html lang="en">\n<head><title>${title}</title></head>\n<body><h1>${title}</h1></body>\n</html>\n`,
  };
}
