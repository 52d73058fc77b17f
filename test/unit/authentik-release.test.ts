// What the product adapts per Authentik release (functions/lib/authentik/release.ts).
import { describe, expect, it } from 'vitest';
import { featuresOf, keyTypeOf } from '#lib/authentik/release.ts';
import { parseAuthentikVersion } from '#lib/authentik/version.ts';

const features = (text: string) => {
  const version = parseAuthentikVersion(text);
  if (!version) throw new Error(`not a version: ${text}`);
  return featuresOf(version);
};

describe('featuresOf', () => {
  it('turns each difference on at the release that made it', () => {
    expect(features('2024.10.5')).toEqual({ redirectUriType: false, groupParents: false, grantTypes: false });
    expect(features('2025.10.4')).toEqual({ redirectUriType: false, groupParents: false, grantTypes: false });
    expect(features('2026.2.0')).toEqual({ redirectUriType: false, groupParents: true, grantTypes: false });
    expect(features('2026.8.3')).toEqual({ redirectUriType: true, groupParents: true, grantTypes: true });
  });
});

describe('keyTypeOf', () => {
  it('reads key_type (2026.2+) and private_key_type (before)', () => {
    expect(keyTypeOf({ key_type: 'rsa' })).toBe('rsa');
    expect(keyTypeOf({ private_key_type: 'ellipticcurve' })).toBe('ellipticcurve');
    expect(keyTypeOf({ key_type: null, private_key_type: 'rsa' })).toBe('rsa');
  });

  it('is undefined when the release names no type (no private key)', () => {
    expect(keyTypeOf({ private_key_type: null })).toBeUndefined();
    expect(keyTypeOf({})).toBeUndefined();
  });
});
