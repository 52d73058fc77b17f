// A self-signed X.509 certificate for the seeded "authentik Self-signed Certificate" key pair. Node
// can parse certificates (X509Certificate) but not create them, so this writes the few DER
// structures a certificate needs; node:crypto signs it and parses it back. What matters for OIDC is
// the RSA key (JWKS, RS256); the certificate makes the key pair look as Authentik's does.
import { createPublicKey, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { newRsaKeyPairAsync } from '../rsa-key-pair.ts';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/**
 * A DER INTEGER for the unsigned big-endian `bytes`. DER wants the shortest form: leading zero bytes
 * dropped (a random serial starts with one now and then, and OpenSSL refuses the certificate with
 * "illegal padding"), then one zero put back only where the top bit would read as a sign.
 */
export function derPositiveInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = Buffer.from(bytes.subarray(start));
  return tlv(0x02, (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  // UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OIDS = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
};

// The subject Authentik's certificate builder writes: CN, then O=authentik, OU=Self-signed.
function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid(OIDS.commonName), utf8(commonName))),
    set(sequence(oid(OIDS.organization), utf8('authentik'))),
    set(sequence(oid(OIDS.organizationalUnit), utf8('Self-signed'))),
  );
}

export interface SelfSignedKeyPair {
  certificatePem: string;
  privateKeyPem: string;
  certificate: X509Certificate;
}

/** Writes and signs a certificate for an existing RSA private key. */
export function selfSignedCertificate(
  commonName: string,
  privateKey: KeyObject,
  validityDays = 365,
  now = new Date(),
): SelfSignedKeyPair {
  const algorithm = sequence(oid(OIDS.sha256WithRSAEncryption), nullValue());
  const notAfter = new Date(now.getTime() + validityDays * 86_400_000);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    explicit(0, tlv(0x02, Buffer.from([2]))), // v3
    derPositiveInteger(randomBytes(16)),
    algorithm,
    name(commonName),
    sequence(time(now), time(notAfter)),
    name(commonName),
    spki,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return {
    certificatePem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: new X509Certificate(certificatePem),
  };
}

/** A fresh RSA key and its self-signed certificate (2048 bits: Authentik uses 4096, which takes seconds to generate). */
export async function generateSelfSignedKeyPair(
  commonName: string,
  modulusLength = 2048,
): Promise<SelfSignedKeyPair> {
  const { privateKey } = await newRsaKeyPairAsync(modulusLength);
  return selfSignedCertificate(commonName, privateKey);
}
