// Lambda entry of the tenant API (API Gateway REST, proxy integration, IAM authorization). The
// environment is validated and the clients its catalog entry calls for are built once per cold start
// (lib/lambda.ts); the core does the rest.
import { functionEnv, lambdaClients } from '#lib/lambda.ts';
import { createLogger } from '#lib/logger.ts';
import { planSpec } from '#lib/plan/plan.ts';
import { authentik } from '#lib/wiring/authentik.ts';
import { cognito } from '#lib/wiring/cognito.ts';
import { executions } from '#lib/wiring/executions.ts';
import { registry } from '#lib/wiring/registry.ts';
import { secrets } from '#lib/wiring/secrets.ts';
import { createApi, proxyHandler } from './core.ts';
import { secretsManagerRotator } from './rotate.ts';
import { stepFunctionsStarter } from './sfn-starter.ts';

const env = functionEnv('api');
// The registry, each tenant's secrets (a token is stored through a session of the tenant-secrets role
// tagged with its tenant), Step Functions, and for plans Cognito and the tenant's Authentik.
const clients = lambdaClients('api', { registry, secrets, executions, cognito, authentik }, env);
const starter = stepFunctionsStarter(clients.executions, {
  provision: env.STATE_MACHINE_ARN,
  deprovision: env.DEPROVISION_STATE_MACHINE_ARN,
  verify: env.VERIFY_STATE_MACHINE_ARN,
});

export const handler = proxyHandler(
  createApi(
    {
      registry: clients.registry,
      secretsFor: clients.secretsFor,
      secretPrefix: clients.secretPrefix,
      secretsKmsKeyId: clients.secretsKmsKeyId,
      deployment: clients.deployment,
      starter,
      verifier: starter,
      planner: { plan: (spec) => planSpec(spec, clients) },
      rotator: secretsManagerRotator(clients.secretsFor, clients.secretPrefix),
    },
    createLogger('api'),
  ),
);
