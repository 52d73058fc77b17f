// The SSRF boundary's pure rules: the class of every address range (both sides of each boundary),
// the allow-list entries and how broad they may be, the base URL with its port rule, and the refusal
// of a resolved address. Written to be strong under mutation testing (`npm run bench -- mutation`).
import { describe, expect, it } from 'vitest';
import {
  type AddressClass,
  addressRefusal,
  classifyAddress,
  classifyHost,
  describeAddressClass,
  refusedClass,
  unbracket,
} from '#lib/address-class.ts';
import {
  allowListProblems,
  checkAuthentikBaseUrl,
  type Deployment,
  localDeployment,
  parseAllowedEntry,
  WILDCARD_DNS_SERVICES,
} from '#lib/authentik-address.ts';

// [address, class]: each range's first and last address and the addresses just outside it.
const ipv4: [string, AddressClass][] = [
  // 0.0.0.0/8 "this network" (RFC 1122)
  ['0.0.0.0', 'unspecified'],
  ['0.255.255.255', 'unspecified'],
  ['1.0.0.0', 'public'],
  // 10.0.0.0/8 (RFC 1918)
  ['9.255.255.255', 'public'],
  ['10.0.0.0', 'private'],
  ['10.255.255.255', 'private'],
  ['11.0.0.0', 'public'],
  // 100.64.0.0/10 shared address space (RFC 6598)
  ['100.63.255.255', 'public'],
  ['100.64.0.0', 'private'],
  ['100.100.100.200', 'private'],
  ['100.127.255.255', 'private'],
  ['100.128.0.0', 'public'],
  // 127.0.0.0/8 loopback
  ['126.255.255.255', 'public'],
  ['127.0.0.0', 'loopback'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.255', 'loopback'],
  ['128.0.0.0', 'public'],
  // 169.254.0.0/16 link-local (RFC 3927), the metadata services
  ['169.253.255.255', 'public'],
  ['169.254.0.0', 'link-local'],
  ['169.254.169.254', 'link-local'],
  ['169.254.170.2', 'link-local'],
  ['169.254.255.255', 'link-local'],
  ['169.255.0.0', 'public'],
  // 172.16.0.0/12 (RFC 1918)
  ['172.15.255.255', 'public'],
  ['172.16.0.0', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.0', 'public'],
  // 192.0.0.0/24 protocol assignments, 192.0.2.0/24 TEST-NET-1; 192.0.1.0/24 between them is public
  ['191.255.255.255', 'public'],
  ['192.0.0.0', 'reserved'],
  ['192.0.0.255', 'reserved'],
  ['192.0.1.0', 'public'],
  ['192.0.1.1', 'public'],
  ['192.0.1.255', 'public'],
  ['192.0.2.0', 'reserved'],
  ['192.0.2.255', 'reserved'],
  ['192.0.3.0', 'public'],
  // 192.88.99.0/24 deprecated 6to4 relays (RFC 7526)
  ['192.88.98.255', 'public'],
  ['192.88.99.0', 'reserved'],
  ['192.88.99.255', 'reserved'],
  ['192.88.100.0', 'public'],
  // 192.168.0.0/16 (RFC 1918)
  ['192.167.255.255', 'public'],
  ['192.168.0.0', 'private'],
  ['192.168.255.255', 'private'],
  ['192.169.0.0', 'public'],
  // 198.18.0.0/15 benchmarking (RFC 2544)
  ['198.17.255.255', 'public'],
  ['198.18.0.0', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.20.0.0', 'public'],
  // 198.51.100.0/24 TEST-NET-2
  ['198.51.99.255', 'public'],
  ['198.51.100.0', 'reserved'],
  ['198.51.100.255', 'reserved'],
  ['198.51.101.0', 'public'],
  // 203.0.113.0/24 TEST-NET-3
  ['203.0.112.255', 'public'],
  ['203.0.113.0', 'reserved'],
  ['203.0.113.255', 'reserved'],
  ['203.0.114.0', 'public'],
  // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and the broadcast address
  ['223.255.255.255', 'public'],
  ['224.0.0.0', 'reserved'],
  ['239.255.255.255', 'reserved'],
  ['240.0.0.0', 'reserved'],
  ['255.255.255.255', 'reserved'],
  // globally reachable special-purpose ranges stay public
  ['192.31.196.1', 'public'],
  ['192.52.193.1', 'public'],
  ['192.175.48.1', 'public'],
  ['8.8.8.8', 'public'],
];

const ipv6: [string, AddressClass][] = [
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  // IPv4-compatible ::/96 (deprecated): the embedded address decides
  ['::2', 'unspecified'],
  ['::8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['::ffff:0:0', 'unspecified'],
  // IPv4-mapped ::ffff:0:0/96, in dotted and in hex form
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:a9fe:a9fe', 'link-local'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::ffff:808:808', 'public'],
  ['::ffff:192.0.2.1', 'reserved'],
  ['0:0:0:0:0:ffff:8.8.8.8', 'public'],
  ['0:0:0:0:0:ffff:c0a8:101', 'private'],
  // just outside ::/96 and ::ffff:0:0/96: not global unicast, so reserved
  ['::1:0:0', 'reserved'],
  ['::1:0:0:0', 'reserved'],
  ['::fffe:808:808', 'reserved'],
  ['::1:ffff:808:808', 'reserved'],
  // NAT64 64:ff9b::/96 embeds IPv4; 64:ff9b:1::/48 is local-use
  ['64:ff9b::a00:5', 'private'],
  ['64:ff9b::10.0.0.5', 'private'],
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['64:ff9b::808:808', 'public'],
  ['64:ff9b::1:808:808', 'reserved'],
  ['64:ff9a::808:808', 'reserved'],
  ['64:ff9b:1::1', 'reserved'],
  ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  // 100::/64 discard-only
  ['100::', 'reserved'],
  ['100::ffff:ffff:ffff:ffff', 'reserved'],
  // 2001::/23 IETF protocol assignments, 2001:db8::/32 documentation, just outside each
  ['2001::', 'reserved'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
  ['2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  ['2001:200::', 'public'],
  ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
  ['2001:db8::', 'reserved'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', 'reserved'],
  ['2001:db9::', 'public'],
  ['2001:4860:4860::8888', 'public'],
  // 6to4 2002::/16: the IPv4 address is bits 16-47
  ['2002:a00:1::', 'private'],
  ['2002:a9fe:a9fe::1', 'link-local'],
  ['2002:7f00:1::', 'loopback'],
  ['2002:c000:201::', 'reserved'],
  ['2002:808:808::', 'public'],
  ['2002:808:808:ffff:ffff:ffff:ffff:ffff', 'public'],
  ['2003::a00:1', 'public'],
  ['2000::', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
  // 3fff::/20 documentation (RFC 9637)
  ['3fff::', 'reserved'],
  ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  ['3fff:1000::', 'public'], // just outside 3fff::/20, still in 2000::/3
  // 5f00::/16 SRv6 (RFC 9602), outside global unicast anyway
  ['5f00::', 'reserved'],
  // outside 2000::/3: reserved whatever the rest
  ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  ['4000::', 'reserved'],
  ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  // EC2's IPv6 metadata endpoint, inside unique local fc00::/7
  ['fd00:ec2::254', 'metadata'],
  ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
  ['fd00:ec2::253', 'private'],
  ['fd00:ec2::255', 'private'],
  ['fd00:ec3::254', 'private'],
  ['fd01:ec2::254', 'private'],
  ['fd00:ec2:0:0:0:0:1:254', 'private'],
  ['fc00::', 'private'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private'],
  // fe80::/10 link-local, fec0::/10 deprecated site-local, ff00::/8 multicast
  ['fe00::', 'reserved'],
  ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  ['fe80::', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local'],
  ['fec0::', 'private'],
  ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private'],
  ['ff00::', 'reserved'],
  ['ff02::1', 'reserved'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  // shortened forms with groups on both sides of ::
  ['2606:4700::6810:85e5', 'public'],
  ['fd00:ec2:0::254', 'metadata'],
  ['64:ff9b:0:0:0:0:808:808', 'public'],
];

describe('classifyAddress', () => {
  it.each(ipv4)('IPv4 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(ipv6)('IPv6 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('is undefined for what is not an address, in any spelling net.isIP refuses', () => {
    for (const text of [
      '',
      'localhost',
      'auth.example.com',
      '127.1',
      '0x7f.0.0.1',
      '2130706433',
      '010.0.0.1',
    ]) {
      expect(classifyAddress(text)).toBeUndefined();
    }
    expect(classifyAddress('[::1]')).toBeUndefined();
  });
});

describe('classifyHost', () => {
  it('reads URL hostnames: bracketed IPv6, dotted IPv4', () => {
    expect(classifyHost('[::1]')).toBe('loopback');
    expect(classifyHost('[fd00:ec2::254]')).toBe('metadata');
    expect(classifyHost('[2606:4700::1]')).toBe('public');
    expect(classifyHost('169.254.169.254')).toBe('link-local');
    expect(classifyHost('10.1.2.3')).toBe('private');
  });

  it('takes localhost and its subdomains as loopback (RFC 6761), other names as public', () => {
    expect(classifyHost('localhost')).toBe('loopback');
    expect(classifyHost('api.localhost')).toBe('loopback');
    expect(classifyHost('notlocalhost')).toBe('public');
    expect(classifyHost('localhost.example.com')).toBe('public');
    expect(classifyHost('auth.example.com')).toBe('public');
  });

  it('unbrackets IPv6 literals only', () => {
    expect(unbracket('[::1]')).toBe('::1');
    expect(unbracket('auth.example.com')).toBe('auth.example.com');
    expect(unbracket('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('refusedClass and describeAddressClass', () => {
  const aws: Deployment = { allowedAuthentikHosts: [], allowLoopbackHttp: false };

  it('never refuses public, refuses link-local, metadata, unspecified and reserved always', () => {
    for (const deployment of [undefined, aws, localDeployment]) {
      expect(refusedClass('public', deployment)).toBeUndefined();
      for (const kind of ['link-local', 'metadata', 'unspecified', 'reserved'] as const) {
        expect(refusedClass(kind, deployment)).toBe(kind);
      }
    }
  });

  it('allows loopback only to the local world, and private addresses to no deployment', () => {
    expect(refusedClass('loopback', undefined)).toBe('loopback');
    expect(refusedClass('loopback', aws)).toBe('loopback');
    expect(refusedClass('loopback', localDeployment)).toBeUndefined();
    expect(refusedClass('private', undefined)).toBe('private');
    expect(refusedClass('private', aws)).toBe('private');
    expect(refusedClass('private', localDeployment)).toBe('private');
  });

  it('names every refused class in words', () => {
    expect(
      (['loopback', 'private', 'link-local', 'metadata', 'unspecified', 'reserved'] as const).map(
        describeAddressClass,
      ),
    ).toEqual([
      'a loopback address',
      'a private address',
      'a link-local address (the instance metadata service lives there)',
      'an instance metadata address',
      'the unspecified address',
      'a reserved, multicast or non-routable address',
    ]);
  });
});

describe('addressRefusal', () => {
  const aws: Deployment = { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false };

  it('names the host, the address it resolved to and the class', () => {
    expect(addressRefusal('auth.example.com', '169.254.169.254', aws)).toBe(
      'the Authentik host auth.example.com resolves to 169.254.169.254, a link-local address ' +
        '(the instance metadata service lives there): this deployment refuses it (SSRF boundary)',
    );
  });

  it('says "is" for a literal host', () => {
    expect(addressRefusal('10.0.0.1', '10.0.0.1', aws)).toBe(
      'the Authentik host 10.0.0.1 is a private address: this deployment refuses it (SSRF boundary)',
    );
  });

  it('lets public addresses through, and what the deployment allows', () => {
    expect(addressRefusal('auth.example.com', '8.8.8.8', aws)).toBeUndefined();
    expect(addressRefusal('auth.example.com', '2606:4700::1', aws)).toBeUndefined();
    expect(addressRefusal('auth.example.com', '10.0.0.1', aws)).toMatch(/a private address/);
    expect(addressRefusal('localhost', '127.0.0.1', localDeployment)).toBeUndefined();
    expect(addressRefusal('localhost', '::1', localDeployment)).toBeUndefined();
    expect(addressRefusal('localhost', '127.0.0.1', aws)).toMatch(/a loopback address/);
  });

  it('refuses what is not an address at all as reserved', () => {
    expect(addressRefusal('auth.example.com', 'not-an-address', localDeployment)).toMatch(
      /resolves to not-an-address, a reserved, multicast or non-routable address/,
    );
  });
});

describe('parseAllowedEntry', () => {
  it('reads host, *.domain and host:port, forgiving case, spaces and a trailing dot', () => {
    expect(parseAllowedEntry('auth.example.com')).toEqual({ host: 'auth.example.com', wildcard: false });
    expect(parseAllowedEntry('  Auth.Example.COM.  ')).toEqual({ host: 'auth.example.com', wildcard: false });
    expect(parseAllowedEntry('*.Example.com')).toEqual({ host: 'example.com', wildcard: true });
    expect(parseAllowedEntry('auth.example.com:8443')).toEqual({
      host: 'auth.example.com',
      wildcard: false,
      port: 8443,
    });
    expect(parseAllowedEntry('a:1')).toEqual({ host: 'a', wildcard: false, port: 1 });
    expect(parseAllowedEntry('a:65535')).toEqual({ host: 'a', wildcard: false, port: 65535 });
  });

  it('reads IP addresses, IPv6 bare or bracketed (with a port), in canonical form', () => {
    expect(parseAllowedEntry('10.0.0.5')).toEqual({ host: '10.0.0.5', wildcard: false });
    expect(parseAllowedEntry('10.0.0.5:8443')).toEqual({ host: '10.0.0.5', wildcard: false, port: 8443 });
    expect(parseAllowedEntry('::1')).toEqual({ host: '[::1]', wildcard: false });
    expect(parseAllowedEntry('FD00:0EC2:0:0:0:0:0:0254')).toEqual({
      host: '[fd00:ec2::254]',
      wildcard: false,
    });
    expect(parseAllowedEntry('[::1]')).toEqual({ host: '[::1]', wildcard: false });
    expect(parseAllowedEntry('[0:0::1]:8443')).toEqual({ host: '[::1]', wildcard: false, port: 8443 });
  });

  it('refuses anything else', () => {
    for (const entry of [
      '',
      '*.',
      '*',
      '*.*.example.com',
      'auth.example.com:',
      'auth.example.com:0',
      'auth.example.com:65536',
      'auth.example.com:99999',
      'auth.example.com:0443',
      'auth.example.com:+443',
      'auth.example.com:0x1bb',
      'auth.example.com:1e3',
      'auth.example.com: 443',
      'auth.example.com:443x',
      'auth.example.com:x443',
      '*.example.com:8443',
      '*.10.0.0.1',
      '*.[::1]',
      '[::1',
      '[::1:8',
      '[auth.example.com]',
      '[::1]x',
      '[x]auth.example.com',
      'https://auth.example.com/',
      'auth.example.com/path',
      'a b.example.com',
      'a_b.example.com',
      '-auth.example.com',
      'auth-.example.com',
      'auth..example.com',
      '.auth.example.com',
      'auth.example.com..',
      `${'a'.repeat(64)}.example.com`,
      'ауth.example.com',
      'user@auth.example.com',
    ]) {
      expect(parseAllowedEntry(entry), entry).toBeUndefined();
    }
  });

  it('takes labels of 1 to 63 letters, digits and inner hyphens', () => {
    for (const host of [
      `${'a'.repeat(63)}.example.com`,
      `x${'-'.repeat(61)}y.example.com`,
      'a.b.c',
      '9.example.com',
      'a-b.example.com',
      'xn--80ak6aa92e.com',
      '0a.z9',
    ]) {
      expect(parseAllowedEntry(host), host).toEqual({ host, wildcard: false });
    }
  });
});

describe('allowListProblems', () => {
  const aws = { ipLiterals: false };
  const tooBroad = (entry: string) =>
    `"${entry}" is too broad: a wildcard must be below a registrable domain (like *.example.com), ` +
    'not over a public suffix or a wildcard DNS service';

  it('accepts hosts, wildcards below a registrable domain and host:port', () => {
    expect(
      allowListProblems(
        ['auth.example.com', '*.idp.example.org', '*.example.co.uk', 'auth.example.com:8443'],
        {
          ...aws,
          isPublicSuffix: (domain) => domain === 'co.uk',
        },
      ),
    ).toEqual([]);
  });

  it('refuses a wildcard over a top-level domain or an unqualified name, with or without the list', () => {
    expect(allowListProblems(['*.com', '*.internal'], aws)).toEqual([
      tooBroad('*.com'),
      tooBroad('*.internal'),
    ]);
    expect(allowListProblems([' *.COM '], { ...aws, isPublicSuffix: () => false })).toEqual([
      tooBroad('*.COM'),
    ]);
  });

  it('refuses a wildcard over a public suffix the list names', () => {
    const isPublicSuffix = (domain: string) => ['co.uk', 'github.io'].includes(domain);
    expect(
      allowListProblems(['*.co.uk', '*.github.io', '*.example.co.uk'], { ...aws, isPublicSuffix }),
    ).toEqual([tooBroad('*.co.uk'), tooBroad('*.github.io')]);
    // Without the list (the functions' cold start) only the synth catches *.co.uk.
    expect(allowListProblems(['*.co.uk'], aws)).toEqual([]);
  });

  it('refuses a wildcard over, or under, every wildcard DNS service', () => {
    expect(WILDCARD_DNS_SERVICES).toEqual([
      'nip.io',
      'sslip.io',
      'xip.io',
      'traefik.me',
      'localtest.me',
      'lvh.me',
    ]);
    for (const service of WILDCARD_DNS_SERVICES) {
      expect(allowListProblems([`*.${service}`, `*.10.0.0.1.${service}`], aws)).toEqual([
        tooBroad(`*.${service}`),
        tooBroad(`*.10.0.0.1.${service}`),
      ]);
    }
    expect(allowListProblems(['*.notnip.io.example.com', '*.anip.io'], aws)).toEqual([]);
  });

  it('refuses IP addresses on AWS, names and wildcards stay', () => {
    const entries = ['10.0.0.5', '169.254.169.254:443', '::1', '[fd00:ec2::254]:80', 'auth.example.com'];
    const ip = (entry: string) =>
      `"${entry}" is an IP address: name Authentik by its DNS name (its TLS certificate does)`;
    expect(allowListProblems(entries, aws)).toEqual([
      ip('10.0.0.5'),
      ip('169.254.169.254:443'),
      ip('::1'),
      ip('[fd00:ec2::254]:80'),
    ]);
    expect(allowListProblems(entries, { ipLiterals: true })).toEqual([]);
  });

  it('refuses malformed entries, naming each', () => {
    expect(
      allowListProblems(['https://auth.example.com/', 'auth.example.com'], { ipLiterals: true }),
    ).toEqual(['"https://auth.example.com/" is not a host, *.domain or host:port entry']);
  });
});

describe('checkAuthentikBaseUrl', () => {
  const aws: Deployment = {
    allowedAuthentikHosts: ['authentik.example.com', '*.idp.example.org', 'alt.example.com:8443'],
    allowLoopbackHttp: false,
  };
  const ok = (url: string, deployment: Deployment | undefined = aws) =>
    expect(checkAuthentikBaseUrl(url, deployment), url).toEqual([]);
  const refused = (url: string, pattern: RegExp, deployment: Deployment | undefined = aws) => {
    const problems = checkAuthentikBaseUrl(url, deployment);
    expect(
      problems.some((p) => pattern.test(p)),
      `${url}: ${problems.join(' | ')}`,
    ).toBe(true);
  };

  it('accepts an https origin on the allow-list, on 443', () => {
    ok('https://authentik.example.com');
    ok('https://authentik.example.com/');
    ok('https://authentik.example.com:443');
    ok('https://a.idp.example.org');
    ok('https://a.b.idp.example.org');
    ok('https://alt.example.com:8443');
  });

  it('refuses what is not an https origin', () => {
    expect(checkAuthentikBaseUrl('authentik.example.com', aws)).toEqual([
      'must be an absolute URL like https://authentik.example.com',
    ]);
    refused('ftp://authentik.example.com', /^must use https$/);
    refused('http://authentik.example.com', /plain http only for a loopback host/);
    refused('https://authentik.example.com/api/v3', /bare origin/);
    refused('https://authentik.example.com/?', /bare origin/);
    refused('https://authentik.example.com/#', /bare origin/);
    refused('https://authentik.example.com?a=1', /bare origin/);
  });

  it('refuses credentials in every form', () => {
    const credentials =
      /must not carry credentials \(user:password@\); secrets are referenced by ARN, never inline/;
    refused('https://user@authentik.example.com', credentials);
    refused('https://:pw@authentik.example.com', credentials);
    refused('https://@authentik.example.com', credentials);
    refused('https://user:pw@authentik.example.com', credentials);
  });

  it('refuses non-canonical host spellings, naming what they are read as', () => {
    const spelling = (host: string) =>
      new RegExp(
        `host must be written in its canonical form \\(it is read as ${host.replace(/[.[\]]/g, '\\$&')}\\)`,
      );
    refused('https://2130706433', spelling('127.0.0.1'));
    refused('https://0x7f.1', spelling('127.0.0.1'));
    refused('https://0251.0376.0251.0376', spelling('169.254.169.254'));
    refused('https://[::FFFF:127.0.0.1]', spelling('[::ffff:7f00:1]'));
    refused('https://authentïk.example.com', /canonical form/);
    refused('https:\\\\2130706433', spelling('127.0.0.1'));
    refused('https://user@0x7f.1:443', spelling('127.0.0.1'));
    // Case and a default port are canonicalised silently; they name the same host.
    ok('https://Authentik.EXAMPLE.com:443');
    expect(checkAuthentikBaseUrl('https://authentik.example.com.', aws)).toEqual([
      'host must not end with a dot',
      "host authentik.example.com. is not on this deployment's allow-list of Authentik hosts",
    ]);
  });

  it('names each problem once, and only the problems there are', () => {
    const credentials =
      'must not carry credentials (user:password@); secrets are referenced by ARN, never inline';
    const canonical =
      'host must be written in its canonical form (it is read as authentik.example.com); ' +
      'decimal, hex, octal or shortened IP spellings and non-ASCII names are refused';
    const origin = 'must be the bare origin (no path, query or fragment): the API lives at /api/v3/';
    expect(checkAuthentikBaseUrl('https://user@authentik.example.com', aws)).toEqual([credentials]);
    expect(checkAuthentikBaseUrl('https://@authentik.example.com', aws)).toEqual([credentials]);
    expect(checkAuthentikBaseUrl('https://a:b@authentik.example.com:443', aws)).toEqual([credentials]);
    expect(checkAuthentikBaseUrl('https://authentik.example.com?a=1', aws)).toEqual([origin]);
    expect(checkAuthentikBaseUrl('https://authentik.example.com#top', aws)).toEqual([origin]);
    expect(checkAuthentikBaseUrl('https://authentik.example.com/x', aws)).toEqual([origin]);
    expect(checkAuthentikBaseUrl('https://authentik.example.com\\x', aws)).toEqual([origin]);
    // Forms the URL parser accepts without `//`: not canonical.
    expect(checkAuthentikBaseUrl('https:authentik.example.com', aws)).toEqual([canonical]);
    expect(checkAuthentikBaseUrl('https:/authentik.example.com', aws)).toEqual([canonical]);
    expect(checkAuthentikBaseUrl('https:\\\\authentik.example.com', aws)).toEqual([canonical]);
    expect(checkAuthentikBaseUrl('https:\\\\user@authentik.example.com', aws)).toEqual([
      credentials,
      canonical,
    ]);
    expect(checkAuthentikBaseUrl('https:\\\\:pw@authentik.example.com', aws)).toEqual([
      credentials,
      canonical,
    ]);
    // Case is not a spelling problem: the scheme and the host are read case-insensitively.
    expect(checkAuthentikBaseUrl('HTTPS://AUTHENTIK.example.com', aws)).toEqual([]);
    expect(
      checkAuthentikBaseUrl('https://[2606:4700::ABCD]:8443', {
        allowedAuthentikHosts: ['[2606:4700::abcd]:8443'],
        allowLoopbackHttp: false,
      }),
    ).toEqual([]);
  });

  it('refuses every non-public address class, naming host and class', () => {
    refused(
      'https://169.254.169.254',
      /^host 169\.254\.169\.254 is a link-local address .*, which is refused$/,
    );
    refused(
      'https://[fd00:ec2::254]',
      /^host \[fd00:ec2::254\] is an instance metadata address, which is refused$/,
    );
    refused('https://10.0.0.5', /a private address/);
    refused('https://127.0.0.1', /a loopback address/);
    refused('https://localhost', /a loopback address/);
    refused('https://0.0.0.0', /the unspecified address/);
    refused('https://224.0.0.1', /a reserved/);
    refused('https://[::ffff:a9fe:a9fe]', /link-local/);
  });

  it('refuses private addresses on every deployment, and loopback outside the local world', () => {
    const listed: Deployment = { allowedAuthentikHosts: ['10.0.0.5', '127.0.0.1'], allowLoopbackHttp: false };
    refused('https://10.0.0.5', /private address/, listed);
    refused('https://10.0.0.5', /private address/, { ...listed, allowLoopbackHttp: true });
    refused('https://127.0.0.1', /loopback/, listed);
    refused('https://169.254.169.254', /link-local/, {
      allowedAuthentikHosts: ['169.254.169.254'],
      allowLoopbackHttp: true,
    });
  });

  it('checks only the rules that hold everywhere without a deployment', () => {
    expect(checkAuthentikBaseUrl('https://anything.example.net:8443')).toEqual([]);
    expect(checkAuthentikBaseUrl('https://127.0.0.1')).toEqual([
      'host 127.0.0.1 is a loopback address, which is refused',
    ]);
    expect(checkAuthentikBaseUrl('http://anything.example.net')).toEqual([
      'must use https (plain http only for a loopback host in the local world)',
    ]);
  });

  it('refuses a host off the allow-list, and the apex of a wildcard', () => {
    const offList = (host: string) => new RegExp(`^host ${host} is not on this deployment's allow-list`);
    refused('https://evil.example.com', offList('evil.example.com'));
    refused('https://idp.example.org', offList('idp.example.org'));
    refused('https://badidp.example.org', offList('badidp.example.org'));
    refused('https://.idp.example.org', offList('.idp.example.org'));
    refused('https://authentik.example.com.evil.net', offList('authentik.example.com.evil.net'));
    refused('https://x.authentik.example.com', offList('x.authentik.example.com'));
  });

  it('ignores malformed allow-list entries rather than matching them', () => {
    refused('https://evil.example.com', /not on this deployment's allow-list/, {
      allowedAuthentikHosts: ['*.', '*', 'evil.example.com/x'],
      allowLoopbackHttp: false,
    });
  });

  describe('ports', () => {
    it('refuses another port unless an entry names it', () => {
      expect(checkAuthentikBaseUrl('https://authentik.example.com:8443', aws)).toEqual([
        'port 8443 is not allowed for authentik.example.com: the allow-list allows it on 443 ' +
          '(a port other than 443 is allowed only by an entry authentik.example.com:<port>)',
      ]);
      refused('https://a.idp.example.org:444', /port 444 is not allowed for a\.idp\.example\.org/);
      refused(
        'https://alt.example.com',
        /port 443 is not allowed for alt\.example\.com: the allow-list allows it on 8443/,
      );
      refused('https://alt.example.com:8444', /port 8444 is not allowed/);
    });

    it('takes every entry for the host into account', () => {
      const both: Deployment = {
        allowedAuthentikHosts: ['auth.example.com', 'auth.example.com:8443'],
        allowLoopbackHttp: false,
      };
      ok('https://auth.example.com', both);
      ok('https://auth.example.com:8443', both);
      expect(checkAuthentikBaseUrl('https://auth.example.com:9443', both)).toEqual([
        'port 9443 is not allowed for auth.example.com: the allow-list allows it on 443, 8443 ' +
          '(a port other than 443 is allowed only by an entry auth.example.com:<port>)',
      ]);
    });

    it('lets loopback in the local world use any port, over http', () => {
      ok('http://127.0.0.1:9000', localDeployment);
      ok('http://localhost:9000', localDeployment);
      ok('http://[::1]:9000', localDeployment);
      ok('http://127.0.0.1', localDeployment);
      ok('https://localhost:8443', localDeployment);
      refused('http://127.0.0.2:9000', /not on this deployment's allow-list/, localDeployment);
    });

    it('holds the port rule for loopback outside the local world', () => {
      const vpc: Deployment = { allowedAuthentikHosts: ['127.0.0.1'], allowLoopbackHttp: false };
      const problems = checkAuthentikBaseUrl('https://127.0.0.1:9000', vpc);
      expect(problems).toContain(
        'port 9000 is not allowed for 127.0.0.1: the allow-list allows it on 443 ' +
          '(a port other than 443 is allowed only by an entry 127.0.0.1:<port>)',
      );
    });

    it('matches an IPv6 entry with a port', () => {
      const v6: Deployment = {
        allowedAuthentikHosts: ['[2606:4700::1]:8443'],
        allowLoopbackHttp: false,
      };
      ok('https://[2606:4700::1]:8443', v6);
      refused('https://[2606:4700::1]', /port 443 is not allowed/, v6);
    });
  });
});
