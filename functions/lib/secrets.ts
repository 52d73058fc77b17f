// Secrets Manager for the three secrets a tenant has: the Authentik API token, the OIDC client
// (id and secret of the Authentik provider) and the test user's password. One name per deployment
// prefix, tenant and kind, tagged with the tenant, JSON values.
//
// Values are read inside the Lambda that needs them and go nowhere else: functions here return ARNs,
// and their errors name the secret, never its value (a JSON.parse error would quote it, so it is
// never passed on).

import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import {
  awsErrorName,
  NETWORKING_ERROR,
  REQUEST_TIMEOUT,
  SERVICE_UNAVAILABLE,
  THROTTLING_EXCEPTION,
  TIMEOUT_ERROR,
  transientTest,
} from './aws-errors.ts';
import { PreconditionError, TransientError } from './errors.ts';

export const SECRET_KINDS = ['authentik-token', 'oidc-client', 'test-user'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** The tag that says which tenant a secret belongs to (for IAM conditions, cost and clean-up). */
export const TENANT_TAG = 'tenant';
/** The tag naming a secret's kind. */
export const SECRET_KIND_TAG = 'secret-kind';

/** `<prefix>/<tenantId>/<kind>`, e.g. `federation/acme/oidc-client`. */
export function secretName(prefix: string, tenantId: string, kind: SecretKind): string {
  return `${prefix.replace(/\/+$/, '')}/${tenantId}/${kind}`;
}

/**
 * Whether a secret ARN names exactly the secret `name`. Secrets Manager appends `-` and six random
 * characters to the name in a secret's ARN; a partial ARN (the name alone) is accepted too. Only
 * the name part is compared: readers use the name, in their own account and region.
 */
export function arnNamesSecret(arn: string, name: string): boolean {
  const match = /^arn:[\w-]+:secretsmanager:[\w-]*:\d*:secret:(.+)$/.exec(arn);
  const named = match?.[1];
  if (named === undefined) return false;
  if (named === name) return true;
  return named.startsWith(`${name}-`) && /^[A-Za-z0-9]{6}$/.test(named.slice(name.length + 1));
}

// Secrets Manager's own server error, InternalServiceError
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html#API_GetSecretValue_Errors),
// also under the name the Java SDK gives it, InternalServiceErrorException
// (https://sdk.amazonaws.com/java/api/latest/software/amazon/awssdk/services/secretsmanager/model/InternalServiceErrorException.html);
// the common throttling and unavailability, the SDK's timeouts, 429 and broken connections count too.
const isTransient = transientTest({
  names: [
    THROTTLING_EXCEPTION,
    'InternalServiceError',
    'InternalServiceErrorException',
    SERVICE_UNAVAILABLE,
    TIMEOUT_ERROR,
    REQUEST_TIMEOUT,
    NETWORKING_ERROR,
  ],
  tooManyRequests: true,
  networkCodes: true,
});

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : '';
}

/** Transient failures become TransientError; the rest pass through (Secrets Manager never echoes values). */
function mapSecretsError(error: unknown, what: string): unknown {
  if (isTransient(error))
    return new TransientError(`Secrets Manager ${what}: ${awsErrorName(error) || 'error'}`);
  return error;
}

/** A Secrets Manager call whose transient failures throw TransientError (the rotation's calls too). */
export async function sendToSecretsManager<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapSecretsError(error, what);
  }
}

async function describe(
  client: SecretsManagerClient,
  secretId: string,
): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    return await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    throw mapSecretsError(error, `DescribeSecret ${secretId}`);
  }
}

/** JSON with sorted keys, so two equal values compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function sameValue(stored: string | undefined, wanted: string): boolean {
  if (stored === undefined) return false;
  try {
    return canonicalJson(JSON.parse(stored)) === wanted;
  } catch {
    return false;
  }
}

export interface PutSecretRequest {
  prefix: string;
  tenantId: string;
  kind: SecretKind;
  /** Any JSON value; stored canonically. */
  value: unknown;
  /** The deployment's KMS key for new secrets (the account's aws/secretsmanager key otherwise). */
  kmsKeyId?: string | undefined;
  description?: string;
}

export interface PutSecretResult {
  arn: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** Write requests sent (0 when the stored value already matched). */
  writes: number;
}

/**
 * Creates the secret, or stores a new version only when the value differs (so a re-run writes
 * nothing). A secret scheduled for deletion is restored first. Values are compared, never logged.
 */
