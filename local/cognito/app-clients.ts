import type { MotoUpstream } from './moto-upstream.ts';
import { invalidParameter } from './protocol.ts';

// What Cognito does on CreateUserPoolClient / UpdateUserPoolClient and moto does not: it checks
// the OAuth settings and the identity providers named, and an update replaces the whole app
// client, so every setting the request leaves out goes back to its default (moto merges).

/**
 * Every setting UpdateUserPoolClient takes besides the ids and the name, with the value Cognito
 * falls back to when a request leaves it out; null means "not set", which moto then omits from
 * Describe as Cognito does. Sources: the UpdateUserPoolClient API reference (refresh tokens 30
 * days, OAuth off unless asked for, PreventUserExistenceErrors LEGACY when unset) and what
 * CreateUserPoolClient reports for a client created with a name only.
 */
export const appClientDefaults: Readonly<Record<string, unknown>> = {
  RefreshTokenValidity: 30,
  AccessTokenValidity: null,
  IdTokenValidity: null,
  TokenValidityUnits: null,
  ReadAttributes: null,
  WriteAttributes: null,
  ExplicitAuthFlows: null,
  SupportedIdentityProviders: null,
  CallbackURLs: null,
  LogoutURLs: null,
  DefaultRedirectURI: null,
  AllowedOAuthFlows: null,
  AllowedOAuthScopes: null,
  AllowedOAuthFlowsUserPoolClient: false,
  AnalyticsConfiguration: null,
  PreventUserExistenceErrors: null,
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

const oauthFlows = ['code', 'implicit', 'client_credentials'];

/** Checks the OAuth settings of a client as it will be after the request. */
export function checkOAuthSettings(client: Record<string, unknown>): void {
  const flows = stringList(client.AllowedOAuthFlows, 'AllowedOAuthFlows');
  for (const flow of flows) {
    if (!oauthFlows.includes(flow)) {
      throw invalidParameter(
        `1 validation error detected: Value '[${flows.join(', ')}]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${oauthFlows.join(', ')}]]`,
      );
    }
  }
  const callbackUrls = stringList(client.CallbackURLs, 'CallbackURLs');
  const logoutUrls = stringList(client.LogoutURLs, 'LogoutURLs');
  // A grant that sends the browser back needs somewhere to send it.
  if ((flows.includes('code') || flows.includes('implicit')) && callbackUrls.length === 0) {
    throw invalidParameter('CallbackURLs must not be empty when the code or implicit OAuth flow is allowed');
  }
  for (const url of callbackUrls) checkRedirectUrl(url, 'CallbackURLs');
  for (const url of logoutUrls) checkRedirectUrl(url, 'LogoutURLs');
  const defaultRedirect = client.DefaultRedirectURI;
  if (typeof defaultRedirect === 'string' && !callbackUrls.includes(defaultRedirect)) {
    throw invalidParameter('DefaultRedirectURI must be one of the CallbackURLs');
  }
}

// Cognito: absolute URIs without a fragment; https, except http://localhost for testing; app
// schemes such as myapp://callback are allowed.
function checkRedirectUrl(value: string, field: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidParameter(`${field} must hold absolute URLs, got ${value}`);
  }
  if (url.hash) throw invalidParameter(`${field} must not contain a fragment: ${value}`);
  if (url.protocol === 'http:' && url.hostname !== 'localhost') {
    throw invalidParameter(`${field} must use https except for http://localhost, got ${value}`);
  }
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter(`${field} must be a list of strings`);
  }
  return value as string[];
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

export interface AppClientContext {
  moto: MotoUpstream;
  authorization: string;
}

export async function prepareCreateUserPoolClient(
  input: Record<string, unknown>,
  context: AppClientContext,
): Promise<Record<string, unknown>> {
  checkOAuthSettings(input);
  await checkSupportedIdentityProviders(input, context.moto, context.authorization);
  return input;
}

export async function prepareUpdateUserPoolClient(
  input: Record<string, unknown>,
  context: AppClientContext,
): Promise<Record<string, unknown>> {
  // Read first: an unknown client fails as in Cognito, and the name is kept.
  const current = await context.moto.call<{ UserPoolClient: { ClientName?: string } }>(
    'DescribeUserPoolClient',
    { UserPoolId: input.UserPoolId, ClientId: input.ClientId },
    context.authorization,
  );
  const complete = completeAppClientUpdate(input, current.UserPoolClient);
  checkOAuthSettings(complete);
  await checkSupportedIdentityProviders(complete, context.moto, context.authorization);
  return complete;
}
