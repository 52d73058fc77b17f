// The secret's versions during a rotation, as Secrets Manager's protocol moves them: the new value is
// a version whose id is the rotation's ClientRequestToken, labelled AWSPENDING until finishSecret
// moves AWSCURRENT onto it (AWSPREVIOUS follows by itself).
//
// AWS Secrets Manager User Guide, "Lambda rotation functions"
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html),
// the four steps; API Reference: PutSecretValue (ClientRequestToken is the version id; the same token
// with the same value is a no-op, with another value ResourceExistsException), UpdateSecretVersionStage
// (moving AWSCURRENT needs RemoveFromVersionId), DescribeSecret (VersionIdsToStages).
//
// Values are parsed here and handed back; no error of this module carries one.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { awsErrorName } from '#lib/aws-errors.ts';
import { PreconditionError } from '#lib/errors.ts';
import { sendToSecretsManager } from '#lib/secrets.ts';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';

export interface SecretVersions {
  arn: string;
  /** Version id → its staging labels. */
  stages: Record<string, string[]>;
  current: string | undefined;
}

export async function versionsOf(secrets: SecretsManagerClient, secretId: string): Promise<SecretVersions> {
  const described = await sendToSecretsManager(`DescribeSecret ${secretId}`, () =>
    secrets.send(new DescribeSecretCommand({ SecretId: secretId })),
  ).catch((error: unknown) => {
    if (awsErrorName(error) === 'ResourceNotFoundException') {
      throw new PreconditionError(`secret ${secretId} does not exist: provision the tenant first`);
    }
    throw error;
  });
  const stages = described.VersionIdsToStages ?? {};
  const current = Object.entries(stages).find(([, labels]) => labels.includes(AWSCURRENT))?.[0];
  return { arn: described.ARN ?? secretId, stages, current };
}

/** The JSON value of one version, checked against `schema`; undefined when the version has none. */
export async function readVersion<S extends z.core.$ZodType>(
  secrets: SecretsManagerClient,
  secretId: string,
  version: { VersionId: string; VersionStage?: string } | { VersionStage: string },
  schema: S,
): Promise<z.output<S> | undefined> {
  let text: string | undefined;
  try {
    const answer = await sendToSecretsManager(`GetSecretValue ${secretId}`, () =>
      secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...version })),
    );
    text = answer.SecretString;
  } catch (error) {
    // A version Secrets Manager made for the rotation has no value until createSecret puts one.
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PreconditionError(`a version of secret ${secretId} does not hold JSON`);
  }
  const result = z.safeParse(schema, parsed);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.map(String).join('.') || '(value)');
    throw new PreconditionError(`a version of secret ${secretId} lacks or mistypes: ${fields.join(', ')}`);
  }
  return result.data;
}

/** Stores the new value as the token's version, labelled AWSPENDING. */
export async function putPending(
  secrets: SecretsManagerClient,
  secretId: string,
  token: string,
  value: unknown,
): Promise<void> {
  await sendToSecretsManager(`PutSecretValue ${secretId}`, () =>
    secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(value),
        VersionStages: [AWSPENDING],
      }),
    ),
  );
}

/**
 * Moves AWSCURRENT onto the token's version and takes AWSPENDING off it: a finished rotation leaves
 * no AWSPENDING label behind, which every later RotateSecret would take for a rotation in progress
 * (API Reference, RotateSecret). Answers false when AWSCURRENT was already there.
 */
export async function finishVersion(
  secrets: SecretsManagerClient,
  versions: SecretVersions,
  token: string,
): Promise<boolean> {
  const moved = versions.current !== token;
  if (moved) {
    await sendToSecretsManager(`UpdateSecretVersionStage ${versions.arn}`, () =>
      secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: versions.arn,
          VersionStage: AWSCURRENT,
          MoveToVersionId: token,
          ...(versions.current ? { RemoveFromVersionId: versions.current } : {}),
        }),
      ),
    );
  }
  if (versions.stages[token]?.includes(AWSPENDING)) {
    await sendToSecretsManager(`UpdateSecretVersionStage ${versions.arn}`, () =>
      secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: versions.arn,
          VersionStage: AWSPENDING,
          RemoveFromVersionId: token,
        }),
      ),
    );
  }
  return moved;
}

/**
 * A Secrets Manager client that answers reads of `secretId`'s current value with the token's
 * version instead: the verification then sees the federation as it will be once the pending value
 * becomes current (testSecret).
 */
export function readingPending(
  secrets: SecretsManagerClient,
  secretIds: readonly string[],
  token: string,
): SecretsManagerClient {
  const send = (command: { input: unknown }) => {
    if (command instanceof GetSecretValueCommand) {
      const input = command.input;
      const current = input.VersionStage === undefined || input.VersionStage === AWSCURRENT;
      if (input.SecretId !== undefined && secretIds.includes(input.SecretId) && !input.VersionId && current) {
        return secrets.send(new GetSecretValueCommand({ SecretId: input.SecretId, VersionId: token }));
      }
    }
    return secrets.send(command as never);
  };
  return { send } as unknown as SecretsManagerClient;
}
