// The clients a step works with. On Lambda they are built once per cold start from the environment;
// the local runner builds the same set pointed at the local world. Cores take only what they use.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { type AuthentikClient, createAuthentikClient } from './authentik/client.ts';
import { ValidationError } from './errors.ts';
import { TenantRegistry } from './registry.ts';
import { arnNamesSecret, readSecretJson, secretName } from './secrets.ts';
import { type SecretsForTenant, tenantSecretsClients } from './tenant-secrets.ts';
import type { Deployment, TenantSpec } from './tenant-spec.ts';

export interface AwsClientConfig {
  region?: string;
  cognitoEndpoint?: string | undefined;
  secretsManagerEndpoint?: string | undefined;
  dynamodbEndpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface StepClients {
  cognito: CognitoIdentityProviderClient;
  /**
   * Secrets Manager with the function's own credentials. On AWS these reach no tenant's secret:
   * cores get `secretsFor(spec.tenantId)` instead (resolveClients in lambda.ts).
   */
  secrets: SecretsManagerClient;
  /** Secrets Manager for one tenant: a session of the tenant-secrets role tagged with the tenant. */
  secretsFor: SecretsForTenant;
  registry: TenantRegistry;
  /** Secrets are named `<secretPrefix>/<tenantId>/<kind>`. */
  secretPrefix: string;
  /** The KMS key new secrets are encrypted with; the account's default key when unset. */
  secretsKmsKeyId?: string | undefined;
  deployment: Deployment;
  /** An Authentik client for the tenant, its token read from Secrets Manager inside this Lambda. */
  authentik(spec: TenantSpec): Promise<AuthentikClient>;
}

export interface StepClientsConfig extends AwsClientConfig {
  secretPrefix: string;
  secretsKmsKeyId?: string | undefined;
  registryTableName: string;
  deployment: Deployment;
  authentikTimeoutMs?: number;
  /** The tenant-secrets role (see tenant-secrets.ts); unset: the plain client serves every tenant. */
  tenantSecretsRoleArn?: string | undefined;
  /** The function these clients serve, tagged on its tenant-secrets sessions. */
  functionName?: string | undefined;
  stsEndpoint?: string | undefined;
}

const tokenSecret = z.object({ token: z.string().check(z.minLength(1)) });
// A warm Lambda reuses the token for a while; a rotated token is picked up within this time.
const TOKEN_TTL_MS = 5 * 60_000;

export function createStepClients(config: StepClientsConfig): StepClients {
  const common = {
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
  const cognito = new CognitoIdentityProviderClient({
    ...common,
    ...(config.cognitoEndpoint ? { endpoint: config.cognitoEndpoint } : {}),
  });
  const secretsConfig = {
    ...common,
    ...(config.secretsManagerEndpoint ? { endpoint: config.secretsManagerEndpoint } : {}),
  };
  const secrets = new SecretsManagerClient(secretsConfig);
  const secretsFor = tenantSecretsClients(secrets, {
    clientConfig: secretsConfig,
    roleArn: config.tenantSecretsRoleArn,
    functionName: config.functionName,
    stsEndpoint: config.stsEndpoint,
  });
  const dynamodb = new DynamoDBClient({
    ...common,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  });
  const registry = new TenantRegistry(DynamoDBDocumentClient.from(dynamodb), config.registryTableName);
  const cache = new Map<string, { client: AuthentikClient; until: number }>();
  return {
    cognito,
    secrets,
    secretsFor,
    registry,
    secretPrefix: config.secretPrefix,
    secretsKmsKeyId: config.secretsKmsKeyId,
    deployment: config.deployment,
    async authentik(spec) {
      // The token is read by the tenant's own name, never by whatever ARN the spec names: a spec for
      // tenant B naming A's token and a host B controls would otherwise send A's token to B's host.
      // The spec schema refuses such an ARN too; this holds even if that validation were skipped.
      const name = secretName(config.secretPrefix, spec.tenantId, 'authentik-token');
      if (!arnNamesSecret(spec.authentik.tokenSecretArn, name)) {
        throw new ValidationError(`authentik.tokenSecretArn must name the secret ${name}`, {
          'authentik.tokenSecretArn': [`must name the secret ${name}`],
        });
      }
      const key = `${name} ${spec.authentik.baseUrl}`;
      const cached = cache.get(key);
      if (cached && cached.until > Date.now()) return cached.client;
      const { token } = await readSecretJson(secretsFor(spec.tenantId), name, tokenSecret);
      const client = createAuthentikClient({
        baseUrl: spec.authentik.baseUrl,
        token,
        // Connects only to addresses this deployment allows (pinned-transport.ts).
        deployment: config.deployment,
        ...(config.authentikTimeoutMs ? { timeoutMs: config.authentikTimeoutMs } : {}),
      });
      cache.set(key, { client, until: Date.now() + TOKEN_TTL_MS });
      return client;
    },
  };
}
