// What rotating each kind of secret means: its value, the new value createSecret makes, where
// setSecret writes it, and the secret ids the verification reads it by.
//
// oidc-client: `{client_id, client_secret}`, shared by Authentik's provider (one secret per provider)
// and Cognito's identity provider. The client id stays; only the secret is new. Authentik makes a
// provider's secret as 128 characters of letters and digits (authentik/providers/oauth2/models.py,
// `generate_client_secret` = authentik/lib/generators.py `generate_id(128)`, ascii letters and
// digits); the new one is made the same way, so nothing that takes Authentik's own secrets refuses it.
//
// test-user: `{username, password}`, set in Authentik with set_password
// (POST /core/users/{id}/set_password/, UserPasswordSetRequest, in @goauthentik/api's schema.yml).
import { randomInt } from 'node:crypto';
import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as z from 'zod/mini';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { getProvider, updateProvider } from '#lib/authentik/providers.ts';
import { getUser, setUserPassword } from '#lib/authentik/users.ts';
import { cognitoFind, cognitoSend, scrubMessage } from '#lib/cognito.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { DISCOVERED_DETAILS } from '../ensure-identity-provider/core.ts';
import { generatePassword, storedPassword } from '../ensure-test-user/password.ts';
import type { RotatedKind } from './event.ts';

export const oidcClient = z.object({
  client_id: z.string().check(z.minLength(1)),
  client_secret: z.string().check(z.minLength(1)),
});
export type OidcClient = z.infer<typeof oidcClient>;

export interface SetClients {
  cognito: CognitoIdentityProviderClient;
  authentik: AuthentikClient;
  /** Told the moment each side has taken the new value (the window between them is measured). */
  onWrite?: ((side: 'authentik' | 'cognito', at: number) => void) | undefined;
}

/** Which sides setSecret wrote (empty: both held the pending value already). */
export type Written = ('authentik' | 'cognito')[];

const LETTERS_AND_DIGITS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function generateClientSecret(length = 128): string {
  let secret = '';
  for (let i = 0; i < length; i += 1) secret += LETTERS_AND_DIGITS[randomInt(LETTERS_AND_DIGITS.length)];
  return secret;
}

/** An error with `secret` cut out of its message and stack, whatever said it. */
export function withoutValue(error: unknown, secret: string): unknown {
  if (!(error instanceof Error)) return new Error(scrubMessage(String(error), [secret]));
  error.message = scrubMessage(error.message, [secret]);
  if (error.stack) error.stack = scrubMessage(error.stack, [secret]);
  return error;
}

function need<K extends keyof Resources>(
  resources: Resources,
  key: K,
  kind: RotatedKind,
): NonNullable<Resources[K]> {
  const value = resources[key];
  if (value === undefined || value === null) {
    throw new PreconditionError(
      `rotating the ${kind} secret needs resources.${String(key)}: provision the tenant first`,
    );
  }
  return value as NonNullable<Resources[K]>;
}

/**
 * Cognito's identity provider, then Authentik's provider, back to back. Sign-ins whose code exchange
 * falls between the two writes fail (Authentik keeps one secret per provider), so what matters is the
 * time from the first side's change to the second's, and it is the second request's to decide:
 * - Cognito does its slow work before it changes anything: it checks the details and fetches the
 *   issuer's discovery document again (the local strict layer does the same, local/cognito/
 *   identity-providers.ts). Written first, that work happens while both sides still hold the old
 *   secret; written second, all of it would fall inside the window (measured locally under load:
 *   265 to 415 ms with Authentik first, against 115 to 225 ms, and no failed sign-in, this way).
 * - Cognito is also the side that refuses (a detail it rejects, its discovery failing, throttling):
 *   a refusal then changes neither side, where the other order would leave Authentik changed alone.
 * Both sides are read, and the Cognito request built, before either is written. A side that already
 * holds the pending value is not written again, so a retry after a crash between the two writes
 * writes Authentik only.
 */
