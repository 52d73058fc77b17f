import { poolAttributeNames, standardAttributes } from './attributes.ts';
import type { LayerContext } from './context.ts';
import { checkRoomFor } from './limits.ts';
import { withDiscoveredEndpoints } from './oidc-discovery.ts';
import { CognitoError, invalidParameter } from './protocol.ts';

// What Cognito checks on CreateIdentityProvider / UpdateIdentityProvider and moto does not. References:
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateIdentityProvider.html

export const providerTypes = [
  'SAML',
  'Facebook',
  'Google',
  'LoginWithAmazon',
  'SignInWithApple',
  'OIDC',
] as const;

// Cognito's pattern for ProviderName, matched against the whole name (it implies at least 3
// characters, tighter than the documented 1–32 length).
const providerNamePattern = String.raw`[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+`;
const providerNameRegex = new RegExp(`^(?:${providerNamePattern})$`, 'u');

export function checkProviderName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || [...name].length < 1 || [...name].length > 32) {
    throw invalidParameter(
      `1 validation error detected: Value '${String(name)}' at 'providerName' failed to satisfy constraint: Member must have length between 1 and 32`,
    );
  }
  if (!providerNameRegex.test(name)) {
    throw invalidParameter(
      `1 validation error detected: Value '${name}' at 'providerName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${providerNamePattern}`,
    );
  }
}

export function checkProviderType(type: unknown): void {
  if (!providerTypes.includes(type as (typeof providerTypes)[number])) {
    throw invalidParameter(
      `1 validation error detected: Value '${String(type)}' at 'providerType' failed to satisfy constraint: Member must satisfy enum value set: [${providerTypes.join(', ')}]`,
    );
  }
}

const requiredOidcDetails = ['client_id', 'authorize_scopes', 'oidc_issuer', 'attributes_request_method'];

export function checkOidcDetails(details: unknown): asserts details is Record<string, string> {
  if (!details || typeof details !== 'object' || Array.isArray(details)) {
    throw invalidParameter('ProviderDetails are required for an OIDC identity provider');
  }
  const given = details as Record<string, unknown>;
  for (const key of requiredOidcDetails) {
    if (typeof given[key] !== 'string' || given[key] === '') {
      throw invalidParameter(`ProviderDetails of an OIDC identity provider must contain ${key}`);
    }
  }
  if (given.attributes_request_method !== 'GET' && given.attributes_request_method !== 'POST') {
    throw invalidParameter(
      `attributes_request_method must be GET or POST, got ${String(given.attributes_request_method)}`,
    );
  }
}

export type IdentityProviderContext = LayerContext;

/**
 * AttributeMapping maps IdP claims to "standard and custom user pool attributes": a key the pool
 * does not have (a `custom:*` attribute never added, a typo) is refused; Cognito answers
 * "AttributeMapping contains invalid mapping: [custom:…]" (reported in
 * https://github.com/aws/aws-cli/issues/9729). `username` is the one key that is no attribute:
 * it names the claim Cognito takes as the user's identity.
 */
export async function checkAttributeMapping(
  userPoolId: unknown,
  mapping: unknown,
  context: IdentityProviderContext,
): Promise<void> {
  if (mapping === undefined || mapping === null) return;
  if (typeof mapping !== 'object' || Array.isArray(mapping)) {
    throw invalidParameter('AttributeMapping must be a map of attribute names to claims');
  }
  const keys = Object.keys(mapping).filter((key) => key !== 'username' && !standardAttributes.has(key));
  if (keys.length === 0) return;
  const attributes = await poolAttributeNames(userPoolId, context);
  const invalid = keys.filter((key) => !attributes.has(key));
  if (invalid.length > 0) {
    throw invalidParameter(`AttributeMapping contains invalid mapping: [${invalid.join(', ')}]`);
  }
}

/** Checks a CreateIdentityProvider request and returns the request moto should store. */
export async function prepareCreateIdentityProvider(
  input: Record<string, unknown>,
  context: IdentityProviderContext,
): Promise<Record<string, unknown>> {
  checkProviderName(input.ProviderName);
  checkProviderType(input.ProviderType);
  if (input.ProviderType === 'OIDC') checkOidcDetails(input.ProviderDetails);
  // moto silently replaces a provider of the same name; Cognito refuses.
  if (await providerExists(input.UserPoolId, input.ProviderName, context)) {
    throw new CognitoError(
      'DuplicateProviderException',
      `A provider with the name ${input.ProviderName} already exists in this user pool.`,
    );
  }
  await checkAttributeMapping(input.UserPoolId, input.AttributeMapping, context);
  // Identity providers per user pool: a resource quota (limits.ts), LimitExceededException.
  await checkRoomFor('identityProvidersPerPool', input.UserPoolId, context);
  if (input.ProviderType !== 'OIDC') return input;
  const details = input.ProviderDetails as Record<string, string>;
  return { ...input, ProviderDetails: await withDiscoveredEndpoints(details, context.discoveryTimeoutMs) };
}

/** Checks an UpdateIdentityProvider request and returns the request moto should store. */
export async function prepareUpdateIdentityProvider(
  input: Record<string, unknown>,
  context: IdentityProviderContext,
): Promise<Record<string, unknown>> {
  // The type is not part of the request: read it (an unknown provider fails here as in Cognito).
  const current = await context.moto.call<{ IdentityProvider: { ProviderType?: string } }>(
    'DescribeIdentityProvider',
    { UserPoolId: input.UserPoolId, ProviderName: input.ProviderName },
    context.authorization,
  );
  await checkAttributeMapping(input.UserPoolId, input.AttributeMapping, context);
  if (current.IdentityProvider.ProviderType !== 'OIDC' || input.ProviderDetails === undefined) return input;
  checkOidcDetails(input.ProviderDetails);
  return {
    ...input,
    ProviderDetails: await withDiscoveredEndpoints(input.ProviderDetails, context.discoveryTimeoutMs),
  };
}

async function providerExists(
  userPoolId: unknown,
  providerName: string,
  context: IdentityProviderContext,
): Promise<boolean> {
  try {
    await context.moto.call(
      'DescribeIdentityProvider',
      { UserPoolId: userPoolId, ProviderName: providerName },
      context.authorization,
    );
    return true;
  } catch (error) {
    // moto answers ResourceNotFoundException both for a missing provider and a missing pool; the
    // create itself then reports a missing pool.
    if (error instanceof CognitoError && error.type === 'ResourceNotFoundException') return false;
    throw error;
  }
}
