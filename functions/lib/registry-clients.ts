// The clients of a function that only reads and writes the registry (record-outcome, list-tenants),
// from its environment: no Secrets Manager prefix, no Authentik, so no SSRF boundary to honour.
import { createStepClients, type StepClients } from './clients.ts';
import { loadEnv, registryStepEnv } from './env.ts';

export function registryClientsFromEnv(): StepClients {
  const env = loadEnv(registryStepEnv);
  return createStepClients({
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT,
    registryTableName: env.REGISTRY_TABLE_NAME,
    secretPrefix: 'unused',
    deployment: { allowedAuthentikHosts: [], allowLoopbackHttp: false },
  });
}
