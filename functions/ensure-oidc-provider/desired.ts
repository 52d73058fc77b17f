// What the tenant's OAuth2/OIDC provider must say, and how an existing provider differs from it.
//
// Redirect URIs: the provider exists only to serve this tenant's Cognito user pool, so its
// authorization redirect URIs are converged to exactly the strict `https://<cognito-domain>/oauth2/
// idpresponse`. Any other authorization URI is a place Authentik would send authorization codes to
// that this product cannot vouch for (an extra regex URI is the classic open redirect), so apply
// removes it and check reports it. Logout redirect URIs (`redirect_uri_type: logout`) never carry a
// code and are kept as found.
import type {
  OAuth2Provider,
  OAuth2ProviderBody,
  OAuth2ProviderPatch,
  RedirectUri,
} from '#lib/authentik/providers.ts';
import { strictRedirectUri } from '#lib/authentik/providers.ts';
import type { Drift } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { ProviderReferences } from './references.ts';

/** Authentik's default, and what Cognito needs: a stable, opaque `sub` per user and provider. */
export const SUB_MODE = 'hashed_user_id';

export function desiredProvider(
  spec: TenantSpec,
  refs: ProviderReferences,
  redirectUri: string,
): OAuth2ProviderBody {
  return {
    name: spec.authentik.providerName,
    authorization_flow: refs.authorizationFlow.pk,
    invalidation_flow: refs.invalidationFlow.pk,
    client_type: 'confidential',
    signing_key: refs.signingKey.pk,
    property_mappings: [...refs.scopeMappings],
    redirect_uris: [strictRedirectUri(redirectUri, refs.features.redirectUriType)],
    sub_mode: SUB_MODE,
    // The issuer is then https://<host>/application/o/<slug>/, the one Cognito is given.
    issuer_mode: 'per_provider',
    // Cognito reads the user's email from the ID token (it maps email to the pool's required
    // attribute); with false Authentik leaves the scope claims to userinfo.
    include_claims_in_id_token: true,
    // Cognito exchanges a code and nothing else; from 2026.8 a provider allows only the grant
    // types it lists (release.ts), so the list is set rather than left to the release's default.
    ...(refs.features.grantTypes ? { grant_types: [...GRANT_TYPES] } : {}),
  };
}

/** The grant types Cognito uses: the authorization code flow only. */
export const GRANT_TYPES = ['authorization_code'] as const;

function isAuthorizationUri(uri: RedirectUri): boolean {
  return (uri.redirect_uri_type ?? 'authorization') === 'authorization';
}

function sameRedirectUri(a: RedirectUri, b: RedirectUri): boolean {
  return (
    a.url === b.url && a.matching_mode === b.matching_mode && isAuthorizationUri(a) === isAuthorizationUri(b)
  );
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

type ScalarField =
  | 'name'
  | 'authorization_flow'
  | 'invalidation_flow'
  | 'client_type'
  | 'signing_key'
  | 'sub_mode'
  | 'issuer_mode'
  | 'include_claims_in_id_token';
const SCALAR_FIELDS: readonly ScalarField[] = [
  'name',
  'authorization_flow',
  'invalidation_flow',
  'client_type',
  'signing_key',
  'sub_mode',
  'issuer_mode',
  'include_claims_in_id_token',
];

/** Each field that differs, with what it should be and what it is (none of them secret). */
export function providerDrift(desired: OAuth2ProviderBody, provider: OAuth2Provider): Drift[] {
  const drift: Drift[] = [];
  for (const field of SCALAR_FIELDS) {
    const actual = provider[field] ?? null;
    if (actual !== desired[field]) drift.push({ field, expected: desired[field], actual });
  }
  if (desired.grant_types !== undefined && !sameMembers(desired.grant_types, provider.grant_types ?? [])) {
    drift.push({ field: 'grant_types', expected: desired.grant_types, actual: provider.grant_types ?? [] });
  }
  const mappings = desired.property_mappings ?? [];
  if (!sameMembers(mappings, provider.property_mappings ?? [])) {
    drift.push({ field: 'property_mappings', expected: mappings, actual: provider.property_mappings ?? [] });
  }
  const wanted = desired.redirect_uris;
  const authorizationUris = provider.redirect_uris.filter(isAuthorizationUri);
  const exact =
    authorizationUris.length === wanted.length &&
    wanted.every((uri) => authorizationUris.some((found) => sameRedirectUri(uri, found)));
  if (!exact) drift.push({ field: 'redirect_uris', expected: wanted, actual: authorizationUris });
  return drift;
}

/** The PATCH that converges `provider`: only the fields that differ. */
export function providerPatch(desired: OAuth2ProviderBody, provider: OAuth2Provider): OAuth2ProviderPatch {
  const patch: OAuth2ProviderPatch = {};
  for (const { field } of providerDrift(desired, provider)) {
    if (field === 'redirect_uris') {
      // The logout URIs stay; the authorization URIs become exactly ours.
      const logout = provider.redirect_uris.filter((uri) => !isAuthorizationUri(uri));
      patch.redirect_uris = [...desired.redirect_uris, ...logout];
    } else if (field === 'property_mappings') {
      patch.property_mappings = desired.property_mappings ?? [];
    } else if (field === 'grant_types') {
      patch.grant_types = desired.grant_types ?? [];
    } else {
      Object.assign(patch, { [field]: desired[field as ScalarField] });
    }
  }
  return patch;
}
