// The step clients pointed at a local world, and the one-time set-up a world needs before a tenant
// can be provisioned in it: the registry table, and the emulator's API token stored in the world's
// Secrets Manager, as an operator stores a real token before provisioning.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStepClients, type StepClients } from '#lib/clients.ts';
import { DEFAULT_ROTATION_DAYS } from '#lib/rotation-schedule.ts';
import { putSecret } from '#lib/secrets.ts';
import { localDeployment } from '#lib/tenant-spec.ts';
import { createRegistryTable } from './registry-table.ts';
import { localCredentials, type WorldEndpoints } from './world.ts';

export const LOCAL_SECRET_PREFIX = 'federation';
export const LOCAL_REGISTRY_TABLE = 'federation-tenants';
/**
 * The tenant-secrets role the local steps assume, as deployed functions do (moto enforces no IAM,
 * but the same code path runs). Moto files what a session does under the account in the role's ARN,
 * so it is moto's default account, where the world's secrets are.
 */
export const LOCAL_TENANT_SECRETS_ROLE_ARN = 'arn:aws:iam::123456789012:role/federation-tenant-secrets';

export function worldStepClients(
  endpoints: WorldEndpoints,
  options: { authentikTimeoutMs?: number } = {},
): StepClients {
  return createStepClients({
    region: endpoints.region,
    credentials: localCredentials,
    cognitoEndpoint: endpoints.cognito,
    secretsManagerEndpoint: endpoints.secretsManager,
    dynamodbEndpoint: endpoints.dynamodb,
    secretPrefix: LOCAL_SECRET_PREFIX,
    registryTableName: LOCAL_REGISTRY_TABLE,
    deployment: localDeployment,
    tenantSecretsRoleArn: LOCAL_TENANT_SECRETS_ROLE_ARN,
    // Provisioning turns rotation on as on AWS, without a function: moto cannot invoke one, and
    // local/rotation.ts plays Secrets Manager's part when a rotation is asked for.
    rotation: { afterDays: DEFAULT_ROTATION_DAYS },
    // The credentials must come from the moto that holds the secrets: it serves STS too. One set
    // of clients serves every function here, so the sessions carry only the tenant tag.
    stsEndpoint: endpoints.secretsManager,
    ...(options.authentikTimeoutMs ? { authentikTimeoutMs: options.authentikTimeoutMs } : {}),
  });
}

/** Creates the registry table (if missing). */
export async function prepareWorld(endpoints: WorldEndpoints): Promise<void> {
  const dynamodb = new DynamoDBClient({
    region: endpoints.region,
    endpoint: endpoints.dynamodb,
    credentials: localCredentials,
  });
  try {
    await createRegistryTable(dynamodb, LOCAL_REGISTRY_TABLE);
  } finally {
    dynamodb.destroy();
  }
}

/**
 * Points a tenant spec at the world's Authentik: stores the emulator's token in the world's Secrets
 * Manager under the tenant's name and rewrites `authentik.baseUrl` and `authentik.tokenSecretArn`.
 */
export async function localTenantSpec(
  endpoints: WorldEndpoints,
  clients: Pick<StepClients, 'secrets'>,
  input: Record<string, unknown> & {
    tenantId: string;
    authentik?: Record<string, unknown>;
    cognito?: Record<string, unknown>;
  },
): Promise<Record<string, unknown>> {
  const { arn } = await putSecret(clients.secrets, {
    prefix: LOCAL_SECRET_PREFIX,
    tenantId: input.tenantId,
    kind: 'authentik-token',
    value: { token: endpoints.authentikToken },
  });
  return {
    ...input,
    authentik: { ...input.authentik, baseUrl: endpoints.authentik, tokenSecretArn: arn },
    cognito: { ...input.cognito, region: endpoints.region },
  };
}
