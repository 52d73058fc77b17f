// The functions' environments, validated once at cold start: a misconfigured function fails on its
// first invocation with every bad variable named, not half-way through a step. functions/catalog.ts
// says which schema each function validates; the CDK side types each function's `environment` from
// the same schema (`FunctionEnvInput<'ensure-user-pool'>`).
//
// Variables Lambda sets itself (AWS_REGION, credentials) are not here: CDK may not set them. The
// *_ENDPOINT variables exist for the local world only (moto behind the strict Cognito layer).

import * as z from 'zod/mini';
import { allowListProblems, type Deployment } from './authentik-address.ts';
import { ValidationError } from './errors.ts';
import './zod-messages.ts';

const endpoint = z.optional(z.url({ protocol: /^https?$/ }));
const flag = z.pipe(
  z._default(z.enum(['true', 'false']), 'false'),
  z.transform((value: 'true' | 'false') => value === 'true'),
);
// Too broad an entry (`*.com`, `*.nip.io`) or an IP address fails the cold start, as it fails the
// synth. The Public Suffix List stays out of the bundles (see infra/public-suffix.ts), so here a
// wildcard over a multi-label public suffix (`*.co.uk`) is left to the synth's check.
const hostList = z
  .pipe(
    z.string().check(z.minLength(1)),
    z.transform((value: string) =>
      value
        .split(',')
        .map((host) => host.trim())
        .filter((host) => host !== ''),
    ),
  )
  .check(
    z.superRefine((hosts: string[], ctx) => {
      for (const message of allowListProblems(hosts, { ipLiterals: false })) {
        ctx.addIssue({ code: 'custom', message });
      }
    }),
  );

const cognitoEnv = { COGNITO_ENDPOINT: endpoint };
const secretsEnv = {
  SECRETS_MANAGER_ENDPOINT: endpoint,
  /** Secrets are named `<SECRET_PREFIX>/<tenantId>/<kind>`: one prefix per deployment. */
  SECRET_PREFIX: z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a secret name prefix like federation'),
    ),
  /** The deployment's KMS key for the secrets the workflow creates (unset locally). */
  SECRETS_KMS_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  /**
   * The tenant-secrets role: tenants' secrets are read and written only through a session of it
   * tagged with the tenant (functions/lib/tenant-secrets.ts). Unset: the function's own credentials.
   */
  TENANT_SECRETS_ROLE_ARN: z.optional(
    z.string().check(z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')),
  ),
  STS_ENDPOINT: endpoint,
  /**
   * The rotation function Secrets Manager calls for the tenants' OIDC client and test-user secrets
   * (functions/rotate-secret/); unset where no Lambda can be invoked (the local world).
   */
  ROTATION_FUNCTION_ARN: z.optional(
    z
      .string()
      .check(
        z.regex(/^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+$/, 'must be a Lambda function ARN'),
      ),
  ),
  /** Days between rotations unless a tenant's spec says otherwise; unset: provisioning turns none on. */
  ROTATION_AFTER_DAYS: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d{1,4}$/, 'must be a number of days')),
      z.pipe(
        z.transform((value: string) => Number(value)),
        z.number().check(z.minimum(1, 'must be 1 to 1000 days'), z.maximum(1000, 'must be 1 to 1000 days')),
      ),
    ),
  ),
};
const registryEnv = {
  DYNAMODB_ENDPOINT: endpoint,
  REGISTRY_TABLE_NAME: z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
};
const deploymentEnv = {
  /** Comma-separated hosts (`auth.example.com`, `*.example.com`) the workflow may send requests to. */
  ALLOWED_AUTHENTIK_HOSTS: hostList,
  ALLOW_LOOPBACK_HTTP: flag,
};

/**
 * Every step Lambda and verify-tenant: Cognito, Secrets Manager, the registry, and the deployment's
 * SSRF boundary, since each step parses the spec again.
 */
export const stepEnv = z.object({ ...cognitoEnv, ...secretsEnv, ...registryEnv, ...deploymentEnv });
/** record-outcome and list-tenants: only the registry. */
export const registryStepEnv = z.object({ ...registryEnv });
const stateMachineArn = z
  .string()
  .check(z.regex(/^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[\w-]+$/, 'must be a state machine ARN'));
/** The API Lambda: validates specs, stores Authentik tokens, starts executions, reads the registry. */
export const apiEnv = z.object({
  // A plan reads Cognito (POST /tenants/{id}/plan).
  ...cognitoEnv,
  ...registryEnv,
  ...secretsEnv,
  ...deploymentEnv,
  /** The provision-tenant state machine. */
  STATE_MACHINE_ARN: stateMachineArn,
  DEPROVISION_STATE_MACHINE_ARN: stateMachineArn,
  /** The verification state machine; without it POST /tenants/{id}/verify answers 501. */
  VERIFY_STATE_MACHINE_ARN: z.optional(stateMachineArn),
  STEP_FUNCTIONS_ENDPOINT: endpoint,
});

/** Validates the environment; the error names each bad variable and never echoes a value. */
export function loadEnv<S extends z.core.$ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.output<S> {
  const result = z.safeParse(schema, source);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || '(environment)';
    const messages = fields[key] ?? [];
    fields[key] = messages;
    messages.push(issue.message);
  }
  const summary = Object.entries(fields)
    .map(([key, messages]) => `${key}: ${messages.join('; ')}`)
    .join(' | ');
  throw new ValidationError(`invalid environment: ${summary}`, fields);
}

/** The SSRF boundary of this deployment, from its environment. */
export function deploymentFromEnv(env: {
  ALLOWED_AUTHENTIK_HOSTS: string[];
  ALLOW_LOOPBACK_HTTP: boolean;
}): Deployment {
  const problems = allowListProblems(env.ALLOWED_AUTHENTIK_HOSTS, { ipLiterals: false });
  if (problems.length > 0) {
    throw new ValidationError(`invalid environment: ALLOWED_AUTHENTIK_HOSTS: ${problems.join('; ')}`, {
      ALLOWED_AUTHENTIK_HOSTS: problems,
    });
  }
  return {
    allowedAuthentikHosts: env.ALLOWED_AUTHENTIK_HOSTS,
    allowLoopbackHttp: env.ALLOW_LOOPBACK_HTTP,
  };
}
