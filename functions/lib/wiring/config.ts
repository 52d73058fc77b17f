// What the client builders read: a function's configuration, taken from its environment on Lambda
// (lambda.ts) or from the local world's endpoints (clients.ts). Everything is optional here because
// each function has only part of it; a builder fails at cold start, naming what is missing, when it
// is asked for a client its function's configuration cannot make.
import type { Deployment } from '../authentik-address.ts';
import type { RotationSchedule } from '../rotation-schedule.ts';
import type { OnThrottle } from '../throttles.ts';

export interface ClientsConfig {
  /** The function the clients serve: its tenant-secrets sessions carry its name. */
  functionName?: string | undefined;
  region?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  cognitoEndpoint?: string | undefined;
  secretsManagerEndpoint?: string | undefined;
  stsEndpoint?: string | undefined;
  dynamodbEndpoint?: string | undefined;
  stepFunctionsEndpoint?: string | undefined;
  /** Secrets are named `<secretPrefix>/<tenantId>/<kind>`. */
  secretPrefix?: string | undefined;
  /** The KMS key new secrets are encrypted with; the account's default key when unset. */
  secretsKmsKeyId?: string | undefined;
  /** The deployment's rotation of the tenants' secrets; unset: provisioning turns none on. */
  rotation?: RotationSchedule | undefined;
  /** The tenant-secrets role (see tenant-secrets.ts); unset: the plain client serves every tenant. */
  tenantSecretsRoleArn?: string | undefined;
  registryTableName?: string | undefined;
  /** The SSRF boundary: where the Authentik client may connect. */
  deployment?: Deployment | undefined;
  authentikTimeoutMs?: number | undefined;
  /** Told of every throttled attempt of the clients built (a Lambda counts them as a metric). */
  onThrottle?: OnThrottle | undefined;
}

/** An AWS SDK client's options: the region and credentials when given, and the endpoint. */
export function awsOptions(config: ClientsConfig, endpoint: string | undefined) {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** A value the client being built cannot do without. */
export function configured<T>(value: T | undefined, what: string, config: ClientsConfig): T {
  if (value === undefined) {
    throw new Error(`${config.functionName ?? 'this function'} is not configured with ${what}`);
  }
  return value;
}
