// Lambda entry for verify-tenant: the clients its catalog entry calls for (Cognito, the tenants'
// secrets, the registry, Authentik, the deployment's SSRF boundary), built on the first invocation,
// then the core.
import { functionEnv, lambdaClients, lambdaEntry } from '#lib/lambda.ts';
import { createLogger } from '#lib/logger.ts';
import { AWS_HOSTED_UI_BASE_URL } from '#lib/verification/hosted-ui.ts';
import type { TenantVerifyClients } from '#lib/verification/types.ts';
import { authentik } from '#lib/wiring/authentik.ts';
import { cognito } from '#lib/wiring/cognito.ts';
import { registry } from '#lib/wiring/registry.ts';
import { secrets } from '#lib/wiring/secrets.ts';
import { type VerifyTenantEvent, verifyOne } from './core.ts';

/** The function's task for a set of clients, so the local world runs the same code with its own. */
export function verifyTenantTask(clients: TenantVerifyClients, logger = createLogger('verify-tenant')) {
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

export const handler = lambdaEntry(() => {
  const env = functionEnv('verify-tenant');
  return verifyTenantTask({
    ...lambdaClients('verify-tenant', { cognito, secrets, registry, authentik }, env),
    // Real Cognito serves each pool's hosted UI on its domain; an endpoint override is a stand-in
    // that may have none.
    ...(env.COGNITO_ENDPOINT === undefined ? { hostedUiBaseUrl: AWS_HOSTED_UI_BASE_URL } : {}),
  });
});
