// Each function's environment, typed from the zod schema the function itself validates at cold start.
// A function is matched to its schema through functions/lib/env.ts (`functionEnvSchemas`); the few
// functions that validate a schema of their own are listed here with it. A function with neither
// fails the synth, naming what to add.

import type { z } from 'zod';
import type { StepFunctionName } from '../functions/catalog.ts';
import { type FunctionEnvInput, functionEnvSchemas, registryStepEnv, stepEnv } from '../functions/lib/env.ts';
import type { reportEnv } from '../functions/report-verification/handler.ts';
import type { FederationConfig } from './config.ts';

export interface DeploymentValues {
  readonly config: FederationConfig;
  readonly registryTableName: string;
  /** The stack's key for the tenants' secrets. */
  readonly secretsKmsKeyId: string;
  /** The role every tenant's secrets are reached through (infra/tenant-secrets-role.ts). */
  readonly tenantSecretsRoleArn: string;
}

/** The SSRF boundary as every function that parses a spec reads it. Loopback is never allowed on AWS. */
export function deploymentEnvironment(config: FederationConfig) {
  return {
    ALLOWED_AUTHENTIK_HOSTS: config.allowedAuthentikHosts.join(','),
    ALLOW_LOOPBACK_HTTP: 'false',
    ALLOW_PRIVATE_ADDRESSES: config.allowPrivateAddresses ? 'true' : 'false',
  } as const;
}

function stepEnvironment(values: DeploymentValues): FunctionEnvInput<'ensure-group'> {
  return {
    ...deploymentEnvironment(values.config),
    SECRET_PREFIX: values.config.secretPrefix,
    SECRETS_KMS_KEY_ID: values.secretsKmsKeyId,
    // Set for every step; a step that never touches a secret never assumes it (and may not).
    TENANT_SECRETS_ROLE_ARN: values.tenantSecretsRoleArn,
    // The schema asks every step for the table name; only the functions granted the table use it.
    REGISTRY_TABLE_NAME: values.registryTableName,
  };
}

function registryEnvironment(values: DeploymentValues): FunctionEnvInput<'record-outcome'> {
  return { REGISTRY_TABLE_NAME: values.registryTableName };
}

/**
 * Functions whose handler loads a schema directly instead of through functionEnvSchemas, by the
 * schema it loads. Once env.ts lists a function, env.ts wins.
 */
const OWN_SCHEMA_ENVIRONMENTS: Partial<Record<StepFunctionName, (values: DeploymentValues) => object>> = {
  'list-tenants': registryEnvironment, // registryStepEnv
  'verify-tenant': stepEnvironment, // stepEnv
  // reportEnv: the default bus, the product's event source and metric namespace are its defaults.
  'report-verification': (): z.input<typeof reportEnv> => ({}),
};

/** The variables a step function is deployed with (strings only; unset optional ones left out). */
export function environmentOf(name: StepFunctionName, values: DeploymentValues): Record<string, string> {
  const schema = (functionEnvSchemas as Partial<Record<string, unknown>>)[name];
  let environment: object;
  if (schema === stepEnv) environment = stepEnvironment(values);
  else if (schema === registryStepEnv) environment = registryEnvironment(values);
  else {
    const own = OWN_SCHEMA_ENVIRONMENTS[name];
    if (!own) {
      throw new Error(
        `infra/environments.ts knows no environment for ${name}: add its schema to functionEnvSchemas ` +
          '(functions/lib/env.ts) or list it in OWN_SCHEMA_ENVIRONMENTS',
      );
    }
    environment = own(values);
  }
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** The API's variables, typed from its schema. */
export function apiEnvironment(
  values: DeploymentValues,
  machines: { provision: string; deprovision: string; verify?: string | undefined },
): FunctionEnvInput<'api'> {
  return {
    ...deploymentEnvironment(values.config),
    SECRET_PREFIX: values.config.secretPrefix,
    SECRETS_KMS_KEY_ID: values.secretsKmsKeyId,
    TENANT_SECRETS_ROLE_ARN: values.tenantSecretsRoleArn,
    REGISTRY_TABLE_NAME: values.registryTableName,
    STATE_MACHINE_ARN: machines.provision,
    DEPROVISION_STATE_MACHINE_ARN: machines.deprovision,
    ...(machines.verify ? { VERIFY_STATE_MACHINE_ARN: machines.verify } : {}),
  };
}
