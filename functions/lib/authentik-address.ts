// The Authentik base URL and the addresses the workflow may reach: the SSRF boundary.
//
// The workflow sends requests (carrying the Authentik token) to a tenant's Authentik from inside AWS,
// so the URL and every address it reaches are checked here: the deployment's host allow-list, the
// scheme and the class of every literal address.

import { isIP } from 'node:net';

const SECRETS_BY_ARN = 'secrets are referenced by ARN, never inline';

/** What the deployment allows as an Authentik base URL (the SSRF boundary, see `checkAuthentikBaseUrl`). */
export interface Deployment {
  /** Exact hosts (`auth.example.com`, `127.0.0.1`, `::1`) or `*.example.com` (any subdomain, not the apex). */
  readonly allowedAuthentikHosts: readonly string[];
  /** The local world: loopback hosts are not refused as private, and may be reached over plain http. */
  readonly allowLoopbackHttp: boolean;
  /** Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), e.g. an Authentik inside a VPC. */
  readonly allowPrivateAddresses?: boolean;
}

/** The deployment of the local world: the Authentik emulator listens on loopback, over http. */
export const localDeployment: Deployment = {
  allowedAuthentikHosts: ['127.0.0.1', 'localhost', '::1'],
  allowLoopbackHttp: true,
};

// ---------------------------------------------------------------------------------------------
// Authentik base URL: the SSRF boundary
//
// The workflow sends requests (carrying the Authentik token) to this URL from inside AWS, so a URL
// pointing at the instance metadata service or at a private service would turn the workflow into a
// proxy. The deployment's host allow-list is THE guard: a hostname can still resolve to a private
// address (DNS rebinding, `127.0.0.1.nip.io`), and only the allow-list stops that, since this check
// runs without DNS. The address checks below are defence in depth for literal IPs, which an operator
// might put on the allow-list by mistake.

type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local' // includes the instance metadata service 169.254.169.254
  | 'metadata'
  | 'unspecified'
  | 'reserved';

const addressClassWords: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address (the instance metadata service lives there)',
  metadata: 'an instance metadata address',
  unspecified: 'the unspecified address',
  reserved: 'a reserved, multicast or non-routable address',
};

function ipv4Octets(text: string): number[] | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').map(Number);
}

function classifyIpv4(o: readonly number[]): AddressClass {
  const [a = 0, b = 0, c = 0] = o;
  if (a === 0) return 'unspecified'; // 0.0.0.0/8: "this network"; 0.0.0.0 reaches loopback on Linux
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10) return 'private';
  if (a === 172 && b >= 16 && b <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT; Alibaba's metadata 100.100.100.200
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved'; // protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return 'reserved'; // benchmarking
  if (a === 198 && b === 51 && c === 100) return 'reserved'; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return 'reserved'; // TEST-NET-3
  if (a >= 224) return 'reserved'; // multicast, 240/4, broadcast
  return 'public';
}

/** Eight 16-bit groups of an IPv6 address (with or without an embedded dotted quad), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  if (isIP(text) !== 6) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const maybeV4 = ipv4Octets(body.slice(lastColon + 1));
  if (maybeV4) {
    const [a = 0, b = 0, c = 0, d = 0] = maybeV4;
    tail.push((a << 8) | b, (c << 8) | d);
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', rest] = body.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const missing = 8 - tail.length - left.length - right.length;
  if (rest === undefined && missing !== 0) return undefined;
  return [...left, ...new Array(Math.max(missing, 0)).fill(0), ...right, ...tail];
}

function classifyIpv6(g: readonly number[]): AddressClass {
  const at = (i: number) => g[i] ?? 0;
  const embeddedV4 = (hi: number, lo: number) => [at(hi) >> 8, at(hi) & 0xff, at(lo) >> 8, at(lo) & 0xff];
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (zeroUpTo(7) && at(7) === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) reach IPv4 hosts.
  if (zeroUpTo(5) && at(5) === 0xffff) return classifyIpv4(embeddedV4(6, 7));
  if (zeroUpTo(6)) return classifyIpv4(embeddedV4(6, 7));
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address as well.
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 0 && at(3) === 0 && at(4) === 0 && at(5) === 0) {
    return classifyIpv4(embeddedV4(6, 7));
  }
  if (at(0) === 0x2002) {
    const v4 = classifyIpv4(embeddedV4(1, 2));
    if (v4 !== 'public') return v4;
  }
  // EC2's IPv6 instance metadata endpoint fd00:ec2::254 sits inside fc00::/7; name it.
  if (at(0) === 0xfd00 && at(1) === 0xec2 && g.slice(2, 7).every((x) => x === 0) && at(7) === 0x254) {
    return 'metadata';
  }
  if ((at(0) & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((at(0) & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((at(0) & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local fec0::/10
  if ((at(0) & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (at(0) === 0x2001 && at(1) === 0xdb8) return 'reserved'; // documentation
  return 'public';
}

/** Classifies a URL hostname (as `new URL` serialises it: IPv6 in brackets, IPv4 dotted). */
function classifyHost(hostname: string): AddressClass {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const v4 = ipv4Octets(bare);
  if (v4) return classifyIpv4(v4);
  const v6 = ipv6Groups(bare);
  if (v6) return classifyIpv6(v6);
  if (bare === 'localhost' || bare.endsWith('.localhost')) return 'loopback';
  return 'public'; // a name: only the allow-list can judge it (see the note above)
}

