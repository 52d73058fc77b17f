import { poolAttributeNames } from './attributes.ts';
import { type CognitoResourceLimits, checkRoomFor } from './limits.ts';
import type { MotoUpstream } from './moto-upstream.ts';
import { checkOAuthSettings, checkScopesExist, stringList } from './oauth.ts';
import { invalidParameter } from './protocol.ts';

// What Cognito does on CreateUserPoolClient / UpdateUserPoolClient and moto does not: it checks
// the OAuth settings and the identity providers named, and an update replaces the whole app
// client, so every setting the request leaves out goes back to its default (moto merges).

/**
 * Every setting UpdateUserPoolClient takes besides the ids and the name, with the value Cognito
 * falls back to when a request leaves it out; null means "not set", which moto then omits from
 * Describe as Cognito does. Source: the members of UpdateUserPoolClient in
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
 * (refresh tokens 30 days; OAuth off unless asked for; without ExplicitAuthFlows the client
 * supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH and ALLOW_CUSTOM_AUTH;
 * PreventUserExistenceErrors defaults to LEGACY), and what CreateUserPoolClient reports for a
 * client created with a name only.
 */
export const appClientDefaults: Readonly<Record<string, unknown>> = {
  RefreshTokenValidity: 30,
  AccessTokenValidity: null,
  IdTokenValidity: null,
  TokenValidityUnits: null,
  ReadAttributes: null,
  WriteAttributes: null,
  ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'],
  SupportedIdentityProviders: null,
  CallbackURLs: null,
  LogoutURLs: null,
  DefaultRedirectURI: null,
  AllowedOAuthFlows: null,
  AllowedOAuthScopes: null,
  AllowedOAuthFlowsUserPoolClient: false,
  AnalyticsConfiguration: null,
  PreventUserExistenceErrors: 'LEGACY',
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: false,
  AuthSessionValidity: 3,
  RefreshTokenRotation: null,
};

/**
 * The full update moto must apply so the client ends up as Cognito leaves it: what the request
 * gives, the default for everything else. The name is kept when omitted; it has no default.
 */
export function completeAppClientUpdate(
  input: Record<string, unknown>,
  current: { ClientName?: unknown },
): Record<string, unknown> {
  const complete: Record<string, unknown> = {
    UserPoolId: input.UserPoolId,
    ClientId: input.ClientId,
    ClientName: input.ClientName ?? current.ClientName,
  };
  for (const [setting, fallback] of Object.entries(appClientDefaults)) {
    complete[setting] = input[setting] ?? fallback;
  }
  return complete;
}

/**
 * SupportedIdentityProviders may only name COGNITO and identity providers of the pool (moto
 * accepts any name, and the hosted UI would then offer a provider that does not exist).
 */
export async function checkSupportedIdentityProviders(
  input: Record<string, unknown>,
  moto: MotoUpstream,
  authorization: string,
): Promise<void> {
  const named = stringList(input.SupportedIdentityProviders, 'SupportedIdentityProviders').filter(
    (name) => name !== 'COGNITO',
  );
  if (named.length === 0) return;
  const existing = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await moto.call<{ Providers?: { ProviderName?: string }[]; NextToken?: string }>(
      'ListIdentityProviders',
      { UserPoolId: input.UserPoolId, MaxResults: 60, ...(nextToken ? { NextToken: nextToken } : {}) },
      authorization,
    );
    for (const provider of page.Providers ?? []) {
      if (provider.ProviderName) existing.add(provider.ProviderName);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  for (const name of named) {
    if (!existing.has(name)) {
      throw invalidParameter(`The provider ${name} does not exist for User Pool ${String(input.UserPoolId)}`);
    }
  }
}

/**
 * WriteAttributes may name only attributes the pool has: Cognito answers "Invalid write attributes
 * specified while creating a client" (or "updating"), as reported in
 * https://github.com/jmaleonard/serverless-cognito-add-custom-attributes/issues/4; the member is
 * described in the CreateUserPoolClient and UpdateUserPoolClient references.
 */
async function checkWriteAttributes(
  client: Record<string, unknown>,
  context: AppClientContext,
  doing: 'creating' | 'updating',
): Promise<void> {
  const named = stringList(client.WriteAttributes, 'WriteAttributes');
  if (named.length === 0) return;
  const attributes = await poolAttributeNames(client.UserPoolId, context);
  if (named.some((attribute) => !attributes.has(attribute))) {
    throw invalidParameter(`Invalid write attributes specified while ${doing} a client`);
  }
}

export interface AppClientContext {
  moto: MotoUpstream;
  authorization: string;
  limits: CognitoResourceLimits;
}

export async function prepareCreateUserPoolClient(
  input: Record<string, unknown>,
  context: AppClientContext,
): Promise<Record<string, unknown>> {
  checkOAuthSettings(input, {
    hasSecret: input.GenerateSecret === true || typeof input.ClientSecret === 'string',
  });
  await checkScopesExist(input, context.moto, context.authorization);
  await checkSupportedIdentityProviders(input, context.moto, context.authorization);
  await checkWriteAttributes(input, context, 'creating');
  await checkRoomFor('appClientsPerPool', input.UserPoolId, context);
  return input;
}

export async function prepareUpdateUserPoolClient(
  input: Record<string, unknown>,
  context: AppClientContext,
): Promise<Record<string, unknown>> {
  // Read first: an unknown client fails as in Cognito, and the name is kept.
  const current = await context.moto.call<{ UserPoolClient: { ClientName?: string; ClientSecret?: string } }>(
    'DescribeUserPoolClient',
    { UserPoolId: input.UserPoolId, ClientId: input.ClientId },
    context.authorization,
  );
  const complete = completeAppClientUpdate(input, current.UserPoolClient);
  checkOAuthSettings(complete, { hasSecret: typeof current.UserPoolClient.ClientSecret === 'string' });
  await checkScopesExist(complete, context.moto, context.authorization);
  await checkSupportedIdentityProviders(complete, context.moto, context.authorization);
  await checkWriteAttributes(complete, context, 'updating');
  return complete;
}
