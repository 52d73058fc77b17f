// One logger factory for every step: structured JSON on Lambda, readable with POWERTOOLS_DEV=true
// locally (Powertools reads POWERTOOLS_DEV, POWERTOOLS_LOG_LEVEL and POWERTOOLS_SERVICE_NAME itself).
//
// Nothing secret is ever handed to the logger: the spec carries none, and values read from Secrets
// Manager stay inside the step. The replacer below is a second line of defence only: it blanks any
// string under a key that names a credential, should one slip into a logged object.

import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';

export const SERVICE_NAME = 'authentik-cognito-federation';

const CREDENTIAL_KEY = /token|password|passwd|secret|credential|authorization|cookie/i;

/** Blanks strings under credential-like keys; ARNs of secrets (`tokenSecretArn`) are references, not secrets. */
export function redactCredentials(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || key.endsWith('Arn') || key.endsWith('ARN')) return value;
  return CREDENTIAL_KEY.test(key) ? '[redacted]' : value;
}

/**
 * A logger whose every line carries the step; `tenantId` is added per invocation with `forTenant`.
 * `logLevel` overrides POWERTOOLS_LOG_LEVEL for this logger only (a local run that reads every line).
 */
export function createLogger(step: string, options: { tenantId?: string; logLevel?: LogLevel } = {}): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    persistentKeys: { step, ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }) },
    jsonReplacerFn: redactCredentials,
  });
}

/**
 * Tags every following line with the tenant. Persistent on purpose: a warm Lambda serves one
 * invocation at a time and each invocation sets its own tenant before logging anything.
 */
export function forTenant(logger: Logger, tenantId: string): Logger {
  logger.appendPersistentKeys({ tenantId });
  return logger;
}
