// A signing key's PEM in the forms the emulator's OIDC answers need (its private and public JWK, its
// certificate's DER), parsed once per key rather than on every discovery, JWKS or token request:
// parsing and exporting an RSA key cost ~4 ms of CPU per verification, the same work every time. A
// key is known by its PEM text, so a replaced key pair is parsed anew.
import { createPrivateKey, createPublicKey, type JsonWebKey, X509Certificate } from 'node:crypto';

/** Far more keys than an emulator holds; past it the memo starts over rather than grow. */
const MAX_KEYS = 256;

function memo<T>(parse: (pem: string) => T): (pem: string) => T {
  const parsed = new Map<string, T>();
  return (pem) => {
    let found = parsed.get(pem);
    if (found === undefined) {
      if (parsed.size >= MAX_KEYS) parsed.clear();
      found = parse(pem);
      parsed.set(pem, found);
    }
    return found;
  };
}

/** The private key as a JWK (read-only: callers copy what they hand out). */
export const privateJwk: (pem: string) => Readonly<JsonWebKey> = memo((pem) =>
  Object.freeze(createPrivateKey(pem).export({ format: 'jwk' })),
);

/** The public half of a private key PEM, as a JWK. */
export const publicJwk: (pem: string) => Readonly<JsonWebKey> = memo((pem) =>
  Object.freeze(createPublicKey(pem).export({ format: 'jwk' })),
);

/** A certificate PEM's DER bytes, base64 (what `x5c` carries). */
export const certificateDerBase64: (pem: string) => string = memo((pem) =>
  new X509Certificate(pem).raw.toString('base64'),
);
