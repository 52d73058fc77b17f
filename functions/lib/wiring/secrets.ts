// The Secrets Manager clients of a function that reads or writes tenants' secrets: one per tenant, a
// session of the tenant-secrets role tagged with the tenant (tenant-secrets.ts), so a core holds a
// client that cannot reach another tenant's secrets.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsForTenant, tenantSecretsClients } from '../tenant-secrets.ts';
import { awsOptions, type ClientsConfig, configured } from './config.ts';
import type { Builder } from './kinds.ts';

const made = new WeakMap<ClientsConfig, { secrets: SecretsManagerClient; secretsFor: SecretsForTenant }>();

/**
 * The function's own client (its role's credentials, which reach no tenant's secret on AWS) and the
 * per-tenant ones, made once per configuration: the Authentik builder reads the tenant's token
 * through the same sessions as the function's own reads.
 */
export function tenantSecrets(config: ClientsConfig) {
  let clients = made.get(config);
  if (!clients) {
    const clientConfig = awsOptions(config, config.secretsManagerEndpoint);
    const secrets = new SecretsManagerClient(clientConfig);
    const secretsFor = tenantSecretsClients(secrets, {
      clientConfig,
      roleArn: config.tenantSecretsRoleArn,
      functionName: config.functionName,
      stsEndpoint: config.stsEndpoint,
    });
    clients = { secrets, secretsFor };
    made.set(config, clients);
  }
  return clients;
}

export const secrets: Builder<'secrets'> = (config) => ({
  secretsFor: tenantSecrets(config).secretsFor,
  secretPrefix: configured(config.secretPrefix, 'a secret prefix (SECRET_PREFIX)', config),
  secretsKmsKeyId: config.secretsKmsKeyId,
  rotation: config.rotation,
});
