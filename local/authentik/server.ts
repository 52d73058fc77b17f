// The Authentik emulator: a real HTTP server on loopback that answers as Authentik 2026.8 does, shaped
// by the official schema.yml. Absolute URLs in its answers name the host the request names
// (origin.ts), so it answers through a reverse proxy as Authentik does. Tests start one per file, read its request log, inject faults and
// reach into its store to stage drift.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { storeBackend } from './backend-store.ts';
import { atLeast, contractFor, unservedVersion } from './contract.ts';
import { type AuthentikFaults, FaultInjector, faultResponse } from './faults.ts';
import { createOidcAndFlows } from './oidc.ts';
import { requestOrigin } from './origin.ts';
import { NO_PYTHON_MESSAGE } from './policy-engine.ts';
import { generateKey } from './resources/tokens.ts';
import { API_PREFIX, handleApiRequest } from './rest.ts';
import { authentikSchema } from './schema.ts';
import { seed } from './seed.ts';
import { AuthentikStore } from './store.ts';

export type { AuthentikFaults, FaultStatus } from './faults.ts';

/** One request the emulator received. Never bodies: they carry passwords and client secrets. */
export interface AuthentikRequestRecord {
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The status answered; 0 when the connection was dropped by a fault. */
  status: number;
  /** POST, PUT, PATCH or DELETE. */
  write: boolean;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

export interface AuthentikEmulatorOptions {
  /**
   * The Authentik release served, contract and behaviour (default: the schema's version). A version
   * with no installed contract (contract.ts, RELEASES) is refused.
   */
  version?: string;
  /**
   * Test-only: what `admin/version/` reports instead of `version`, while `version`'s release is
   * served; how the product's refusal of a release older than it supports is tested.
   */
  reportedVersion?: string;
  /** The key of akadmin's API token (default: generated). */
  token?: string;
  /** Default: a free port. */
  port?: number;
  /** Check every REST answer against schema.yml (default true): a mismatch becomes a 500 naming it. */
  checkResponses?: boolean;
  /** Where the emulator's single warnings go (default: console.warn). */
  log?: (message: string) => void;
}

export interface AuthentikEmulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** akadmin's API token (intent api). */
  token: string;
  version: string;
  requests: AuthentikRequestRecord[];
  /**
   * REST answers that did not match schema.yml (each was replaced by a 500): operation, status and
   * schema errors. Tests assert it stays empty.
   */
  schemaViolations: string[];
  /**
   * Requests that broke the release's contract (contract.ts): a field the release does not know, a
   * required one missing; operation and field only. A client that speaks the release leaves it empty.
   */
  contractViolations: string[];
  /** The release whose contract the emulator serves (contract.ts), e.g. `2025.8`. */
  release: string;
  setFaults(faults: AuthentikFaults | undefined): void;
  store: AuthentikStore;
  stop(): Promise<void>;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Served by the OIDC endpoints and the flow executor; the flow executor's API paths come before the
// REST API, which only declares them.
const LOGIN_PATHS = ['/application/o/', '/api/v3/flows/executor/', '/if/flow/', '/flows/'];

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
}

