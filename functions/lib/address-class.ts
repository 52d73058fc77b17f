// The classes of IP addresses the workflow may not reach (loopback, private, link-local with the
// instance metadata service, ...), from the IANA special-purpose registries, and the refusal of an
// address by a deployment's rules. Part of the SSRF boundary (authentik-address.ts): the base URL
// check classifies a literal host with it, the pinned transport every address a name resolves to.
// Pure (no DNS, no sockets), so every range is unit tested on both sides of each boundary.

import { isIP } from 'node:net';

/** What a deployment says about reaching addresses (the address part of its `Deployment`). */
export interface AddressRules {
  /** The local world: loopback hosts are not refused, may be reached over plain http and on any port. */
  readonly allowLoopbackHttp: boolean;
}

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local' // includes the instance metadata service 169.254.169.254
  | 'metadata'
  | 'unspecified'
  | 'reserved';
/** The classes the workflow may be kept from reaching. */
export type Refused = Exclude<AddressClass, 'public'>;

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
export function refusedClass(kind: AddressClass, deployment: AddressRules | undefined): Refused | undefined {
  switch (kind) {
    case 'public':
      return undefined;
    case 'loopback':
      return deployment?.allowLoopbackHttp === true ? undefined : kind;
    default:
      // Private ranges too: Cognito itself fetches the issuer's discovery document, JWKS and token
      // endpoint over the internet, so an Authentik reachable only at a private address can never be
      // federated, and reaching one would only widen the SSRF boundary.
      return kind; // private, link-local, metadata, unspecified and reserved: never
  }
}

/**
 * Why the workflow may not connect to `address`, which `host` resolved to; undefined when it may.
 * The same rule as for a literal host, applied to every address a name resolves to.
 */
export function addressRefusal(host: string, address: string, deployment: AddressRules): string | undefined {
  const refused = refusedClass(classifyAddress(address) ?? 'reserved', deployment);
  if (refused === undefined) return undefined;
  const what = host === address ? 'is' : `resolves to ${address},`;
  return `the Authentik host ${host} ${what} ${addressClassWords[refused]}: this deployment refuses it (SSRF boundary)`;
}
