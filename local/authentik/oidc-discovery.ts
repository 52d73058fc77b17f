// Authentik's own discovery document and key set, not oidc-provider's (which lists what
// oidc-provider supports, not what Authentik says).
// - The discovery document is ProviderInfoView.get_info (authentik/providers/oauth2/views/
//   provider.py): the issuer and every endpoint built from the request, the provider's single
//   signing algorithm, client_secret_post and client_secret_basic, the response types, modes, grant
//   types and PKCE methods Authentik lists, its scopes (openid always) and the claims its scope
//   mappings yield on top of the ones it always sets.
// - The key set is JWKSView (authentik/providers/oauth2/views/jwks.py): the signing key (and an
//   encryption key, which the emulator's providers never have) as JWKs with x5c, x5t and x5t#S256;
//   a provider without a key answers `{}`, without even a "keys" list.
import { createHash } from 'node:crypto';
import type { SigningKey } from './backend.ts';
import { certificateDerBase64, publicJwk } from './key-forms.ts';
import { AUTHENTIK_ACR, signingAlgorithm } from './oidc-instance.ts';

// ProviderInfoView.get_claims: what every token carries whatever the mappings.
const DEFAULT_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'nonce'];

export interface DiscoveryInput {
  /** `<scheme>://<host>` of the request (origin.ts). */
  origin: string;
  issuer: string;
  applicationSlug: string;
  signingKey: SigningKey | undefined;
  /** The provider's scope mappings' scope names and the claims each yields, ordered by scope name. */
  scopes: { scopeName: string; claims: string[] }[];
}

export function discoveryDocument(input: DiscoveryInput): Record<string, unknown> {
  const base = `${input.origin}/application/o`;
  const scopes = input.scopes.map((s) => s.scopeName);
  if (!scopes.includes('openid')) scopes.push('openid');
  const claims = [...DEFAULT_CLAIMS];
  for (const scope of [...input.scopes].sort((a, b) => a.scopeName.localeCompare(b.scopeName))) {
    claims.push(...scope.claims);
  }
  return {
    issuer: input.issuer,
    authorization_endpoint: `${base}/authorize/`,
    token_endpoint: `${base}/token/`,
    userinfo_endpoint: `${base}/userinfo/`,
    end_session_endpoint: `${base}/${input.applicationSlug}/end-session/`,
    introspection_endpoint: `${base}/introspect/`,
    revocation_endpoint: `${base}/revoke/`,
    device_authorization_endpoint: `${base}/device/`,
    response_types_supported: [
      'code',
      'id_token',
      'id_token token',
      'code token',
      'code id_token',
      'code id_token token',
    ],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    jwks_uri: `${base}/${input.applicationSlug}/jwks/`,
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'implicit',
      'client_credentials',
      'password',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    id_token_signing_alg_values_supported: [signingAlgorithm(input.signingKey)],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    acr_values_supported: [AUTHENTIK_ACR],
    scopes_supported: scopes,
    request_parameter_supported: false,
    claims_supported: claims,
    claims_parameter_supported: false,
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

const CURVES: Record<string, string> = { 'P-256': 'P-256', 'P-384': 'P-384', 'P-521': 'P-521' };

/** The provider's key set; `{}` without a signing key. */
export function keySet(key: SigningKey | undefined, kid: string | undefined): Record<string, unknown> {
  if (!key || !kid) return {};
  const jwk = publicJwk(key.privateKeyPem);
  const entry: Record<string, unknown> = { alg: signingAlgorithm(key), kid };
  if (jwk.kty === 'RSA') Object.assign(entry, { kty: 'RSA', use: 'sig', n: jwk.n, e: jwk.e });
  else if (jwk.kty === 'EC') {
    Object.assign(entry, {
      kty: 'EC',
      use: 'sig',
      x: jwk.x,
      y: jwk.y,
      crv: CURVES[jwk.crv ?? ''] ?? jwk.crv,
    });
  } else return { keys: [entry] };
  if (key.certificatePem) {
    const x5c = certificateDerBase64(key.certificatePem);
    const der = Buffer.from(x5c, 'base64');
    Object.assign(entry, {
      x5c: [x5c],
      x5t: createHash('sha1').update(der).digest('base64url'),
      'x5t#S256': createHash('sha256').update(der).digest('base64url'),
    });
  }
  return { keys: [entry] };
}
