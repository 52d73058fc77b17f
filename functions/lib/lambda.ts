// Builds a step's Lambda handler: the environment validated and the clients built once per cold
// start, then the shared step wrapper. The local runner uses `stepHandler` with the local world's
// clients instead, so both run the same code from the spec check to the outcome.
import { catalogEntry, type FunctionEnv, type WorkflowStepName } from '../catalog.ts';
import type { AuthentikClient } from './authentik/client.ts';
import { createStepClients, type StepClients } from './clients.ts';
import { deploymentFromEnv, loadEnv } from './env.ts';
import { type StepModule, stepHandler } from './handler.ts';
import type { TenantSpec } from './tenant-spec.ts';

/**
 * The clients a core receives: the Authentik client already made for the tenant, and `secrets`
 * scoped to the spec's tenant (a session of the tenant-secrets role tagged with it, see
 * tenant-secrets.ts), so a core can reach no other tenant's secrets even by mistake.
 */
export type ResolvedClients = Omit<StepClients, 'authentik'> & { authentik: AuthentikClient };

export function resolveClients(clients: StepClients, usesAuthentik: boolean) {
  return async (spec: TenantSpec): Promise<ResolvedClients> => {
    const authentik = usesAuthentik
      ? await clients.authentik(spec)
      : (undefined as unknown as AuthentikClient); // never read by a step that does not use Authentik
    return { ...clients, secrets: clients.secretsFor(spec.tenantId), authentik };
  };
}

type AnyStepEnv = FunctionEnv<'verify-federation'> & FunctionEnv<'record-outcome'>;

export function lambdaStepHandler(name: WorkflowStepName, module: StepModule<ResolvedClients>) {
  const { env: schema, usesAuthentik } = catalogEntry(name);
  // Each function validates only the variables it needs; the rest stay unset on purpose.
  const env: Partial<AnyStepEnv> = loadEnv(schema);
  const deployment = deploymentFromEnv({
    ALLOWED_AUTHENTIK_HOSTS: env.ALLOWED_AUTHENTIK_HOSTS ?? [],
    ALLOW_LOOPBACK_HTTP: env.ALLOW_LOOPBACK_HTTP ?? false,
    ALLOW_PRIVATE_ADDRESSES: env.ALLOW_PRIVATE_ADDRESSES ?? false,
  });
  const clients = createStepClients({
    cognitoEndpoint: env.COGNITO_ENDPOINT,
    secretsManagerEndpoint: env.SECRETS_MANAGER_ENDPOINT,
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT,
    secretPrefix: env.SECRET_PREFIX ?? '',
    secretsKmsKeyId: env.SECRETS_KMS_KEY_ID,
    registryTableName: env.REGISTRY_TABLE_NAME ?? '',
    deployment,
    tenantSecretsRoleArn: env.TENANT_SECRETS_ROLE_ARN,
    stsEndpoint: env.STS_ENDPOINT,
    functionName: name,
  });
  return stepHandler(name, module, resolveClients(clients, usesAuthentik), () => deployment);
}
