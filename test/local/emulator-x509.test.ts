// The emulator's self-signed certificate: its DER must be what OpenSSL accepts whatever the random
// serial is (a serial starting with a zero byte once made the emulator fail to start).
import { describe, expect, it } from 'vitest';
import { derPositiveInteger, selfSignedCertificate } from '#local/authentik/x509.ts';
import { newRsaKeyPair } from '#local/rsa-key-pair.ts';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('derPositiveInteger', () => {
  it('drops leading zero bytes', () => {
    expect(hex(derPositiveInteger(Buffer.from([0, 0, 0x12, 0x34])))).toBe('02021234');
  });

  it('keeps one zero where the top bit would read as a sign', () => {
    expect(hex(derPositiveInteger(Buffer.from([0, 0, 0x92])))).toBe('02020092');
    expect(hex(derPositiveInteger(Buffer.from([0x92, 0x01])))).toBe('0203009201');
  });

  it('writes zero as one zero byte', () => {
    expect(hex(derPositiveInteger(Buffer.from([0, 0])))).toBe('020100');
  });
});

describe('selfSignedCertificate', () => {
  const { privateKey } = newRsaKeyPair(1024);

  it('is parsed by OpenSSL with the subject Authentik writes', () => {
    const pair = selfSignedCertificate('authentik Self-signed Certificate', privateKey);
    expect(pair.certificate.subject).toContain('CN=authentik Self-signed Certificate');
    expect(pair.certificate.subject).toContain('O=authentik');
    expect(pair.certificate.checkPrivateKey(privateKey)).toBe(true);
  });
});
