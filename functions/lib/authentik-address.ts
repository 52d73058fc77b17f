// The Authentik base URL and the addresses the workflow may reach: the SSRF boundary.
//
// The workflow sends requests (carrying the Authentik token) to a tenant's Authentik from inside AWS,
// so a URL pointing at the instance metadata service or at a private service would turn the workflow
// into a proxy. Three guards, all here:
//  - the deployment's allow-list of hosts (`host`, `*.domain`, `host:port`), read from configuration
//    and refused there when an entry is broader than one organisation's names (`allowListProblems`);
//  - the base URL of a spec (`checkAuthentikBaseUrl`): https, no credentials, a bare origin, a host
//    on the allow-list, port 443 unless the allow-list names another one, and no literal address of
//    a refused class in any spelling;
//  - every address a host name resolves to (`addressRefusal`), checked at connect time by the pinned
//    transport (`authentik/pinned-transport.ts`), so a name on the allow-list that resolves to the
//    metadata service (DNS rebinding, `169.254.169.254.nip.io`) is refused as its literal would be.
// This module is pure (no DNS, no sockets) so that every rule is unit tested.

import { isIP } from 'node:net';

const SECRETS_BY_ARN = 'secrets are referenced by ARN, never inline';

/** What the deployment allows as an Authentik base URL (the SSRF boundary, see `checkAuthentikBaseUrl`). */
export interface Deployment {
  /**
   * Exact hosts (`auth.example.com`), `*.example.com` (any subdomain, not the apex) or `host:port`
   * (`auth.example.com:8443`); a host without a port is allowed on 443 only.
   */
  readonly allowedAuthentikHosts: readonly string[];
  /** The local world: loopback hosts are not refused, may be reached over plain http and on any port. */
  readonly allowLoopbackHttp: boolean;
  /** Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), e.g. an Authentik inside a VPC. */
  readonly allowPrivateAddresses?: boolean;
}

/**
 * The deployment of the local world: the Authentik emulator listens on loopback, over http. Its
 * loopback entries are built here, in code, and never read from configuration (where addresses are
 * refused, see `allowListProblems`).
 */
export const localDeployment: Deployment = {
  allowedAuthentikHosts: ['127.0.0.1', 'localhost', '::1'],
  allowLoopbackHttp: true,
};

// ---------------------------------------------------------------------------------------------
// Address classes

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local' // includes the instance metadata service 169.254.169.254
  | 'metadata'
  | 'unspecified'
  | 'reserved';
type Refused = Exclude<AddressClass, 'public'>;

const addressClassWords: Record<Refused, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address (the instance metadata service lives there)',
  metadata: 'an instance metadata address',
  unspecified: 'the unspecified address',
  reserved: 'a reserved, multicast or non-routable address',
};

/** How the class is named in messages: `a link-local address (…)`. */
export function describeAddressClass(kind: Refused): string {
  return addressClassWords[kind];
}

/** An address range that embeds an IPv4 address: classified as that IPv4 address. */
type Embedding = 'embeds-ipv4' | 'embeds-ipv4-6to4';
/** A range: its first address as a number, its prefix length, what it is. */
type Range<K> = readonly [first: bigint, prefix: number, kind: K];

// The ranges are written as numbers, grouped like the address (bytes of IPv4, 16-bit groups of
// IPv6), with the CIDR beside each: nothing is parsed when the module loads.

