// The Authentik base URL and the addresses the workflow may reach: the SSRF boundary.
//
// The workflow sends requests (carrying the Authentik token) to a tenant's Authentik from inside AWS,
// so a URL pointing at the instance metadata service or at a private service would turn the workflow
// into a proxy. Three guards, here and in address-class.ts (the address ranges):
//  - the deployment's allow-list of hosts (`host`, `*.domain`, `host:port`), read from configuration
//    and refused there when an entry is broader than one organisation's names (`allowListProblems`);
//  - the base URL of a spec (`checkAuthentikBaseUrl`): https, no credentials, a bare origin, a host
//    on the allow-list, port 443 unless the allow-list names another one, and no literal address of
//    a refused class in any spelling;
//  - every address a host name resolves to (`addressRefusal` in address-class.ts), checked at connect
//    time by the pinned transport (`authentik/pinned-transport.ts`), so a name on the allow-list that
//    resolves to the metadata service (DNS rebinding, `169.254.169.254.nip.io`) is refused as its
//    literal would be.
// This module is pure (no DNS, no sockets) so that every rule is unit tested.

import { isIP } from 'node:net';
import {
  type AddressRules,
  classifyHost,
  describeAddressClass,
  refusedClass,
  unbracket,
} from './address-class.ts';

const SECRETS_BY_ARN = 'secrets are referenced by ARN, never inline';

/**
 * What the deployment allows as an Authentik base URL (the SSRF boundary, see `checkAuthentikBaseUrl`):
 * its hosts, and which address classes it reaches (`AddressRules`: loopback, private addresses).
 */
export interface Deployment extends AddressRules {
  /**
   * Exact hosts (`auth.example.com`), `*.example.com` (any subdomain, not the apex) or `host:port`
   * (`auth.example.com:8443`); a host without a port is allowed on 443 only.
   */
  readonly allowedAuthentikHosts: readonly string[];
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
  if (refused) problems.push(`host ${hostname} is ${describeAddressClass(refused)}, which is refused`);
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
