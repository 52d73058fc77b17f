// report-verification's environment, on its own so the CDK side can type the function's
// environment from it without loading the handler (and its EventBridge client).
import * as z from 'zod/mini';
import '#lib/zod-messages.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import { METRICS_NAMESPACE } from '#lib/metric-names.ts';

/** This function's environment (defaults suit one deployment per account and region). */
export const reportEnv = z.object({
  /** The bus the state-change events go to. */
  EVENT_BUS_NAME: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'default'),
  /** The events' `source`. */
  EVENT_SOURCE: z._default(
    z
      .string()
      .check(z.regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be an event source like authentik-cognito-federation')),
    SERVICE_NAME,
  ),
  METRICS_NAMESPACE: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'must be a CloudWatch namespace')),
    METRICS_NAMESPACE,
  ),
});
