// The issuer's JSON Web Key Set, as Cognito reads it to check ID token signatures: fetched from the
// `jwks_uri` the discovery document names, on the tenant's Authentik origin only.
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { jsonObject, requestAuthentik } from './authentik-http.ts';
import type { CheckContext, Jwk, KeySetResult } from './types.ts';

export async function fetchKeySet(context: CheckContext): Promise<KeySetResult> {
  const discovery = await context.discovery();
  if (!discovery.ok) return { ok: false, why: 'the discovery document could not be read' };
  const url = discovery.document.jwks_uri;
  if (typeof url !== 'string') return { ok: false, why: 'the discovery document names no jwks_uri' };
  const answer = await requestAuthentik(
    url,
    context.spec.authentik.baseUrl,
    { headers: { accept: 'application/json' } },
    {
      fetch: context.http,
      ...(context.clients.timeoutMs ? { timeoutMs: context.clients.timeoutMs } : {}),
    },
  );
  if (!answer.ok) return { ok: false, url, why: `the key set at ${url} ${answer.why}` };
  if (answer.status !== 200)
    return { ok: false, url, why: `the key set at ${url} answered HTTP ${answer.status}` };
  const document = jsonObject(answer.body);
  // A provider without a signing key answers `{}`: Authentik's JWKSView adds "keys" only when it has
  // one (authentik/providers/oauth2/views/jwks.py). That is an empty key set, not an unreadable one.
  const keys = document && !('keys' in document) ? [] : document?.keys;
  if (!Array.isArray(keys)) return { ok: false, url, why: `the key set at ${url} has no "keys" list` };
  return { ok: true, url, keys: keys.filter((key): key is Jwk => !!key && typeof key === 'object') };
}

/** Keys Cognito can check an RS256 signature with: RSA, for signing, RS256 or unspecified. */
export function rs256Keys(keys: readonly Jwk[]): Jwk[] {
  return keys.filter(
    (key) =>
      key.kty === 'RSA' &&
      typeof key.n === 'string' &&
      typeof key.e === 'string' &&
      (key.alg === undefined || key.alg === 'RS256') &&
      (key.use === undefined || key.use === 'sig'),
  );
}

export function publicKeyOf(key: Jwk): KeyObject {
  return createPublicKey({ key: { kty: key.kty, n: key.n, e: key.e } as JsonWebKey, format: 'jwk' });
}

/** SHA-256 of the key's certificate (`x5c[0]`, DER in base64), as Authentik prints fingerprints. */
export function certificateFingerprint(key: Jwk): string | undefined {
  const der = key.x5c?.[0];
  if (typeof der !== 'string') return undefined;
  return createHash('sha256').update(Buffer.from(der, 'base64')).digest('hex');
}

/** `AB:CD:…` or `abcd…` → `abcd…`. */
export function plainFingerprint(text: string): string {
  return text.replaceAll(':', '').toLowerCase();
}