// IANA IPv4 Special-Purpose Address Registry (RFC 6890), the ranges that are not globally reachable.
// 192.31.196.0/24 (AS112, RFC 7535), 192.52.193.0/24 (AMT, RFC 7450) and 192.175.48.0/24 (RFC 7534)
// are special-purpose but globally reachable, so they are public here.
const IPV4_RANGES: readonly Range<Refused>[] = [
  [0x00_00_00_00n, 8, 'unspecified'], // 0.0.0.0/8 RFC 1122 §3.2.1.3 "this network"; 0.0.0.0 reaches loopback on Linux
  [0x0a_00_00_00n, 8, 'private'], // 10.0.0.0/8 RFC 1918
  [0x64_40_00_00n, 10, 'private'], // 100.64.0.0/10 RFC 6598 shared (CGN); Alibaba Cloud's metadata 100.100.100.200
  [0x7f_00_00_00n, 8, 'loopback'], // 127.0.0.0/8 RFC 1122 §3.2.1.3
  [0xa9_fe_00_00n, 16, 'link-local'], // 169.254.0.0/16 RFC 3927; AWS IMDS 169.254.169.254, ECS 169.254.170.2
  [0xac_10_00_00n, 12, 'private'], // 172.16.0.0/12 RFC 1918
  [0xc0_00_00_00n, 24, 'reserved'], // 192.0.0.0/24 RFC 6890 IETF protocol assignments
  [0xc0_00_02_00n, 24, 'reserved'], // 192.0.2.0/24 RFC 5737 TEST-NET-1
  [0xc0_58_63_00n, 24, 'reserved'], // 192.88.99.0/24 RFC 7526 deprecated 6to4 relay anycast
  [0xc0_a8_00_00n, 16, 'private'], // 192.168.0.0/16 RFC 1918
  [0xc6_12_00_00n, 15, 'reserved'], // 198.18.0.0/15 RFC 2544 benchmarking
  [0xc6_33_64_00n, 24, 'reserved'], // 198.51.100.0/24 RFC 5737 TEST-NET-2
  [0xcb_00_71_00n, 24, 'reserved'], // 203.0.113.0/24 RFC 5737 TEST-NET-3
  [0xe0_00_00_00n, 4, 'reserved'], // 224.0.0.0/4 RFC 5771 multicast
  [0xf0_00_00_00n, 4, 'reserved'], // 240.0.0.0/4 RFC 1112 §4 reserved, with 255.255.255.255 (RFC 919 broadcast)
];

// IANA IPv6 Special-Purpose Address Registry (RFC 6890) and IPv6 Address Space registry. The first
// matching range wins, so the more specific ones come first.
const IPV6_RANGES: readonly Range<Refused | Embedding>[] = [
  [0x0000_0000_0000_0000_0000_0000_0000_0000n, 128, 'unspecified'], // ::/128 RFC 4291 §2.5.2
  [0x0000_0000_0000_0000_0000_0000_0000_0001n, 128, 'loopback'], // ::1/128 RFC 4291 §2.5.3
  [0x0000_0000_0000_0000_0000_ffff_0000_0000n, 96, 'embeds-ipv4'], // ::ffff:0:0/96 RFC 4291 §2.5.5.2 IPv4-mapped
  [0x0000_0000_0000_0000_0000_0000_0000_0000n, 96, 'embeds-ipv4'], // ::/96 RFC 4291 §2.5.5.1 IPv4-compatible (deprecated)
  [0x0064_ff9b_0000_0000_0000_0000_0000_0000n, 96, 'embeds-ipv4'], // 64:ff9b::/96 RFC 6052 NAT64: reaches the IPv4 host
  [0x0064_ff9b_0001_0000_0000_0000_0000_0000n, 48, 'reserved'], // 64:ff9b:1::/48 RFC 8215 local-use NAT64
  [0x0100_0000_0000_0000_0000_0000_0000_0000n, 64, 'reserved'], // 100::/64 RFC 6666 discard-only
  [0x2001_0000_0000_0000_0000_0000_0000_0000n, 23, 'reserved'], // 2001::/23 RFC 2928 IETF protocol assignments (Teredo…)
  [0x2001_0db8_0000_0000_0000_0000_0000_0000n, 32, 'reserved'], // 2001:db8::/32 RFC 3849 documentation
  [0x2002_0000_0000_0000_0000_0000_0000_0000n, 16, 'embeds-ipv4-6to4'], // 2002::/16 RFC 3056 6to4: IPv4 in bits 16-47
  [0x3fff_0000_0000_0000_0000_0000_0000_0000n, 20, 'reserved'], // 3fff::/20 RFC 9637 documentation
  [0x5f00_0000_0000_0000_0000_0000_0000_0000n, 16, 'reserved'], // 5f00::/16 RFC 9602 SRv6 SIDs
  [0xfd00_0ec2_0000_0000_0000_0000_0000_0254n, 128, 'metadata'], // fd00:ec2::254 AWS EC2 IMDS over IPv6 (in fc00::/7)
  [0xfc00_0000_0000_0000_0000_0000_0000_0000n, 7, 'private'], // fc00::/7 RFC 4193 unique local
  [0xfe80_0000_0000_0000_0000_0000_0000_0000n, 10, 'link-local'], // fe80::/10 RFC 4291 §2.5.6
  [0xfec0_0000_0000_0000_0000_0000_0000_0000n, 10, 'private'], // fec0::/10 RFC 3879 deprecated site-local
  [0xff00_0000_0000_0000_0000_0000_0000_0000n, 8, 'reserved'], // ff00::/8 RFC 4291 §2.7 multicast
];

