// RSA key pairs for the local world and the tests, as KeyObjects of their own.
//
// Node 20's generateKeyPairSync returns KeyObjects that share their key data, and its lock, with
// the key generation job. When a garbage collection runs while such a key is being exported (the
// export allocates the strings it returns, which can start one) and the collection finalizes the
// job, the job's destructor waits for the lock the export holds, on the same thread: the process
// hangs for good. A test run hung so, its main thread in KeyGenJob's destructor under
// KeyObjectHandle::ExportJWK. Asking the job for PEM and parsing it back gives keys that share
// nothing with the job.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
  type RSAKeyPairOptions,
} from 'node:crypto';

export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The private key as PKCS #8 PEM. */
  privateKeyPem: string;
}

const asPem: Omit<RSAKeyPairOptions<'pem', 'pem'>, 'modulusLength'> = {
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
};

function parsed(pem: { publicKey: string; privateKey: string }): RsaKeyPair {
  return {
    privateKey: createPrivateKey(pem.privateKey),
    publicKey: createPublicKey(pem.publicKey),
    privateKeyPem: pem.privateKey,
  };
}

export function newRsaKeyPair(modulusLength = 2048): RsaKeyPair {
  return parsed(generateKeyPairSync('rsa', { modulusLength, ...asPem }));
}

/** The same, generated on libuv's thread pool: a caller that starts a server does not block on it. */
export function newRsaKeyPairAsync(modulusLength = 2048): Promise<RsaKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength, ...asPem }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve(parsed({ publicKey, privateKey })),
    );
  });
}