function normaliseAllowedHost(entry: string): string {
  const lower = entry.trim().toLowerCase().replace(/\.$/, '');
  const wildcard = lower.startsWith('*.');
  const host = wildcard ? lower.slice(2) : lower;
  const bracketed = isIP(host) === 6 ? `[${host}]` : host;
  let canonical = bracketed;
  try {
    canonical = new URL(`http://${bracketed}/`).hostname;
  } catch {
    // an entry that is not a host at all matches nothing
  }
  return wildcard ? `*.${canonical}` : canonical;
}

function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  return allowed.some((raw) => {
    const entry = normaliseAllowedHost(raw);
    if (entry.startsWith('*.'))
      return hostname.endsWith(entry.slice(1)) && hostname.length > entry.length - 1;
    return hostname === entry;
  });
}

/** The host as the caller wrote it, so spellings the URL parser rewrites (2130706433, 0x7f.1) show. */
function rawHostOf(input: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:[/\\]{2}([^/?#\\]*)/i.exec(input)?.[1];
  if (authority === undefined) return undefined;
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1).toLowerCase();
  const colon = hostPort.indexOf(':');
  return (colon === -1 ? hostPort : hostPort.slice(0, colon)).toLowerCase();
}

/**
 * Every reason `input` is not an acceptable Authentik base URL; empty when it is. Without a
 * deployment only the rules that hold everywhere are checked (the JSON Schema build uses that).
 * Messages never echo the URL: it could carry credentials.
 */
export function checkAuthentikBaseUrl(input: string, deployment?: Deployment): string[] {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return ['must be an absolute URL like https://authentik.example.com'];
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('must use https');
  if (url.username !== '' || url.password !== '' || /^[^/?#]*:\/\/[^/?#]*@/.test(input)) {
    problems.push(`must not carry credentials (user:password@); ${SECRETS_BY_ARN}`);
  }
  if (url.pathname !== '/' || /[?#]/.test(input)) {
    problems.push('must be the bare origin (no path, query or fragment): the API lives at /api/v3/');
  }
  const hostname = url.hostname;
  if (hostname.endsWith('.')) problems.push('host must not end with a dot');
  const raw = rawHostOf(input);
  if (raw !== undefined && raw !== hostname) {
    problems.push(
      `host must be written in its canonical form (it is read as ${hostname}); ` +
        'decimal, hex, octal or shortened IP spellings and non-ASCII names are refused',
    );
  }
  const kind = classifyHost(hostname);
  const loopbackAllowed = kind === 'loopback' && deployment?.allowLoopbackHttp === true;
  const privateAllowed = kind === 'private' && deployment?.allowPrivateAddresses === true;
  if (kind !== 'public' && !loopbackAllowed && !privateAllowed) {
    problems.push(`host ${hostname} is ${addressClassWords[kind]}, which is refused`);
  }
  if (url.protocol === 'http:' && !loopbackAllowed) {
    problems.push('must use https (plain http only for a loopback host in the local world)');
  }
  if (deployment && !hostAllowed(hostname, deployment.allowedAuthentikHosts)) {
    problems.push(`host ${hostname} is not on this deployment's allow-list of Authentik hosts`);
  }
  return problems;
}
