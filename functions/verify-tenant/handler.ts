// Lambda entry for verify-tenant: the clients built once per cold start from the same environment as
// the steps (Cognito, Secrets Manager, the registry, the deployment's SSRF boundary), then the core.
import { createStepClients } from '#lib/clients.ts';
import { deploymentFromEnv, loadEnv, stepEnv } from '#lib/env.ts';
import { createLogger } from '#lib/logger.ts';
import type { TenantVerifyClients } from '#lib/verification/types.ts';
import { type VerifyTenantEvent, verifyOne } from './core.ts';

/** Built for a set of clients, so the local runner can use the same handler against the local world. */
export function verifyTenantHandler(clients: TenantVerifyClients, logger = createLogger('verify-tenant')) {
  return async (event: VerifyTenantEvent) => {
    const result = await verifyOne(event, clients);
    // Ids, states and reason codes only: the spec and the report's sentences stay out of the log.
    logger.info(`verify-tenant ${result.tenantId}: ${result.state}`, {
      tenantId: result.tenantId,
      state: result.state,
      previousState: result.previousState,
      failing: result.failing,
      repair: result.repair ? { provisioning: result.repair.provisioning, fixed: result.repair.fixed } : null,
      durationMs: result.durationMs,
    });
    return result;
  };
}

let clients: TenantVerifyClients | undefined;
export const handler = (event: VerifyTenantEvent) => {
  if (!clients) {
    const env = loadEnv(stepEnv);
    clients = {
      ...createStepClients({
        cognitoEndpoint: env.COGNITO_ENDPOINT,
        secretsManagerEndpoint: env.SECRETS_MANAGER_ENDPOINT,
        dynamodbEndpoint: env.DYNAMODB_ENDPOINT,
        secretPrefix: env.SECRET_PREFIX,
        registryTableName: env.REGISTRY_TABLE_NAME,
        deployment: deploymentFromEnv(env),
        // Each tenant's secrets through a session of the tenant-secrets role tagged with it.
        tenantSecretsRoleArn: env.TENANT_SECRETS_ROLE_ARN,
        stsEndpoint: env.STS_ENDPOINT,
        functionName: 'verify-tenant',
      }),
      // Real Cognito serves the pools' hosted UI; an endpoint override is a local stand-in without one.
      hostedUi: env.COGNITO_ENDPOINT === undefined,
    };
  }
  return verifyTenantHandler(clients)(event);
};
