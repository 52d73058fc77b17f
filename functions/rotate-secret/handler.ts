// Lambda entry for rotate-secret, which Secrets Manager invokes for each step of a rotation of a
// tenant's oidc-client or test-user secret: the clients its catalog entry calls for, built on the
// first invocation, then the core. The log says which step of which secret ended how; never a value.
import { functionEnv, lambdaClients, lambdaEntry } from '#lib/lambda.ts';
import { createLogger } from '#lib/logger.ts';
import { AWS_HOSTED_UI_BASE_URL } from '#lib/verification/hosted-ui.ts';
import { authentik } from '#lib/wiring/authentik.ts';
import { cognito } from '#lib/wiring/cognito.ts';
import { events } from '#lib/wiring/events.ts';
import { registry } from '#lib/wiring/registry.ts';
import { secrets } from '#lib/wiring/secrets.ts';
import { eventBridgeSink } from '../report-verification/events.ts';
import { type RotationDeps, rotateSecret } from './core.ts';

/** The function's task for a set of clients, so the local world runs the same code with its own. */
export function rotateSecretTask(deps: RotationDeps, logger = createLogger('rotate-secret')) {
  return async (event: unknown) => {
    try {
      const answer = await rotateSecret(event, deps);
      logger.info(`rotate-secret ${answer.tenantId} ${answer.kind} ${answer.step}: ${answer.outcome}`, {
        ...answer,
      });
      return answer;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      // The secret's name and the step, as the event gave them (no value is ever in an event); the
      // logger blanks keys that sound like credentials, so the name goes under `target`.
      const { Step, SecretId } = (event ?? {}) as { Step?: unknown; SecretId?: unknown };
      logger.error('rotate-secret step failed', {
        rotationStep: typeof Step === 'string' ? Step.slice(0, 32) : undefined,
        target: typeof SecretId === 'string' ? SecretId.slice(0, 2048) : undefined,
        errorName: err.name,
        errorMessage: err.message,
      });
      throw error;
    }
  };
}

export const handler = lambdaEntry(() => {
  const env = functionEnv('rotate-secret');
  const clients = lambdaClients('rotate-secret', { cognito, secrets, registry, authentik, events }, env);
  return rotateSecretTask({
    ...clients,
    events: eventBridgeSink(clients.events, { busName: env.EVENT_BUS_NAME, source: env.EVENT_SOURCE }),
    // Real Cognito serves each pool's hosted UI on its domain (as verify-tenant's handler says).
    ...(env.COGNITO_ENDPOINT === undefined ? { hostedUiBaseUrl: AWS_HOSTED_UI_BASE_URL } : {}),
  });
});
