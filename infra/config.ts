// The deployment's configuration, read from CDK context (`cdk.json` or `-c key=value`) and checked
// before any construct is made, so a bad value fails the synth with the key named instead of
// deploying something half right.

import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { allowListProblems } from '../functions/lib/authentik-address.ts';
import { isPublicSuffix } from './public-suffix.ts';
import { scheduleExpressionProblems } from './schedule.ts';
import { API_ACCESS_LOGS } from './tenant-api.ts';

const retentionValues = new Set<number>(Object.values(RetentionDays).filter((v) => typeof v === 'number'));

// `-c key=value` always gives strings; cdk.json gives JSON. Accept both spellings of a list.
const hostList = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((h) => h.trim().toLowerCase()))
  .transform((hosts) => hosts.filter((h) => h !== ''))
  .pipe(
    z
      .array(z.string())
      .min(1, 'name at least one Authentik host the workflow may call')
      // Entries are `auth.example.com`, `*.example.com` or `auth.example.com:8443`; a wildcard over a
      // public suffix (the Public Suffix List's) or a wildcard DNS service, and IP addresses, are
      // refused: the list is the SSRF boundary (functions/lib/authentik-address.ts).
      .superRefine((hosts, ctx) => {
        for (const message of allowListProblems(hosts, { ipLiterals: false, isPublicSuffix })) {
          ctx.addIssue({ code: 'custom', message });
        }
      }),
  );
const days = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

export const federationConfigSchema = z.strictObject({
  /** The SSRF boundary: the only hosts a tenant's `authentik.baseUrl` may name. Required. */
  allowedAuthentikHosts: hostList,
  /** Secrets are named `<secretPrefix>/<tenantId>/<kind>`; IAM is scoped to this prefix. */
  secretPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a secret name prefix like federation')
    .default('federation'),
  /** How often every tenant is re-verified (EventBridge), or `off`. */
  verificationSchedule: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      if (value === 'off') return;
      for (const message of scheduleExpressionProblems(value)) ctx.addIssue({ code: 'custom', message });
    })
    .default('rate(1 day)'),
  /**
   * Days between rotations of each tenant's OIDC client secret and test-user password (Secrets
   * Manager's RotationRules, 1 to 1000); a tenant's spec may set its own (`rotation`).
   */
  rotationAfterDays: days
    .refine(
      (d) => Number.isInteger(d) && d >= 1 && d <= 1000,
      'must be a whole number of days from 1 to 1000',
    )
    .default(90),
  /** Retention of every log group of the stack (functions, state machines, API access logs). */
  logRetentionDays: days
    .refine(
      (d) => retentionValues.has(d),
      'must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90…)',
    )
    .default(90),
  /** When set, every Cognito permission is limited to this user pool; no pool is created or deleted. */
  existingUserPoolId: z
    .string()
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id like eu-west-1_AbC123')
    .optional(),
  /**
   * The tenant API's access logs and the account's API Gateway CloudWatch Logs role they need
   * (infra/tenant-api.ts): `stack-role` sets this stack's role as the account's, `account-role` uses
   * the one the account already has, `off` writes no access logs.
   */
  apiAccessLogs: z.enum(API_ACCESS_LOGS).default('stack-role'),
  /** API Gateway stage throttling (requests per second, burst). */
  apiRateLimit: z.coerce.number().positive().default(10),
  apiBurstLimit: z.coerce.number().int().positive().default(20),
});

// Keys the stack no longer reads, with why, so a deployment that still sets one learns what changed.
const REMOVED_KEYS: Record<string, string> = {
  allowPrivateAddresses:
    'removed: Cognito itself fetches the issuer, JWKS and token endpoints of Authentik over the ' +
    'internet, so the Authentik must have a public address, and the functions reach it there too',
};

/** The configuration as written (strings accepted where the CLI gives strings). */
export type FederationConfigInput = z.input<typeof federationConfigSchema>;
/** The configuration the stack reads: every default filled in. */
export type FederationConfig = z.output<typeof federationConfigSchema>;

/**
 * Validates the configuration. The error lists every bad key with its rule; values are not echoed
 * (none is secret, but a long list of hosts would bury the message).
 */
export function parseFederationConfig(input: Record<string, unknown>): FederationConfig {
  const result = federationConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(configuration)';
    const removed = issue.code === 'unrecognized_keys' ? issue.keys.find((k) => REMOVED_KEYS[k]) : undefined;
    if (removed) return `  ${removed}: ${REMOVED_KEYS[removed]}`;
    return `  ${key}: ${issue.message}`;
  });
  throw new Error(`invalid federation configuration (CDK context):\n${lines.join('\n')}`);
}

// CDK's own context keys carry `:`, `@` or `-` (`aws:cdk:…`, `@aws-cdk/…`, `cli-telemetry`); a plain
// camelCase key is meant for this stack, so one that is not known is a typo worth failing on.
const OWN_KEY = /^[a-z][A-Za-z0-9]*$/;

/**
 * Reads the configuration from a construct's context (cdk.json, `-c`, or the App's context). A
 * camelCase key the stack does not know fails the synth, so `secretPrefx` is not silently ignored.
 */
export function configFromContext(context: Record<string, unknown>): FederationConfig {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (OWN_KEY.test(key) && value !== undefined) input[key] = value;
  }
  return parseFederationConfig(input);
}
