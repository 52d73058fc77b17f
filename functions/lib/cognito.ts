// What the Cognito steps share: error mapping onto our error classes (errors.ts), the full
// write-back of an app client, and the names Cognito derives from a pool (domain host, redirect URI).

import type {
  UpdateUserPoolClientCommandInput,
  UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  awsErrorName,
  NETWORKING_ERROR,
  REQUEST_TIMEOUT,
  REQUEST_TIMEOUT_EXCEPTION,
  TIMEOUT_ERROR,
  transientTest,
} from './aws-errors.ts';
import {
  ConflictError,
  LimitExceededError,
  PreconditionError,
  TransientError,
  ValidationError,
} from './errors.ts';

/** The user pool's own sign-in, listed in `SupportedIdentityProviders` next to the federated ones. */
export const COGNITO_PROVIDER = 'COGNITO';

/** Tags a pool this system creates, so a re-run after a crash recognises it as its own. */
export const POOL_TAG_TENANT = 'tenant';
export const POOL_TAG_MANAGED_BY = 'managed-by';

// Cognito's own transient errors (in the Errors of every operation, e.g.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPool.html#API_DescribeUserPool_Errors):
// TooManyRequestsException is its throttling (HTTP 400), InternalErrorException its server error.
// InternalServerException answers the client-secret operations
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddUserPoolClientSecret.html#API_AddUserPoolClientSecret_Errors)
// and ConcurrentModificationException a write that raced another
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html#API_CreateUserPoolDomain_Errors).
// Cognito has no ThrottlingException; the SDK's timeouts, 429 and broken connections count too.
const isTransient = transientTest({
  names: [
    'TooManyRequestsException',
    'InternalErrorException',
    'InternalServerException',
    'ConcurrentModificationException',
    TIMEOUT_ERROR,
    REQUEST_TIMEOUT,
    REQUEST_TIMEOUT_EXCEPTION,
    NETWORKING_ERROR,
  ],
  tooManyRequests: true,
  networkCodes: true,
});
const INVALID_NAMES = new Set([
  'InvalidParameterException',
  'InvalidOAuthFlowException',
  'ScopeDoesNotExistException',
  'UnsupportedIdentityProviderException',
]);

export function isCognitoError(error: unknown, name: string): boolean {
  return awsErrorName(error) === name;
}

/**
 * Removes what must never reach a log or an execution history from an error message. Cognito does
 * not echo client secrets in its messages, but a message about ProviderDetails could quote a value,
 * so every value the caller sent that is secret is blanked, and so is anything after `client_secret`.
 */
export function scrubMessage(message: string, redact: readonly string[] = []): string {
  let scrubbed = message;
  for (const value of redact) {
    if (value.length >= 4) scrubbed = scrubbed.split(value).join('[redacted]');
  }
  return scrubbed.replace(/(client_secret["']?\s*[:=]\s*["']?)[^"',}\s]+/gi, '$1[redacted]');
}

/** Our error for a Cognito SDK error; errors we have no class for pass through unchanged. */
export function mapCognitoError(error: unknown, operation: string, redact: readonly string[] = []): unknown {
  const name = awsErrorName(error);
  const text = (error as { message?: unknown } | undefined)?.message;
  const raw = typeof text === 'string' ? text : String(error);
  const message = `Cognito ${operation}: ${name || 'error'}: ${scrubMessage(raw, redact)}`;
  if (isTransient(error)) return new TransientError(message);
  if (name === 'LimitExceededException' || name === 'ServiceQuotaExceededException') {
    return new LimitExceededError(message);
  }
  if (INVALID_NAMES.has(name))
    return new ValidationError(message, { [operation]: [scrubMessage(raw, redact)] });
  if (name === 'ResourceNotFoundException') return new PreconditionError(message);
  if (name === 'DuplicateProviderException') return new ConflictError(message);
  return error;
}

/** Sends a Cognito request and maps its errors; `redact` lists secret values the request carries. */
export async function cognitoSend<T>(
  operation: string,
  send: () => Promise<T>,
  redact: readonly string[] = [],
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw mapCognitoError(error, operation, redact);
  }
}