// IANA IPv6 Address Space registry: only 2000::/3 is allocated as global unicast; whatever else the
// ranges above do not name is reserved.
const GLOBAL_UNICAST: Range<'public'> = [0x2000_0000_0000_0000_0000_0000_0000_0000n, 3, 'public']; // 2000::/3

function inRange<K>(value: bigint, bits: number, [first, prefix]: Range<K>): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === first >> shift;
}

/** A dotted quad (exactly as `net.isIP` accepts it: no shortened, octal or hex forms) as a number. */
function ipv4Value(text: string): bigint | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

/** An IPv6 address (with or without an embedded dotted quad or a zone) as a 128-bit number. */
function ipv6Value(text: string): bigint | undefined {
  if (isIP(text) !== 6) return undefined;
  // A zone (`fe80::1%eth0`) names an interface, not part of the address.
  const zone = text.indexOf('%');
  let body = zone === -1 ? text : text.slice(0, zone);
  const last = body.slice(body.lastIndexOf(':') + 1);
  if (last.includes('.')) {
    const v4 = ipv4Value(last) ?? 0n;
    body = `${body.slice(0, -last.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = body.split('::') as [string, string?];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

function classifyIpv4(value: bigint): AddressClass {
  return IPV4_RANGES.find((r) => inRange(value, 32, r))?.[2] ?? 'public';
}

function classifyIpv6(value: bigint): AddressClass {
  const kind = IPV6_RANGES.find((r) => inRange(value, 128, r))?.[2];
  if (kind === 'embeds-ipv4') return classifyIpv4(value & 0xffff_ffffn);
  if (kind === 'embeds-ipv4-6to4') return classifyIpv4((value >> 80n) & 0xffff_ffffn);
  if (kind !== undefined) return kind;
  return inRange(value, 128, GLOBAL_UNICAST) ? GLOBAL_UNICAST[2] : 'reserved';
}

/** The class of an IP address (IPv4 dotted quad or IPv6), or undefined when `text` is not one. */
export function classifyAddress(text: string): AddressClass | undefined {
  const v4 = ipv4Value(text);
  if (v4 !== undefined) return classifyIpv4(v4);
  const v6 = ipv6Value(text);
  return v6 === undefined ? undefined : classifyIpv6(v6);
}

/**
 * Classifies a URL hostname (as `new URL` serialises it: IPv6 in brackets, IPv4 dotted). A name is
 * `public` here: what it resolves to is checked when connecting (`addressRefusal`).
 */
export function classifyHost(hostname: string): AddressClass {
  const bare = unbracket(hostname);
  const literal = classifyAddress(bare);
  if (literal) return literal;
  // RFC 6761 §6.3: localhost and its subdomains are loopback, whatever a resolver says.
  if (bare === 'localhost' || bare.endsWith('.localhost')) return 'loopback';
  return 'public';
}

/** `[::1]` → `::1`: a URL hostname's IPv6 literal without its brackets; anything else unchanged. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** The class when the deployment refuses it; undefined when the workflow may reach it. */
export function refusedClass(kind: AddressClass, deployment: Deployment | undefined): Refused | undefined {
  switch (kind) {
    case 'public':
      return undefined;
    case 'loopback':
      return deployment?.allowLoopbackHttp === true ? undefined : kind;
    case 'private':
      return deployment?.allowPrivateAddresses === true ? undefined : kind;
    default:
      return kind; // link-local, metadata, unspecified and reserved: never
  }
}

/**
 * Why the workflow may not connect to `address`, which `host` resolved to; undefined when it may.
 * The same rule as for a literal host, applied to every address a name resolves to.
 */
export function addressRefusal(host: string, address: string, deployment: Deployment): string | undefined {
  const refused = refusedClass(classifyAddress(address) ?? 'reserved', deployment);
  if (refused === undefined) return undefined;
  const what = host === address ? 'is' : `resolves to ${address},`;
  return `the Authentik host ${host} ${what} ${addressClassWords[refused]}: this deployment refuses it (SSRF boundary)`;
}

// ---------------------------------------------------------------------------------------------
// The allow-list

/** One allow-list entry: `host`, `*.domain` or `host:port`. */
export interface AllowedEntry {
  /** The host as `new URL` spells it (IPv6 in brackets); for a wildcard, the domain below `*.`. */
  readonly host: string;
  readonly wildcard: boolean;
  /** Set only by a `host:port` entry; otherwise the entry allows 443. */
  readonly port?: number;
}

// RFC 1123 §2.1 host names, lower case (entries are lower-cased first): letters, digits and inner
// hyphens, labels of 1 to 63 characters.
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const HTTPS_PORT = 443;

/**
 * Parses an entry (case, surrounding spaces and a trailing dot of a name are forgiven); undefined
 * when it is none of `host`, `*.domain`, `host:port`, `[v6]:port`.
 */
export function parseAllowedEntry(raw: string): AllowedEntry | undefined {
  const entry = raw.trim().toLowerCase();
  if (isIP(entry) === 6) return { host: `[${canonicalIpv6(entry)}]`, wildcard: false };
  const wildcard = entry.startsWith('*.');
  const rest = wildcard ? entry.slice(2) : entry;
  // A port follows the last colon, when that colon is not inside an IPv6 literal's brackets.
  const colon = rest.lastIndexOf(':');
  const hasPort = colon > rest.lastIndexOf(']');
  const host = canonicalHost(hasPort ? rest.slice(0, colon) : rest, wildcard);
  if (host === undefined) return undefined;
  if (!hasPort) return { host, wildcard };
  const portText = rest.slice(colon + 1);
  const port = Number(portText);
  // Plain decimal only (no `0x1bb`, `+443`, `1e3`, leading zeros), and never on a wildcard.
  if (wildcard || String(port) !== portText || port < 1 || port > 65535) return undefined;
  return { host, wildcard, port };
}

function canonicalIpv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** The canonical host of an entry; a wildcard is over a domain name, never an address. */
function canonicalHost(text: string, wildcard: boolean): string | undefined {
  if (text.startsWith('[')) {
    const inner = text.slice(1, -1);
    return !wildcard && text.endsWith(']') && isIP(inner) === 6 ? `[${canonicalIpv6(inner)}]` : undefined;
  }
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (isIP(name) === 4) return wildcard ? undefined : name;
  return HOST_NAME.test(name) ? name : undefined;
}

function hostMatches(entry: AllowedEntry, hostname: string): boolean {
  if (!entry.wildcard) return hostname === entry.host;
  const suffix = `.${entry.host}`;
  return hostname.endsWith(suffix) && hostname.length > suffix.length;
}

// Services whose names resolve to whatever address is written in them (`10.0.0.1.nip.io`): a
// wildcard over one allows every address. None is on the Public Suffix List, so they are named here
// and handed to the public-suffix check as private suffixes too.
export const WILDCARD_DNS_SERVICES: readonly string[] = [
  'nip.io', // https://nip.io
  'sslip.io', // https://sslip.io
  'xip.io', // the original (defunct; its name could be re-registered)
  'traefik.me', // https://traefik.me
  'localtest.me', // resolves every name to 127.0.0.1
  'lvh.me', // resolves every name to 127.0.0.1
];

export interface AllowListRules {
  /** IP literals are acceptable entries (never on AWS: the local world builds its own in code). */
  readonly ipLiterals: boolean;
  /**
   * True when `domain` is a public suffix, i.e. not at or below a registrable domain (`com`,
   * `co.uk`, `github.io`). Without it only single labels and the wildcard DNS services are refused;
   * the synth passes the Public Suffix List's answer (`infra/public-suffix.ts`).
   */
  readonly isPublicSuffix?: (domain: string) => boolean;
}

/**
 * Every reason the allow-list is too broad or malformed; empty when it is fine. A wildcard must sit
 * below a registrable domain, so one organisation owns every name it matches.
 */
export function allowListProblems(entries: readonly string[], rules: AllowListRules): string[] {
  const problems: string[] = [];
  for (const raw of entries) {
    const entry = parseAllowedEntry(raw);
    const shown = `"${raw.trim()}"`;
    if (!entry) {
      problems.push(`${shown} is not a host, *.domain or host:port entry`);
    } else if (!rules.ipLiterals && isIP(unbracket(entry.host)) !== 0) {
      problems.push(`${shown} is an IP address: name Authentik by its DNS name (its TLS certificate does)`);
    } else if (entry.wildcard && wildcardTooBroad(entry.host, rules)) {
      problems.push(
        `${shown} is too broad: a wildcard must be below a registrable domain (like *.example.com), ` +
          'not over a public suffix or a wildcard DNS service',
      );
    }
  }
  return problems;
}

function wildcardTooBroad(domain: string, rules: AllowListRules): boolean {
  if (!domain.includes('.')) return true; // a top-level domain or an unqualified name
  if (WILDCARD_DNS_SERVICES.some((s) => domain === s || domain.endsWith(`.${s}`))) return true;
  return rules.isPublicSuffix?.(domain) === true;
}

// ---------------------------------------------------------------------------------------------
// The base URL

/**
 * The authority (`user@host:port`) as the caller wrote it after `<scheme>://`, so spellings the URL
 * parser rewrites show (2130706433, 0x7f.1, non-ASCII names); undefined when the input does not
 * start with `<scheme>://` (`https:host`, `https:\\host`, which the parser accepts as well).
 */
function authorityOf(input: string, url: URL): string | undefined {
  const prefix = `${url.protocol}//`;
  if (input.slice(0, prefix.length).toLowerCase() !== prefix) return undefined;
  const rest = input.slice(prefix.length);
  const end = rest.search(/[/?#\\]/);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The host of an authority as written, lower-cased: after any `user@`, before any `:port`. */
function hostOf(authority: string): string {
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1);
  const colon = hostPort.indexOf(':');
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
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
  const authority = authorityOf(input, url);
  // `@` alone (an empty user) leaves username and password empty, hence the look at the authority.
  if (url.username !== '' || url.password !== '' || authority?.includes('@') === true) {
    problems.push(`must not carry credentials (user:password@); ${SECRETS_BY_ARN}`);
  }
  if (url.pathname !== '/' || /[?#]/.test(input)) {
    problems.push('must be the bare origin (no path, query or fragment): the API lives at /api/v3/');
  }
  const hostname = url.hostname;
  if (hostname.endsWith('.')) problems.push('host must not end with a dot');
  if (authority === undefined || hostOf(authority) !== hostname) {
    problems.push(
      `host must be written in its canonical form (it is read as ${hostname}); ` +
        'decimal, hex, octal or shortened IP spellings and non-ASCII names are refused',
    );
  }
  const kind = classifyHost(hostname);
  const refused = refusedClass(kind, deployment);
  const loopbackAllowed = kind === 'loopback' && refused === undefined;
  if (refused) problems.push(`host ${hostname} is ${addressClassWords[refused]}, which is refused`);
  if (url.protocol === 'http:' && !loopbackAllowed) {
    problems.push('must use https (plain http only for a loopback host in the local world)');
  }
  if (deployment) {
    const entries = deployment.allowedAuthentikHosts.map(parseAllowedEntry).filter((e) => e !== undefined);
    const sameHost = entries.filter((entry) => hostMatches(entry, hostname));
    // URL drops a scheme's default port: https without one is 443 (plain http is refused above but
    // for loopback in the local world, which may use any port).
    const port = url.port === '' ? HTTPS_PORT : Number(url.port);
    if (sameHost.length === 0) {
      problems.push(`host ${hostname} is not on this deployment's allow-list of Authentik hosts`);
    } else if (!loopbackAllowed) {
      // Loopback in the local world may use any port: the emulator listens on a free port picked at
      // start, and loopback never leaves the machine. Everywhere else another port is another
      // service on the same host (an admin port, a sidecar), so it must be allowed by name.
      const ports = sameHost.map((entry) => entry.port ?? HTTPS_PORT);
      if (!ports.includes(port)) {
        problems.push(
          `port ${port} is not allowed for ${hostname}: the allow-list allows it on ${ports.join(', ')} ` +
            `(a port other than 443 is allowed only by an entry ${hostname}:<port>)`,
        );
      }
    }
  }
  return problems;
}