export async function putSecret(
  client: SecretsManagerClient,
  request: PutSecretRequest,
): Promise<PutSecretResult> {
  const name = secretName(request.prefix, request.tenantId, request.kind);
  const wanted = canonicalJson(request.value);
  const tags = [
    { Key: TENANT_TAG, Value: request.tenantId },
    { Key: SECRET_KIND_TAG, Value: request.kind },
  ];
  let writes = 0;
  let changed = false;

  for (let attempt = 0; attempt < 2; attempt += 1) {
    let found = await describe(client, name);
    if (!found) {
      // Counted when sent: a create that loses the race is still a write request.
      writes += 1;
      try {
        const created = await client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: wanted,
            Tags: tags,
            ...(request.kmsKeyId ? { KmsKeyId: request.kmsKeyId } : {}),
            Description: request.description ?? `${request.kind} of tenant ${request.tenantId}`,
          }),
        );
        if (!created.ARN) throw new PreconditionError(`Secrets Manager returned no ARN for ${name}`);
        return { arn: created.ARN, outcome: 'created', writes };
      } catch (error) {
        // Another run created it between our look and our create: look again.
        if (awsErrorName(error) === 'ResourceExistsException') continue;
        if (
          awsErrorName(error) === 'InvalidRequestException' &&
          /scheduled for deletion/i.test(messageOf(error))
        ) {
          throw new TransientError(`Secrets Manager: ${name} is still being deleted; retry later`);
        }
        throw mapSecretsError(error, `CreateSecret ${name}`);
      }
    }
    const arn = found.ARN ?? name;
    if (found.DeletedDate) {
      await sendToSecretsManager(`RestoreSecret ${arn}`, () =>
        client.send(new RestoreSecretCommand({ SecretId: arn })),
      );
      writes += 1;
      changed = true;
      found = { ...found, DeletedDate: undefined };
    }
    if (!found.Tags?.some((tag) => tag.Key === TENANT_TAG && tag.Value === request.tenantId)) {
      await sendToSecretsManager(`TagResource ${arn}`, () =>
        client.send(new TagResourceCommand({ SecretId: arn, Tags: tags })),
      );
      writes += 1;
      changed = true;
    }
    const current = await getString(client, arn);
    if (sameValue(current, wanted)) return { arn, outcome: changed ? 'updated' : 'unchanged', writes };
    await sendToSecretsManager(`PutSecretValue ${arn}`, () =>
      client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: wanted })),
    );
    writes += 1;
    return { arn, outcome: 'updated', writes };
  }
  throw new TransientError(`Secrets Manager: ${name} keeps appearing and disappearing; retry later`);
}

async function getString(client: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  try {
    // AWSCURRENT, named: it is what Secrets Manager answers without a stage, but moto answers the
    // version the secret was last written with, even after a rotation moved AWSCURRENT elsewhere
    // (moto 5.2.1, secretsmanager/models.py: get_secret_value falls back on default_version_id, which
    // UpdateSecretVersionStage leaves alone).
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
    );
    return result.SecretString;
  } catch (error) {
    // A secret created without a value has no AWSCURRENT version yet.
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    throw mapSecretsError(error, `GetSecretValue ${secretId}`);
  }
}

/**
 * Reads a JSON secret and checks its shape. Errors name the secret and the missing or malformed
 * fields, never a value.
 */
export async function readSecretJson<S extends z.core.$ZodType>(
  client: SecretsManagerClient,
  secretId: string,
  schema: S,
): Promise<z.output<S>> {
  const text = await getString(client, secretId);
  if (text === undefined) throw new PreconditionError(`secret ${secretId} does not exist or has no value`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PreconditionError(`secret ${secretId} does not hold JSON`);
  }
  const result = z.safeParse(schema, parsed);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.map(String).join('.') || '(value)');
    throw new PreconditionError(`secret ${secretId} lacks or mistypes: ${[...new Set(fields)].join(', ')}`);
  }
  return result.data;
}

/**
 * Deletes a secret. Without a recovery window by default: every value here can be made again
 * (Authentik keeps the OIDC client, the test user gets a new password, the token is handed in
 * again), and a pending deletion would block re-provisioning the same tenant for 7 to 30 days, since
 * the name stays taken. Pass `recoveryWindowInDays` to keep a way back.
 */
export async function deleteSecret(
  client: SecretsManagerClient,
  secretId: string,
  options: { recoveryWindowInDays?: number } = {},
): Promise<'deleted' | 'absent'> {
  const found = await describe(client, secretId);
  if (!found || found.DeletedDate) return 'absent';
  try {
    await client.send(
      new DeleteSecretCommand(
        options.recoveryWindowInDays === undefined
          ? { SecretId: secretId, ForceDeleteWithoutRecovery: true }
          : { SecretId: secretId, RecoveryWindowInDays: options.recoveryWindowInDays },
      ),
    );
    return 'deleted';
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return 'absent';
    throw mapSecretsError(error, `DeleteSecret ${secretId}`);
  }
}
