// The test user's password: generated here, never chosen by a person, kept only in Secrets Manager
// (`{username, password}`) and in the body of Authentik's set_password request. Nothing in this file
// puts the value into an error message.
import { randomBytes } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { PreconditionError } from '#lib/errors.ts';
import { readSecretJson } from '#lib/secrets.ts';

export const storedPassword = z.object({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
});
export type StoredPassword = z.infer<typeof storedPassword>;

// Password policies commonly ask for upper and lower case, a digit and a symbol; base64url gives all
// four classes ('-' and '_' being the symbols) in most draws, and the loop redraws the rest.
const CLASSES = [/[A-Z]/, /[a-z]/, /[0-9]/, /[-_]/];

/** 32 random bytes (256 bits) as 43 base64url characters, with every character class present. */
export function generatePassword(): string {
  for (;;) {
    const candidate = randomBytes(32).toString('base64url');
    if (CLASSES.every((pattern) => pattern.test(candidate))) return candidate;
  }
}

function nameOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : '';
}

/**
 * The stored `{username, password}`, or undefined when there is none to use: no secret, one without
 * a value, one that does not hold the expected JSON, or one scheduled for deletion (putSecret
 * restores and overwrites it). Transient failures still throw, so a throttled read never makes a
 * run generate, and set, a new password.
 */
export async function readStoredPassword(
  secrets: SecretsManagerClient,
  secretId: string,
): Promise<StoredPassword | undefined> {
  try {
    return await readSecretJson(secrets, secretId, storedPassword);
  } catch (error) {
    if (error instanceof PreconditionError) return undefined;
    if (nameOf(error) === 'InvalidRequestException' || nameOf(error) === 'ResourceNotFoundException') {
      return undefined;
    }
    throw error;
  }
}
