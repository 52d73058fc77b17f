// The pool's app client with the code flow: the one the tenant brought (cognito.appClientId), the one
// recorded or found under the spec's name, or a new public client. Only a client this system owns is
// converged to the desired settings; app clients have no tags, so the pool's tag vouches for them.
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { COGNITO_PROVIDER, clientUpdateInput, cognitoFind, cognitoSend, sameMembers } from '#lib/cognito.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { Progress } from './progress.ts';

/** The scopes and flow of an app client this system creates (the guide's hosted-UI login). */
export const CLIENT_SCOPES = ['openid', 'email', 'profile'];
export const CLIENT_FLOWS = ['code'] as const;

export async function describeClient(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string,
): Promise<UserPoolClientType | undefined> {
  const result = await cognitoFind('DescribeUserPoolClient', () =>
    cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId })),
  );
  return result?.UserPoolClient;
}

async function findClientIdByName(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  name: string,
): Promise<string | undefined> {
  const ids: string[] = [];
  let next: string | undefined;
  do {
    const page = await cognitoSend('ListUserPoolClients', () =>
      cognito.send(
        new ListUserPoolClientsCommand({
          UserPoolId: userPoolId,
          MaxResults: 60,
          ...(next ? { NextToken: next } : {}),
        }),
      ),
    );
    for (const client of page.UserPoolClients ?? [])
      if (client.ClientName === name && client.ClientId) ids.push(client.ClientId);
    next = page.NextToken;
  } while (next);
  if (ids.length > 1) {
    throw new ConflictError(
      `${ids.length} app clients are named ${name}; name the one to use with cognito.appClientId`,
    );
  }
  return ids[0];
}

/** What an app client this system owns must say; everything else on it is left as found. */
function desiredClientSettings(spec: TenantSpec) {
  return {
    AllowedOAuthFlows: [...CLIENT_FLOWS],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: [...CLIENT_SCOPES],
    CallbackURLs: spec.cognito.callbackUrls,
    LogoutURLs: spec.cognito.logoutUrls,
  };
}

export function clientDrift(spec: TenantSpec, client: UserPoolClientType): Drift[] {
  const wanted = desiredClientSettings(spec);
  const drift: Drift[] = [];
  const lists = ['CallbackURLs', 'LogoutURLs', 'AllowedOAuthFlows', 'AllowedOAuthScopes'] as const;
  for (const field of lists) {
    if (!sameMembers(wanted[field], client[field])) {
      drift.push({ field, expected: wanted[field], actual: client[field] ?? [] });
    }
  }
  if (client.AllowedOAuthFlowsUserPoolClient !== true) {
    drift.push({
      field: 'AllowedOAuthFlowsUserPoolClient',
      expected: true,
      actual: client.AllowedOAuthFlowsUserPoolClient ?? false,
    });
  }
  return drift;
}

export async function ensureClient(
  spec: TenantSpec,
  resources: Resources,
  poolId: string,
  poolOwned: boolean,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<{ clientId: string; owned: boolean }> {
  const brought = spec.cognito.appClientId;
  if (brought) {
    const client = await describeClient(cognito, poolId, brought);
    if (!client)
      throw new PreconditionError(`app client ${brought} (cognito.appClientId) does not exist in ${poolId}`);
    return { clientId: brought, owned: false };
  }
  let found: { client: UserPoolClientType; owned: boolean } | undefined;
  if (resources.appClientId && resources.userPoolId === poolId) {
    const client = await describeClient(cognito, poolId, resources.appClientId);
    if (client) found = { client, owned: resources.created?.includes('appClientId') === true };
  }
  if (!found) {
    const id = await findClientIdByName(cognito, poolId, spec.cognito.appClientName);
    const client = id ? await describeClient(cognito, poolId, id) : undefined;
    // Found by name in a pool we did not create: it may be the tenant's, so never ours to delete.
    if (client) found = { client, owned: poolOwned };
  }
  if (found) {
    const clientId = found.client.ClientId as string;
    if (found.owned && clientDrift(spec, found.client).length > 0) {
      await cognitoSend('UpdateUserPoolClient', () =>
        cognito.send(
          new UpdateUserPoolClientCommand(clientUpdateInput(found.client, desiredClientSettings(spec))),
        ),
      );
      progress.writes += 1;
      progress.updatedSomething = true;
    }
    return { clientId, owned: found.owned };
  }
  const created = await cognitoSend('CreateUserPoolClient', () =>
    cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: spec.cognito.appClientName,
        // A public client: the hosted-UI login of the guide uses the code flow with PKCE, and no
        // client secret has to be stored, handed out and rotated. A tenant that needs a
        // confidential client brings its own (cognito.appClientId).
        GenerateSecret: false,
        ...desiredClientSettings(spec),
        // The Authentik identity provider is added by enable-identity-provider once it exists.
        SupportedIdentityProviders: [COGNITO_PROVIDER],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
      }),
    ),
  );
  progress.writes += 1;
  progress.createdSomething = true;
  const clientId = created.UserPoolClient?.ClientId;
  if (!clientId) throw new PreconditionError('CreateUserPoolClient returned no client id');
  return { clientId, owned: true };
}
