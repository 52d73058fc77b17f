// report-verification's environment, on its own so the CDK side can type the function's
// environment from it without loading the handler (and its EventBridge client).
import { z } from 'zod';
import { SERVICE_NAME } from '#lib/logger.ts';

/** This function's environment (defaults suit one deployment per account and region). */
export const reportEnv = z.object({
  /** The bus the state-change events go to. */
  EVENT_BUS_NAME: z.string().min(1).max(256).default('default'),
  /** The events' `source`. */
  EVENT_SOURCE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be an event source like authentik-cognito-federation')
    .default(SERVICE_NAME),
  METRICS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'must be a CloudWatch namespace')
    .default('AuthentikCognitoFederation'),
});
