import type { MotoUpstream } from './moto-upstream.ts';
import { CognitoError, invalidParameter } from './protocol.ts';

// What Cognito checks in an app client's OAuth settings and moto does not, applied to the client as
// it will be after a CreateUserPoolClient or UpdateUserPoolClient. Each rule names its source; the
// API references are
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
// (the same text as the request members' documentation in @aws-sdk/client-cognito-identity-provider).

const oauthFlows = ['code', 'implicit', 'client_credentials'];

/** The scopes every pool has; custom ones are `<resource server identifier>/<scope name>`. */
export const standardScopes: ReadonlySet<string> = new Set([
  'phone',
  'email',
  'openid',
  'profile',
  'aws.cognito.signin.user.admin',
]);

const invalidOAuthFlow = (message: string): CognitoError =>
  new CognitoError('InvalidOAuthFlowException', message);

export interface OAuthClientFacts {
  /** Whether the client has a secret (GenerateSecret on create, a ClientSecret on update). */
  hasSecret: boolean;
}

/** Checks the OAuth settings of a client as it will be after the request. */
export function checkOAuthSettings(client: Record<string, unknown>, facts: OAuthClientFacts): void {
  const flows = stringList(client.AllowedOAuthFlows, 'AllowedOAuthFlows');
  for (const flow of flows) {
    if (!oauthFlows.includes(flow)) {
      throw invalidParameter(
        `1 validation error detected: Value '[${flows.join(', ')}]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${oauthFlows.join(', ')}]]`,
      );
    }
  }
  const scopes = stringList(client.AllowedOAuthScopes, 'AllowedOAuthScopes');
  // AllowedOAuthFlowsUserPoolClient: true turns the authorization server on for the client, and
  // Cognito then wants the grants and scopes it serves (reference above, the member's entry; the
  // message is the one Cognito answers with).
  if (client.AllowedOAuthFlowsUserPoolClient === true && (flows.length === 0 || scopes.length === 0)) {
    throw invalidOAuthFlow(
      'AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.',
    );
  }
  if (flows.includes('client_credentials')) {
    // AllowedOAuthFlows: "you must add client_credentials as the only allowed OAuth flow".
    if (flows.includes('code') || flows.includes('implicit')) {
      throw invalidOAuthFlow(
        'client_credentials flow can not be selected along with code flow or implicit flow.',
      );
    }
    // AllowedOAuthFlows: the grant authenticates with "the client ID and client secret".
    if (!facts.hasSecret) {
      throw invalidOAuthFlow(
        'client_credentials flow can not be selected if client does not have a client secret.',
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
  // DefaultRedirectURI: "Must be in the CallbackURLs list."
  if (typeof defaultRedirect === 'string' && !callbackUrls.includes(defaultRedirect)) {
    throw invalidParameter('DefaultRedirectURI must be one of the CallbackURLs');
  }
}

// CallbackURLs: absolute URIs without a fragment; https, except http://localhost for testing; app
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

export function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter(`${field} must be a list of strings`);
  }
  return value as string[];
}

/**
 * AllowedOAuthScopes may name the standard scopes and the custom scopes of the pool's resource
 * servers (the member's entry in the references above; the exception is the one both list).
 */
export async function checkScopesExist(
  client: Record<string, unknown>,
  moto: MotoUpstream,
  authorization: string,
): Promise<void> {
  const unknown = stringList(client.AllowedOAuthScopes, 'AllowedOAuthScopes').filter(
    (scope) => !standardScopes.has(scope),
  );
  if (unknown.length === 0) return;
  const custom = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await moto.call<{
      ResourceServers?: { Identifier?: string; Scopes?: { ScopeName?: string }[] }[];
      NextToken?: string;
    }>(
      'ListResourceServers',
      { UserPoolId: client.UserPoolId, MaxResults: 50, ...(nextToken ? { NextToken: nextToken } : {}) },
      authorization,
    );
    for (const server of page.ResourceServers ?? []) {
      for (const scope of server.Scopes ?? []) custom.add(`${server.Identifier}/${scope.ScopeName}`);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const missing = unknown.find((scope) => !custom.has(scope));
  if (missing !== undefined) {
    throw new CognitoError('ScopeDoesNotExistException', `Invalid scope requested: ${missing}`);
  }
}