export async function startAuthentikEmulator(
  options: AuthentikEmulatorOptions = {},
): Promise<AuthentikEmulator> {
  const unserved = options.version === undefined ? undefined : unservedVersion(options.version);
  if (unserved) throw new Error(`Authentik emulator: ${unserved}`);
  const store = new AuthentikStore();
  // Seeding generates an RSA key on libuv's thread pool: start it before the schema loads on this one.
  // Without a version the schema's (the newest) applies, whose email mapping is the default one.
  const seeded = seed(store, {
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const schema = authentikSchema();
  const requests: AuthentikRequestRecord[] = [];
  const schemaViolations: string[] = [];
  const contractViolations: string[] = [];
  const faults = new FaultInjector();
  const installId = randomUUID();
  const version = options.version ?? schema.version;
  // The release's own contract (contract.ts): what it accepts, and the shape of its answers.
  const contract = contractFor(version);
  const log = options.log ?? ((message: string) => console.warn(message));
  let warnedNoPython = false;
  let baseUrl = '';

  const noPython = () => {
    if (warnedNoPython) return;
    warnedNoPython = true;
    log(`[authentik emulator] ${NO_PYTHON_MESSAGE}`);
  };
  const restOptions = (req: IncomingMessage) => ({
    store,
    installId,
    baseUrl: requestOrigin(req, baseUrl),
    version: options.reportedVersion ?? version,
    checkResponses: options.checkResponses ?? true,
    violations: schemaViolations,
    contract,
    contractViolations,
    noPython,
  });
  // OIDC (oidc-provider per application) and the flow executor read the store through the backend.
  const login = createOidcAndFlows(
    storeBackend(store, { baseUrl: () => baseUrl, noPython, grantTypes: atLeast(version, '2026.8') }),
  );

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    if (LOGIN_PATHS.some((prefix) => path.startsWith(prefix)) && (await login.handle(req, res))) return;
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
      const answer = await handleApiRequest(req, path.slice(API_PREFIX.length), query, restOptions(req));
      send(res, answer.status, answer.body, answer.headers);
      return;
    }
    send(res, 404, { detail: 'Not found.' });
  }

  const server = createServer((req, res) => {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const record = (status: number) =>
      requests.push({ method, path: url.pathname, status, write: WRITES.has(method), at });
    res.on('finish', () => record(res.statusCode));
    const fault = faults.decide(url.pathname);
    const run = async () => {
      if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault.kind === 'drop') {
        record(0);
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'status') {
        const answer = faultResponse(fault.status);
        send(res, fault.status, answer.body, answer.headers);
        return;
      }
      await route(req, res, url.pathname, url.searchParams);
    };
    run().catch((error: unknown) => {
      log(
        `[authentik emulator] ${method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`,
      );
      if (!res.headersSent) send(res, 500, '<h1>Server Error (500)</h1>', { 'content-type': 'text/html' });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  const { token } = await seeded;

  return {
    url: baseUrl,
    token,
    version,
    release: contract.release,
    requests,
    schemaViolations,
    contractViolations,
    store,
    setFaults: (f) => faults.set(f),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        login.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface ApiTokenOptions {
  /** The token's user; created (without any rights) when no user has this username. */
  username?: string;
  /** Put a newly created user in "authentik Admins". */
  superuser?: boolean;
  intent?: 'api' | 'verification' | 'recovery' | 'app_password';
  /** An expiry in the past makes an expired token. */
  expires?: Date;
}

/**
 * An extra API token for tests. By default its user has no rights: lists come back empty,
 * objects 404 and writes 403, as in Authentik.
 */
export function createApiToken(
  emulator: Pick<AuthentikEmulator, 'store'>,
  options: ApiTokenOptions = {},
): string {
  const { store } = emulator;
  const username = options.username ?? `no-rights-${store.users.size + 1}`;
  let user = store.findUserByUsername(username);
  if (user === undefined) {
    const at = new Date().toISOString();
    const admins = store.findGroupByName('authentik Admins');
    user = {
      pk: store.nextUserPk(),
      uuid: store.newUuid(),
      username,
      name: username,
      is_active: true,
      last_login: null,
      groups: options.superuser === true && admins !== undefined ? [admins.pk] : [],
      roles: [],
      email: '',
      attributes: {},
      path: 'users',
      type: 'internal',
      date_joined: at,
      last_updated: at,
      password_change_date: at,
      password: null,
    };
    store.users.set(user.pk, user);
  }
  const key = generateKey();
  const pk = store.newUuid();
  store.tokens.set(pk, {
    pk,
    identifier: `${username}-token-${pk.slice(0, 8)}`,
    key,
    intent: options.intent ?? 'api',
    user: user.pk,
    description: '',
    expires: options.expires?.toISOString() ?? null,
    expiring: options.expires !== undefined,
    managed: null,
  });
  return key;
}
