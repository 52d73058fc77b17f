// rotate-secret's environment, on its own so the CDK side can type the function's environment from it
// without loading the handler: a step's (Cognito, the tenants' secrets, the registry, the SSRF
// boundary) and the bus its events go to.
import * as z from 'zod/mini';
import '#lib/zod-messages.ts';
import { stepEnv } from '#lib/env.ts';
import { reportEnv } from '../report-verification/env.ts';

export const rotationEnv = z.object({
  ...stepEnv.shape,
  EVENT_BUS_NAME: reportEnv.shape.EVENT_BUS_NAME,
  EVENT_SOURCE: reportEnv.shape.EVENT_SOURCE,
});
