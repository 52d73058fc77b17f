// Passwords are kept as salted scrypt hashes, so neither the store nor a dump of it holds the text.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export interface PasswordHash {
  salt: string;
  hash: string;
}

// Low scrypt cost: this is a local emulator, and every headless login checks a password.
const COST = { N: 1024, r: 8, p: 1 };

export function hashPassword(password: string): PasswordHash {
  const salt = randomBytes(16);
  return { salt: salt.toString('base64'), hash: scryptSync(password, salt, 32, COST).toString('base64') };
}

export function verifyPassword(stored: PasswordHash | null, password: string): boolean {
  if (stored === null) return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = scryptSync(password, Buffer.from(stored.salt, 'base64'), expected.length, COST);
  return timingSafeEqual(expected, actual);
}
