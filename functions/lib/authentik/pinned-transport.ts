// The transport of every request to a tenant's Authentik (the REST client, the verification's
// discovery, key set and token requests, the headless login): fetch with an undici Agent whose
// `connect.lookup` resolves the host once, classifies EVERY address it resolved to as a literal host
// would be (address-class.ts), and hands the socket only those checked addresses. The check and
// the connection use the same answer, so DNS cannot change in between (rebinding), and a name on the
// allow-list that resolves to the metadata service or a private address is refused like the address.
//
// Literal IP hosts never reach `lookup` (net.connect skips it for them), so they are checked before
// the request is sent. Redirects are never followed here: each caller decides by hand where to go
// next, and none follows one off the Authentik origin.
//
// The Agent is the runtime's own: Node's fetch is undici, and the class that built its global
// dispatcher is that undici's Agent. Bundling the `undici` package instead would add some 400 KB to
// every Lambda bundle (its HTTP parser is WebAssembly), and an Agent from another copy of undici
// than the fetch using it is what undici's documentation warns against. The package (the version
// Node 20 bundles) provides the types.

import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { addressRefusal, unbracket } from '#lib/address-class.ts';
import type { Deployment } from '#lib/authentik-address.ts';
import { PreconditionError } from '#lib/errors.ts';

/**
 * The host resolves to, or is, an address the deployment refuses. A PreconditionError (the
 * workflow routes on that name, and never retries it): the spec is well formed, but the host it
 * names is not one the workflow may reach. The message names the host, the address and its class.
 */
export class AddressRefusedError extends PreconditionError {}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address of a host name (the system resolver by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** `dns.lookup` with `all: true`: what getaddrinfo answers (hosts file included), in its order. */
export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

function notFound(hostname: string): Error {
  // ENOTFOUND, as the resolver says it: not retried, reported as a wrong Authentik URL.
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    hostname,
  });
}

/**
 * The addresses of `hostname` that may be connected to, all of them checked: one refused address
 * refuses the host (a resolver answering with a public and a private address could be steered to
 * either). `family` keeps only IPv4 (4) or IPv6 (6) addresses when the socket asks for one family.
 */
export function checkedAddresses(
  hostname: string,
  addresses: readonly ResolvedAddress[],
  deployment: Deployment,
  family?: number,
): ResolvedAddress[] {
  for (const { address } of addresses) {
    const refused = addressRefusal(hostname, address, deployment);
    if (refused) throw new AddressRefusedError(refused);
  }
  const usable = addresses
    .filter((a) => (family !== 4 && family !== 6 ? true : a.family === family))
    .map(({ address, family: f }) => ({ address, family: f }));
  if (usable.length === 0) throw notFound(hostname);
  return usable;
}

function familyOf(family: number | string | undefined): number | undefined {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return undefined;
}

/** `connect.lookup` for the Agent: resolve once, check every address, answer with the checked ones. */
export function pinnedLookup(deployment: Deployment, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        let usable: ResolvedAddress[];
        try {
          usable = checkedAddresses(hostname, addresses, deployment, familyOf(options.family));
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        const [first] = usable;
        if (options.all || first === undefined) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

// undici's lib/global.js keeps the dispatcher of Node's fetch under this symbol ("1" is the version
// of the Dispatcher API), and installs an Agent there when the fetch implementation loads.
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

function runtimeAgentClass(): typeof Agent {
  // Node loads its fetch implementation lazily; reading one of its globals loads it.
  if (typeof globalThis.Request !== 'function') throw new Error('this runtime has no fetch');
  const dispatcher: unknown = Reflect.get(globalThis, GLOBAL_DISPATCHER);
  const agent = (dispatcher as { constructor?: unknown } | undefined)?.constructor;
  if (typeof agent !== 'function' || agent.name !== 'Agent') {
    throw new Error("the runtime's fetch does not dispatch through an undici Agent: cannot pin DNS");
  }
  return agent as typeof Agent;
}

export interface PinnedFetchOptions {
  /** Resolves host names (default: `dns.lookup(host, {all: true})`). */
  resolve?: Resolver;
}

/** The first AddressRefusedError in an error's cause chain (fetch wraps socket errors in a TypeError). */
function refusalIn(error: unknown): AddressRefusedError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (e instanceof AddressRefusedError) return e;
  }
  return undefined;
}

/**
 * A fetch that connects only to addresses this deployment allows, and never follows a redirect.
 * Each call makes its own Agent (connection pool); use `authentikFetch` for the shared one.
 */
export function pinnedFetch(deployment: Deployment, options: PinnedFetchOptions = {}): typeof fetch {
  const AgentClass = runtimeAgentClass();
  const dispatcher = new AgentClass({ connect: { lookup: pinnedLookup(deployment, options.resolve) } });
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const literal = unbracket(url.hostname);
    const refused = isIP(literal) === 0 ? undefined : addressRefusal(literal, literal, deployment);
    if (refused) throw new AddressRefusedError(refused);
    try {
      // `dispatcher` is undici's extension of RequestInit, which the DOM typings do not list.
      return await fetch(input, { ...init, redirect: 'manual', dispatcher } as RequestInit);
    } catch (error) {
      throw refusalIn(error) ?? error;
    }
  };
}

/** The Agent with no private, loopback or special address: what a deployment without a say gets. */
const PUBLIC_ONLY: Deployment = { allowedAuthentikHosts: [], allowLoopbackHttp: false };
const shared = new WeakMap<Deployment, typeof fetch>();

/** The pinned fetch of a deployment, one Agent (and so one connection pool) per deployment. */
export function authentikFetch(deployment: Deployment = PUBLIC_ONLY): typeof fetch {
  let found = shared.get(deployment);
  if (!found) {
    found = pinnedFetch(deployment);
    shared.set(deployment, found);
  }
  return found;
}
