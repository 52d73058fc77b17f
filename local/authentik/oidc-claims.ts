// Who the user is to a relying party: the subject per the provider's sub_mode, the scopes granted,
// and the claims the scope mappings yield.
import { createHash } from 'node:crypto';
import type { Account } from 'oidc-provider';
import type { AuthentikBackend, OidcProvider, OidcUser, SubMode } from './backend.ts';

// A stand-in for Authentik's install id, which salts its hashed user ids.
const INSTALL_ID = 'authentik-emulator';

/** The `sub` claim as Authentik derives it from the provider's sub_mode. */
export function subjectFor(user: OidcUser, subMode: SubMode): string {
  switch (subMode) {
    case 'user_id':
      return String(user.pk);
    case 'user_uuid':
      return user.uuid;
    case 'user_username':
      return user.username;
    case 'user_email':
      return user.email;
    default:
      // hashed_user_id, and user_upn for users without a upn attribute (the emulator keeps none).
      return createHash('sha256').update(`${user.pk}-${INSTALL_ID}`).digest('hex');
  }
}

/** Authentik grants the requested scopes its mappings know, or all of them when none are requested. */
export function grantedScopes(requested: string | undefined, configured: readonly string[]): string[] {
  const asked = new Set((requested ?? '').split(' ').filter(Boolean));
  if (asked.size === 0) return [...configured];
  return configured.filter((scope) => asked.has(scope));
}

const SAMPLE_USER: OidcUser = {
  pk: 0,
  uuid: '00000000-0000-0000-0000-000000000000',
  username: 'sample',
  name: 'Sample User',
  email: 'sample@example.invalid',
  isActive: true,
  groups: [],
};

/** The claim names each of the provider's scopes yields (oidc-provider filters claims by these). */
export async function claimNamesFor(backend: AuthentikBackend, provider: OidcProvider) {
  const names: Record<string, string[]> = {};
  for (const { scopeName, claims } of await scopeClaimNames(backend, provider)) names[scopeName] = claims;
  return names;
}

/** Each of the provider's scopes with the claims its mappings yield, for the discovery document. */
export async function scopeClaimNames(backend: AuthentikBackend, provider: OidcProvider) {
  const scopes: { scopeName: string; claims: string[] }[] = [];
  for (const scopeName of provider.scopeNames) {
    const claims = await backend.scopeClaims(scopeName, SAMPLE_USER, provider);
    if (claims) scopes.push({ scopeName, claims: Object.keys(claims).filter((claim) => claim !== 'sub') });
  }
  return scopes;
}

/** The consent stage's permission list: each granted scope with its mapping's description. */
export async function consentPermissions(
  backend: AuthentikBackend,
  provider: OidcProvider,
  scopes: readonly string[],
) {
  const permissions: { id: string; name: string }[] = [];
  for (const scope of scopes) {
    const name = await backend.scopeDescription(scope, provider);
    if (name) permissions.push({ id: scope, name });
  }
  return permissions;
}

/** oidc-provider's account for a user: claims come from the provider's scope mappings. */
export function accountFor(
  backend: AuthentikBackend,
  provider: OidcProvider,
  user: OidcUser,
  sub: string,
): Account {
  return {
    accountId: sub,
    async claims(_use, scope) {
      const claims: Record<string, unknown> = {};
      const granted = new Set(scope.split(' '));
      for (const name of provider.scopeNames) {
        if (!granted.has(name)) continue;
        Object.assign(claims, await backend.scopeClaims(name, user, provider));
      }
      return { ...claims, sub };
    },
  };
}
