// Each function's environment, typed from the zod schema the function itself validates at cold start
// (functions/catalog.ts names it). Each schema has one way to fill it here; a function whose schema
// has none fails the synth, naming what to add.

import type { z } from 'zod';
import { catalogEntry, type FunctionEnvInput, type StepFunctionName } from '../functions/catalog.ts';
import { registryStepEnv, stepEnv } from '../functions/lib/env.ts';
import { reportEnv } from '../functions/report-verification/env.ts';
import { rotationEnv } from '../functions/rotate-secret/env.ts';
import type { FederationConfig } from './config.ts';

export interface DeploymentValues {
  readonly config: FederationConfig;
  readonly registryTableName: string;
  /** The stack's key for the tenants' secrets. */
  readonly secretsKmsKeyId: string;
  /** The role every tenant's secrets are reached through (infra/tenant-secrets-role.ts). */
  readonly tenantSecretsRoleArn: string;
  /** The function Secrets Manager rotates the tenants' secrets with (functions/rotate-secret/). */
  readonly rotationFunctionArn?: string;
}

/** The SSRF boundary as every function that parses a spec reads it. Loopback is never allowed on AWS. */
export function deploymentEnvironment(config: FederationConfig) {
  return {
    ALLOWED_AUTHENTIK_HOSTS: config.allowedAuthentikHosts.join(','),
    ALLOW_LOOPBACK_HTTP: 'false',
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
    // The steps that store the OIDC client and the test user's password turn rotation on.
    ROTATION_AFTER_DAYS: String(values.config.rotationAfterDays),
    ...(values.rotationFunctionArn ? { ROTATION_FUNCTION_ARN: values.rotationFunctionArn } : {}),
  };
}

/** The rotation function: a step's variables (not its own ARN), and the bus's defaults. */
function rotationEnvironment(values: DeploymentValues): z.input<typeof rotationEnv> {
  const { ROTATION_FUNCTION_ARN: _self, ...step } = stepEnvironment(values);
  return step;
}

function registryEnvironment(values: DeploymentValues): FunctionEnvInput<'record-outcome'> {
  return { REGISTRY_TABLE_NAME: values.registryTableName };
}

/** How each schema of the catalog is filled on AWS. */
const ENVIRONMENTS = new Map<unknown, (values: DeploymentValues) => object>([
  [stepEnv, stepEnvironment],
  [registryStepEnv, registryEnvironment],
  // The default bus, the product's event source and metric namespace are reportEnv's defaults.
  [reportEnv, (): z.input<typeof reportEnv> => ({})],
  [rotationEnv, rotationEnvironment],
]);

/** The variables a step function is deployed with (strings only; unset optional ones left out). */
export function environmentOf(
  name: StepFunctionName | 'rotate-secret',
  values: DeploymentValues,
): Record<string, string> {
  const environment = ENVIRONMENTS.get(catalogEntry(name).env);
  if (!environment) {
    throw new Error(
      `infra/environments.ts knows no environment for ${name}'s schema (functions/catalog.ts): add it to ENVIRONMENTS`,
    );
  }
  return Object.fromEntries(
    Object.entries(environment(values)).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
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
