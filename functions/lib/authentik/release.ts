// What differs, between the Authentik releases this product supports (2024.10 → 2026.8), in what it
// sends and reads; each difference is read off the releases' own API packages (@goauthentik/api).
// - redirect_uri_type: RedirectURIRequest has it from 2026.8 on; an older release does not know the
//   field (its serializer would drop it), so it is not sent there.
// - Group parents: a group's single `parent` became the list `parents` in 2026.2.
// - grant_types: OAuth2ProviderRequest has it from 2026.8 on, and the token endpoint refuses a grant
//   type the provider does not list (invalid_grant), so the product sets it.
// - A key pair's key type: `key_type` since 2026.2, `private_key_type` before (CertificateKeyPair),
//   which names an elliptic-curve key "ellipticcurve" (authentik/crypto/api.py); read from either.
// Every other difference of the models the product uses (fields a release adds or drops: a user's
// roles, a provider's logout_uri, an application's meta_hide, …) is in nothing it sends or reads.
// The version comes from GET /admin/version/, read once per client (version.ts); the preflight has
// already refused a version older than 2024.10 or one it cannot read.
import type { AuthentikClient } from './client.ts';
import { type AuthentikVersion, isAtLeast, parseAuthentikVersion, readVersion } from './version.ts';

export interface ReleaseFeatures {
  /** Redirect URIs carry `redirect_uri_type` (2026.8+). */
  redirectUriType: boolean;
  /** Groups have `parents`, a list (2026.2+); before, a single `parent`. */
  groupParents: boolean;
  /** Providers list their allowed `grant_types` (2026.8+). */
  grantTypes: boolean;
}

const since = (version: AuthentikVersion, year: number, month: number) =>
  isAtLeast(version, { year, month, patch: 0, text: `${year}.${month}` });

export function featuresOf(version: AuthentikVersion): ReleaseFeatures {
  return {
    redirectUriType: since(version, 2026, 8),
    groupParents: since(version, 2026, 2),
    grantTypes: since(version, 2026, 8),
  };
}

/** The newest release's features: what a version this product cannot read is assumed to speak. */
export const NEWEST_FEATURES: ReleaseFeatures = {
  redirectUriType: true,
  groupParents: true,
  grantTypes: true,
};

/** The features of the client's Authentik; the newest when its version cannot be read here. */
export async function releaseFeatures(client: AuthentikClient): Promise<ReleaseFeatures> {
  const text = await readVersion(client).catch(() => undefined);
  const version = text === undefined ? undefined : parseAuthentikVersion(text);
  return version ? featuresOf(version) : NEWEST_FEATURES;
}

/** A key pair's key type as the release names it (`key_type` 2026.2+, `private_key_type` before). */
export function keyTypeOf(pair: { key_type?: unknown; private_key_type?: unknown }): string | undefined {
  const type = pair.key_type ?? pair.private_key_type;
  return typeof type === 'string' && type !== '' ? type : undefined;
}
