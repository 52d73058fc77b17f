// Step 8 of the guide: list the Authentik identity provider on the app client, keeping COGNITO and
// every other setting. UpdateUserPoolClient replaces the whole client (a field left out is reset), so
// the client is read, changed in one list, and written back in full, then read again to confirm.

import {
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { COGNITO_PROVIDER, clientUpdateInput, cognitoFind, cognitoSend } from '#lib/cognito.ts';
import { PreconditionError, TransientError } from '#lib/errors.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export interface EnableClients {
  cognito: CognitoIdentityProviderClient;
}

interface Target {
  userPoolId: string;
  appClientId: string;
  providerName: string;
}

function target(spec: TenantSpec, resources: Resources): Target {
  const userPoolId = resources.userPoolId ?? spec.cognito.userPoolId;
  const appClientId = resources.appClientId ?? spec.cognito.appClientId;
  if (!userPoolId || !appClientId) {
    throw new PreconditionError(
      'enable-identity-provider needs userPoolId and appClientId from ensure-user-pool',
    );
  }
  return {
    userPoolId,
    appClientId,
    providerName: resources.identityProviderName ?? spec.cognito.identityProviderName,
  };
}

async function describeClient(
  cognito: CognitoIdentityProviderClient,
  t: Target,
): Promise<UserPoolClientType | undefined> {
  const result = await cognitoFind('DescribeUserPoolClient', () =>
    cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: t.userPoolId, ClientId: t.appClientId })),
  );
  return result?.UserPoolClient;
}

/** COGNITO first, then the other providers as found, then ours: nothing already listed is dropped. */
export function withProvider(current: readonly string[] | undefined, name: string): string[] {
  const rest = (current ?? []).filter((p) => p !== COGNITO_PROVIDER && p !== name);
  return [COGNITO_PROVIDER, ...rest, name];
}

function enabled(client: UserPoolClientType, name: string): boolean {
  const listed = client.SupportedIdentityProviders ?? [];
  return listed.includes(name) && listed.includes(COGNITO_PROVIDER);
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: EnableClients,
): Promise<ApplyResult> {
  const t = target(spec, resources);
  const client = await describeClient(clients.cognito, t);
  if (!client) throw new PreconditionError(`app client ${t.appClientId} does not exist in ${t.userPoolId}`);
  if (enabled(client, t.providerName)) return { outcome: 'unchanged', writes: 0, resources: {} };

  const providers = withProvider(client.SupportedIdentityProviders, t.providerName);
  await cognitoSend('UpdateUserPoolClient', () =>
    clients.cognito.send(
      new UpdateUserPoolClientCommand(clientUpdateInput(client, { SupportedIdentityProviders: providers })),
    ),
  );
  const confirmed = await describeClient(clients.cognito, t);
  if (!confirmed || !enabled(confirmed, t.providerName)) {
    // Written but not (yet) visible: let the state machine retry; the next apply converges.
    throw new TransientError(`app client ${t.appClientId} does not list ${t.providerName} after the update`);
  }
  return { outcome: 'updated', writes: 1, resources: {} };
}

/** Unwires: removes the identity provider from the app client, writing the rest back unchanged. */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: EnableClients,
): Promise<DestroyResult> {
  // Nothing to unwire once the pool or app client is gone (a second deprovisioning).
  if (
    !(resources.userPoolId ?? spec.cognito.userPoolId) ||
    !(resources.appClientId ?? spec.cognito.appClientId)
  ) {
    return { outcome: 'absent', resources };
  }
  const t = target(spec, resources);
  const client = await describeClient(clients.cognito, t);
  if (!client || !(client.SupportedIdentityProviders ?? []).includes(t.providerName)) {
    return { outcome: 'absent', resources };
  }
  const providers = (client.SupportedIdentityProviders ?? []).filter((p) => p !== t.providerName);
  await cognitoSend('UpdateUserPoolClient', () =>
    clients.cognito.send(
      new UpdateUserPoolClientCommand(clientUpdateInput(client, { SupportedIdentityProviders: providers })),
    ),
  );
  return { outcome: 'unwired', resources };
}

/** Drifted when the app client no longer lists the identity provider or COGNITO. */
export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: EnableClients,
): Promise<CheckResult> {
  const t = target(spec, resources);
  const client = await describeClient(clients.cognito, t);
  if (!client)
    return { outcome: 'missing', drift: [{ field: 'appClientId', expected: t.appClientId, actual: null }] };
  const listed = client.SupportedIdentityProviders ?? [];
  const drift: Drift[] = [];
  for (const name of [COGNITO_PROVIDER, t.providerName]) {
    if (!listed.includes(name)) {
      drift.push({ field: 'SupportedIdentityProviders', expected: `includes ${name}`, actual: listed });
    }
  }
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
