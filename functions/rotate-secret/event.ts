// The event Secrets Manager invokes a rotation function with, and the secret it names.
//
// AWS Secrets Manager User Guide, "Rotation by Lambda function"
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html): the
// function is called once per step with `{Step, SecretId, ClientRequestToken, RotationToken}`;
// RotationToken is sent only to functions that rotate a secret of another account (not used here).
// The step names are the ones the generic rotation template dispatches on
// (aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRotationTemplate/lambda_function.py).
import * as z from 'zod/mini';
import { ValidationError } from '#lib/errors.ts';
import type { SecretKind } from '#lib/secrets.ts';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The secrets this function rotates; the Authentik token is the operator's, never rotated here. */
export const ROTATED_KINDS = ['oidc-client', 'test-user'] as const;
export type RotatedKind = (typeof ROTATED_KINDS)[number] & SecretKind;

export const rotationEvent = z.object({
  Step: z.enum(ROTATION_STEPS),
  SecretId: z.string().check(z.minLength(1), z.maxLength(2048)),
  // Secrets Manager's version ids are UUIDs; ClientRequestToken is 32 to 64 characters
  // (API Reference, PutSecretValue: ClientRequestToken).
  ClientRequestToken: z.string().check(z.regex(/^[A-Za-z0-9-]{32,64}$/, 'must be a version id')),
  RotationToken: z.optional(z.string()),
});
export type RotationEvent = z.infer<typeof rotationEvent>;

export function parseRotationEvent(input: unknown): RotationEvent {
  const result = z.safeParse(rotationEvent, input);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || '(event)';
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  throw new ValidationError(`invalid rotation event: ${Object.keys(fields).join(', ')}`, fields);
}

export interface RotatedSecret {
  tenantId: string;
  kind: RotatedKind;
  /** `<prefix>/<tenantId>/<kind>`. */
  name: string;
}

/**
 * The tenant and kind of the secret an event names (its ARN or its name), under this deployment's
 * prefix only: a secret of another prefix, or of a kind this function does not rotate, is refused.
 */
export function rotatedSecretOf(secretId: string, prefix: string): RotatedSecret {
  // An ARN ends with the name and `-` plus six random characters (secrets.ts arnNamesSecret).
  const arn = /^arn:[\w-]+:secretsmanager:[\w-]*:\d*:secret:(.+)-[A-Za-z0-9]{6}$/.exec(secretId);
  const name = arn?.[1] ?? secretId;
  const base = prefix.replace(/\/+$/, '');
  const rest = name.startsWith(`${base}/`) ? name.slice(base.length + 1) : undefined;
  const [tenantId, kind, ...more] = rest?.split('/') ?? [];
  const refuse = (why: string) => new ValidationError(`SecretId ${why}`, { SecretId: [why] });
  if (tenantId === undefined || kind === undefined || more.length > 0) {
    throw refuse(`must name a secret ${base}/<tenantId>/<kind> of this deployment`);
  }
  if (!(ROTATED_KINDS as readonly string[]).includes(kind)) {
    throw refuse(`names a ${kind} secret; this function rotates ${ROTATED_KINDS.join(' and ')} secrets`);
  }
  return { tenantId, kind: kind as RotatedKind, name };
}
