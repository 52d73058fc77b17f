// What Authentik and Cognito hold, in a form two moments can be compared by: names and settings,
// sorted, without timestamps.
import {
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListIdentityProvidersCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import type { StepClients } from '#lib/clients.ts';
import type { World } from '../../local/world.ts';

export function authentikSnapshot(world: World) {
  const { store } = world.authentik;
  const names = <T>(map: Map<unknown, T>, key: (item: T) => string) => [...map.values()].map(key).sort();
  return {
    groups: names(store.groups, (g) => g.name),
    users: names(store.users, (u) => `${u.username} active=${u.is_active}`),
    providers: names(store.providers, (p) => p.name),
    applications: names(store.applications, (a) => `${a.slug} provider=${a.provider}`),
    policies: names(store.expressionPolicies, (p) => p.name),
    bindings: names(store.bindings, (b) => `${b.target} ${b.policy} ${b.order}`),
  };
}

/** What Cognito holds, read through `observer` (a moto client: `motoObserver`, `fixture.observer`). */
export async function cognitoSnapshot(cognito: CognitoIdentityProviderClient) {
  const pools = (await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
  const result = [];
  for (const pool of pools.sort((a, b) => String(a.Id).localeCompare(String(b.Id)))) {
    const poolId = pool.Id as string;
    const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    const clientIds = (
      await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 }))
    ).UserPoolClients;
    const appClients = [];
    for (const c of clientIds ?? []) {
      const { UserPoolClient } = await cognito.send(
        new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: c.ClientId }),
      );
      appClients.push({
        id: c.ClientId,
        identityProviders: [...(UserPoolClient?.SupportedIdentityProviders ?? [])].sort(),
        callbackUrls: UserPoolClient?.CallbackURLs ?? [],
        flows: UserPoolClient?.AllowedOAuthFlows ?? [],
        scopes: [...(UserPoolClient?.AllowedOAuthScopes ?? [])].sort(),
      });
    }
    const idps = (
      await cognito.send(new ListIdentityProvidersCommand({ UserPoolId: poolId, MaxResults: 60 }))
    ).Providers;
    result.push({
      id: poolId,
      name: pool.Name,
      domain: UserPool?.Domain,
      appClients,
      identityProviders: (idps ?? []).map((p) => p.ProviderName).sort(),
    });
  }
  return result;
}

export async function secretNames(clients: Pick<StepClients, 'secrets'>): Promise<string[]> {
  const listed = await clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  return (listed.SecretList ?? []).map((s) => s.Name as string).sort();
}