/** Like `cognitoSend`, but a missing resource (`ResourceNotFoundException`) is `undefined`. */
export async function cognitoFind<T>(
  operation: string,
  send: () => Promise<T>,
  redact: readonly string[] = [],
): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (isCognitoError(error, 'ResourceNotFoundException')) return undefined;
    throw mapCognitoError(error, operation, redact);
  }
}

/** Like `cognitoSend`, but `DuplicateProviderException` is `'exists'`: the caller looks again. */
export async function cognitoCreate<T>(
  operation: string,
  send: () => Promise<T>,
  redact: readonly string[] = [],
): Promise<T | 'exists'> {
  try {
    return await send();
  } catch (error) {
    if (isCognitoError(error, 'DuplicateProviderException')) return 'exists';
    throw mapCognitoError(error, operation, redact);
  }
}

// ---------------------------------------------------------------------------------------------
// App client write-back
//
// UpdateUserPoolClient REPLACES the client: every field left out is reset to its default (the
// callback URLs, the OAuth flows, the token validities...). So an update always starts from the
// described client and writes every updatable field back. The mapped type below lists every field of
// UpdateUserPoolClientCommandInput: when the SDK grows a new one, this file stops compiling until it
// is copied too.

type UpdatableClientField = Exclude<keyof UpdateUserPoolClientCommandInput, 'UserPoolId' | 'ClientId'>;

const updatableClientFields: { [K in UpdatableClientField]-?: true } = {
  ClientName: true,
  RefreshTokenValidity: true,
  AccessTokenValidity: true,
  IdTokenValidity: true,
  TokenValidityUnits: true,
  ReadAttributes: true,
  WriteAttributes: true,
  ExplicitAuthFlows: true,
  SupportedIdentityProviders: true,
  CallbackURLs: true,
  LogoutURLs: true,
  DefaultRedirectURI: true,
  AllowedOAuthFlows: true,
  AllowedOAuthScopes: true,
  AllowedOAuthFlowsUserPoolClient: true,
  AnalyticsConfiguration: true,
  PreventUserExistenceErrors: true,
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: true,
  AuthSessionValidity: true,
  RefreshTokenRotation: true,
};

/** Every field UpdateUserPoolClient accepts besides the ids. */
export const UPDATABLE_CLIENT_FIELDS = Object.keys(updatableClientFields) as UpdatableClientField[];

/**
 * The full UpdateUserPoolClient request that writes `client` back with `changes` applied. Fields
 * the described client does not have are left out (Cognito keeps its default for them).
 */
export function clientUpdateInput(
  client: UserPoolClientType,
  changes: Partial<Pick<UpdateUserPoolClientCommandInput, UpdatableClientField>> = {},
): UpdateUserPoolClientCommandInput {
  if (!client.UserPoolId || !client.ClientId) {
    throw new PreconditionError('the described app client lacks its UserPoolId or ClientId');
  }
  const input: UpdateUserPoolClientCommandInput = {
    UserPoolId: client.UserPoolId,
    ClientId: client.ClientId,
  };
  const target = input as unknown as Record<string, unknown>;
  const source = { ...client, ...changes } as Record<string, unknown>;
  for (const field of UPDATABLE_CLIENT_FIELDS) {
    if (source[field] !== undefined) target[field] = source[field];
  }
  return input;
}

// ---------------------------------------------------------------------------------------------
// Names Cognito derives

/** A user pool id starts with its region: `eu-west-1_AbC123`. */
export function userPoolRegion(userPoolId: string): string {
  const region = userPoolId.split('_')[0];
  if (!region) throw new ValidationError(`not a user pool id: ${userPoolId}`, { userPoolId: ['malformed'] });
  return region;
}

/** The host of a prefix domain: `<prefix>.auth.<region>.amazoncognito.com`. */
export function prefixDomainHost(prefix: string, region: string): string {
  return `${prefix}.auth.${region}.amazoncognito.com`;
}

/** The prefix of a prefix-domain host, or undefined for a custom domain. */
export function domainPrefixOf(host: string): string | undefined {
  return /^([a-z0-9-]+)\.auth\.[a-z0-9-]+\.amazoncognito\.com$/.exec(host)?.[1];
}

/** Where Authentik sends the browser back to Cognito after a login. */
export function redirectUriFor(domainHost: string): string {
  return `https://${domainHost}/oauth2/idpresponse`;
}

/** Same members, order ignored (Cognito does not promise to keep list order). */
export function sameMembers(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