export async function setOidcClient(
  spec: TenantSpec,
  resources: Resources,
  clients: SetClients,
  pending: OidcClient,
): Promise<Written> {
  const providerPk = need(resources, 'providerPk', 'oidc-client');
  const userPoolId = need(resources, 'userPoolId', 'oidc-client');
  const name = resources.identityProviderName ?? spec.cognito.identityProviderName;
  const secret = pending.client_secret;
  const [provider, found] = await Promise.all([
    getProvider(clients.authentik, providerPk),
    cognitoFind('DescribeIdentityProvider', () =>
      clients.cognito.send(
        new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name }),
      ),
    ),
  ]);
  if (!provider)
    throw new PreconditionError(`Authentik has no provider ${providerPk}: provision the tenant again`);
  if (provider.client_id !== pending.client_id) {
    throw new ConflictError(
      `Authentik's provider ${providerPk} has another client id than the stored one: provision the tenant again`,
    );
  }
  const idp = found?.IdentityProvider;
  if (!idp)
    throw new PreconditionError(`Cognito has no identity provider ${name}: provision the tenant again`);
  const details = idp.ProviderDetails ?? {};
  // Read, merge, write: UpdateIdentityProvider replaces ProviderDetails whole, so every detail is
  // sent back as it is with only the secret changed. The endpoints Cognito discovered itself are
  // left out, as ensure-identity-provider does: Cognito discovers them again from the issuer.
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    if (!DISCOVERED_DETAILS.has(key)) merged[key] = value;
  }
  merged.client_secret = secret;
  const update = new UpdateIdentityProviderCommand({
    UserPoolId: userPoolId,
    ProviderName: name,
    ProviderDetails: merged,
    ...(idp.AttributeMapping ? { AttributeMapping: idp.AttributeMapping } : {}),
    ...(idp.IdpIdentifiers && idp.IdpIdentifiers.length > 0 ? { IdpIdentifiers: idp.IdpIdentifiers } : {}),
  });

  const written: Written = [];
  if (details.client_secret !== secret) {
    await cognitoSend('UpdateIdentityProvider', () => clients.cognito.send(update), [secret]);
    clients.onWrite?.('cognito', performance.now());
    written.push('cognito');
  }
  if (provider.client_secret !== secret) {
    await updateProvider(clients.authentik, providerPk, { client_secret: secret }).catch((error: unknown) => {
      throw withoutValue(error, secret);
    });
    clients.onWrite?.('authentik', performance.now());
    written.push('authentik');
  }
  return written;
}

export type TestUserPassword = z.infer<typeof storedPassword>;

/**
 * Authentik's test user gets the pending password. Authentik never shows a password, so whether it
 * holds this one cannot be read: set_password is sent on every attempt, and sending the same
 * password again changes nothing a login sees.
 */
export async function setTestUserPassword(
  resources: Resources,
  clients: SetClients,
  pending: TestUserPassword,
): Promise<Written> {
  const pk = need(resources, 'testUserPk', 'test-user');
  const user = await getUser(clients.authentik, pk);
  if (!user) throw new PreconditionError(`Authentik has no test user ${pk}: provision the tenant again`);
  if (user.username !== pending.username) {
    throw new ConflictError(
      `Authentik's test user ${pk} is not ${pending.username}, whose password the secret holds: provision the tenant again`,
    );
  }
  await setUserPassword(clients.authentik, pk, pending.password).catch((error: unknown) => {
    throw withoutValue(error, pending.password);
  });
  clients.onWrite?.('authentik', performance.now());
  return ['authentik'];
}

/** What each kind's value looks like and the new value createSecret makes from the current one. */
export const KIND_VALUES = {
  'oidc-client': {
    schema: oidcClient,
    next: (current: OidcClient): OidcClient => ({
      client_id: current.client_id,
      client_secret: generateClientSecret(),
    }),
    secretOf: (value: OidcClient) => value.client_secret,
    recordedArn: (resources: Resources) => resources.oidcClientSecretArn,
  },
  'test-user': {
    schema: storedPassword,
    next: (current: TestUserPassword): TestUserPassword => ({
      username: current.username,
      password: generatePassword(),
    }),
    secretOf: (value: TestUserPassword) => value.password,
    recordedArn: (resources: Resources) => resources.testUserPasswordSecretArn,
  },
} as const;
