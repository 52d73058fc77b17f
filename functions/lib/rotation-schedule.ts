// Turning rotation on for a tenant's secret, as provisioning does when it stores the OIDC client and
// the test user's password, and starting a rotation now (the API, the CLI). Secrets Manager then calls
// the rotation function (functions/rotate-secret/) on the schedule.
//
// AWS Secrets Manager API Reference, RotateSecret
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html):
// RotationLambdaARN and RotationRules set the schedule; RotateImmediately false only checks the
// configuration (Secrets Manager runs the function's testSecret step); without parameters it rotates
// now with what is configured. RotationRules.AutomaticallyAfterDays is 1 to 1000. The caller needs
// secretsmanager:RotateSecret and lambda:InvokeFunction on the rotation function.
//
// Without a rotation function (the local world, where moto cannot invoke Lambda), the schedule is
// set without one: moto records RotationEnabled and the rules and, given RotateImmediately false,
// stores the current value again as a new version; the local session plays Secrets Manager's part
// and calls the steps itself (local/rotation.ts).
import {
  DescribeSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { sendToSecretsManager } from './secrets.ts';

/** A deployment's rotation: its function, and the days between rotations unless a tenant says otherwise. */
export interface RotationSchedule {
  functionArn?: string | undefined;
  afterDays: number;
}

/** Secrets Manager's bounds for AutomaticallyAfterDays. */
export const MIN_ROTATION_DAYS = 1;
export const MAX_ROTATION_DAYS = 1000;
export const DEFAULT_ROTATION_DAYS = 90;

/**
 * Turns on rotation every `days` days with the deployment's function, unless the secret already
 * rotates so. Answers the write requests sent (0 or 1), so a second run says it changed nothing.
 */
export async function ensureRotation(
  secrets: SecretsManagerClient,
  secretArn: string,
  schedule: RotationSchedule,
  days: number = schedule.afterDays,
): Promise<number> {
  const described = await sendToSecretsManager(`DescribeSecret ${secretArn}`, () =>
    secrets.send(new DescribeSecretCommand({ SecretId: secretArn })),
  );
  const sameFunction =
    schedule.functionArn === undefined || described?.RotationLambdaARN === schedule.functionArn;
  if (
    described?.RotationEnabled &&
    sameFunction &&
    described.RotationRules?.AutomaticallyAfterDays === days
  ) {
    return 0;
  }
  await sendToSecretsManager(`RotateSecret ${secretArn}`, () =>
    secrets.send(
      new RotateSecretCommand({
        SecretId: secretArn,
        ...(schedule.functionArn ? { RotationLambdaARN: schedule.functionArn } : {}),
        RotationRules: { AutomaticallyAfterDays: days },
        RotateImmediately: false,
      }),
    ),
  );
  return 1;
}

/** Starts a rotation now with the secret's configured function (Secrets Manager runs it). */
export async function rotateNow(
  secrets: SecretsManagerClient,
  secretArn: string,
): Promise<string | undefined> {
  const answer = await sendToSecretsManager(`RotateSecret ${secretArn}`, () =>
    secrets.send(new RotateSecretCommand({ SecretId: secretArn })),
  );
  return answer?.VersionId;
}
