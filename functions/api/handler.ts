// Lambda entry of the tenant API (API Gateway REST, proxy integration, IAM authorization). The
// environment is validated and the clients are built once per cold start; the core does the rest.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { apiEnv, deploymentFromEnv, loadEnv } from '#lib/env.ts';
import { createLogger } from '#lib/logger.ts';
import { TenantRegistry } from '#lib/registry.ts';
import { tenantSecretsClients } from '#lib/tenant-secrets.ts';
import { createApi, proxyHandler } from './core.ts';
import { stepFunctionsStarter } from './sfn-starter.ts';

const env = loadEnv(apiEnv);
const endpoint = (url: string | undefined) => (url ? { endpoint: url } : {});
const dynamodb = new DynamoDBClient(endpoint(env.DYNAMODB_ENDPOINT));
const starter = stepFunctionsStarter(new SFNClient(endpoint(env.STEP_FUNCTIONS_ENDPOINT)), {
  provision: env.STATE_MACHINE_ARN,
  deprovision: env.DEPROVISION_STATE_MACHINE_ARN,
  verify: env.VERIFY_STATE_MACHINE_ARN,
});

export const handler = proxyHandler(
  createApi(
    {
      registry: new TenantRegistry(DynamoDBDocumentClient.from(dynamodb), env.REGISTRY_TABLE_NAME),
      // A token is stored through a session of the tenant-secrets role tagged with its tenant.
      secretsFor: tenantSecretsClients(new SecretsManagerClient(endpoint(env.SECRETS_MANAGER_ENDPOINT)), {
        clientConfig: endpoint(env.SECRETS_MANAGER_ENDPOINT),
        roleArn: env.TENANT_SECRETS_ROLE_ARN,
        functionName: 'api',
        stsEndpoint: env.STS_ENDPOINT,
      }),
      secretPrefix: env.SECRET_PREFIX,
      secretsKmsKeyId: env.SECRETS_KMS_KEY_ID,
      deployment: deploymentFromEnv(env),
      starter,
      verifier: starter,
    },
    createLogger('api'),
  ),
);
