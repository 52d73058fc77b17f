// Every client a function may hold, pointed at one place: the local world's (local/world-clients.ts)
// or a test's. The local world runs every function in one process, so it holds them all and hands
// each function exactly its own (lambda.ts `pickClients`); a Lambda builds only its own from its
// environment (lambda.ts `lambdaClients`). Both make each client with the same builders (wiring/).
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deployment } from './authentik-address.ts';
import { authentik } from './wiring/authentik.ts';
import { cognito } from './wiring/cognito.ts';
import type { ClientsConfig } from './wiring/config.ts';
import type { AllClients } from './wiring/kinds.ts';
import { registry } from './wiring/registry.ts';
import { secrets, tenantSecrets } from './wiring/secrets.ts';

export interface StepClients
  extends Pick<
    AllClients,
    | 'cognito'
    | 'secretsFor'
    | 'registry'
    | 'secretPrefix'
    | 'secretsKmsKeyId'
    | 'rotation'
    | 'deployment'
    | 'authentik'
  > {
  /**
   * Secrets Manager with the function's own credentials. On AWS these reach no tenant's secret:
   * cores get `secretsFor(spec.tenantId)` instead (lambda.ts `tenantClients`).
   */
  secrets: SecretsManagerClient;
}

export interface StepClientsConfig extends ClientsConfig {
  secretPrefix: string;
  registryTableName: string;
  deployment: Deployment;
}

export function createStepClients(config: StepClientsConfig): StepClients {
  return {
    ...cognito(config),
    secrets: tenantSecrets(config).secrets,
    ...secrets(config),
    ...registry(config),
    deployment: config.deployment,
    ...authentik(config),
  };
}
