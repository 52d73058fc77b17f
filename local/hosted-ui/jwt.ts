// JSON web tokens for the local hosted UI: the pool's own RS256 tokens, and the checks Cognito makes
// on an OIDC identity provider's ID token. node:crypto only, so the local world adds no dependency.
// Cognito signs user pool tokens with RS256 and publishes the keys at
// https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
import {
  createHmac,
  createPublicKey,
  createSign,
  createVerify,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { newRsaKeyPair } from '../rsa-key-pair.ts';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = newRsaKeyPair();
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const input = `${b64({ kid: key.kid, alg: 'RS256' })}.${b64(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

export interface DecodedJwt {
  header: { kid?: string; alg?: string };
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [header, payload, signature] = parts as [string, string, string];
    return {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
      payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
      signingInput: `${header}.${payload}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

const RSA_HASHES: Record<string, string> = { RS256: 'RSA-SHA256', RS384: 'RSA-SHA384', RS512: 'RSA-SHA512' };
const HMAC_HASHES: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/**
 * Whether the token's signature holds: RSA against the key of the IdP's `jwks_uri` its `kid`
 * names, HMAC against the client secret. The OIDC IdP page's prerequisites list what Cognito
 * accepts: ID tokens signed "with HMAC-SHA, ECDSA, or RSA algorithms", a `kid` published at the
 * `jwks_uri` and named in the token
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html).
 * ECDSA is not needed by the Authentik emulator and answers false here.
 */
export function signatureHolds(
  token: DecodedJwt,
  keys: readonly (JsonWebKey & { kid?: string })[],
  clientSecret: string,
): boolean {
  const alg = token.header.alg ?? '';
  const hmac = HMAC_HASHES[alg];
  if (hmac) {
    const expected = createHmac(hmac, clientSecret).update(token.signingInput).digest();
    return expected.length === token.signature.length && timingSafeEqual(expected, token.signature);
  }
  const rsa = RSA_HASHES[alg];
  const jwk = keys.find((key) => key.kid !== undefined && key.kid === token.header.kid);
  if (!rsa || !jwk) return false;
  try {
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    return createVerify(rsa).update(token.signingInput).verify(publicKey, token.signature);
  } catch {
    return false;
  }
}
