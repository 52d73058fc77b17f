// Secrets Manager's part in a rotation, played locally: moto cannot invoke a Lambda (its RotateSecret
// looks the function up in its own Lambda backend and fails, even with RotateImmediately false), so
// the local world calls the rotation function's task itself, step after step, with the event AWS
// sends (`{SecretId, ClientRequestToken, Step}`), and tries a failed step again as Secrets Manager
// does. A rotation left half done (AWSPENDING on a version that is not AWSCURRENT) is resumed with its
// own token, which is what Secrets Manager's next attempt does.
//
// AWS Secrets Manager User Guide, "Rotation by Lambda function" (the event and the order of the
// steps) and "Troubleshoot rotation" (a failed rotation is retried; AWSPENDING stays meanwhile).
import { randomUUID } from 'node:crypto';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { StepClients } from '#lib/clients.ts';
import { createLogger } from '#lib/logger.ts';
import { secretName } from '#lib/secrets.ts';
import { HttpError } from '../functions/api/http.ts';
import type { RotationStarted, Rotator } from '../functions/api/rotate.ts';
import { type FederationEventSink, memoryEventSink } from '../functions/report-verification/events.ts';
import type { RotationAnswer, RotationDeps } from '../functions/rotate-secret/core.ts';
import { ROTATION_STEPS, type RotatedKind, type RotationStep } from '../functions/rotate-secret/event.ts';
import { rotateSecretTask } from '../functions/rotate-secret/handler.ts';
import { AWSCURRENT, AWSPENDING } from '../functions/rotate-secret/versions.ts';

/** The rotation function as the local world invokes it (the handler's task, or a wrapper in tests). */
export type RotationFunction = (event: unknown) => Promise<RotationAnswer>;

export interface LocalRotationOptions {
  /** The local world has no EventBridge: the rotation events go here (default: kept in memory). */
  events?: FederationEventSink;
  /** testSecret signs in through the world's hosted UI (world.ts `hostedUiBaseUrl`). */
  hostedUiBaseUrl?: string;
  onWrite?: RotationDeps['onWrite'];
  /** Attempts of each step before the rotation is given up (Secrets Manager's retries). */
  attempts?: number;
  /** Wraps the function (tests inject crashes). */
  wrap?: (fn: RotationFunction) => RotationFunction;
  /** The function's log level, instead of POWERTOOLS_LOG_LEVEL's (a test that reads every line). */
  logLevel?: LogLevel;
}

export interface LocalRotationRun {
  secretId: string;
  versionId: string;
  /** True when an earlier, unfinished rotation was taken up again. */
  resumed: boolean;
  steps: RotationAnswer[];
}

export interface LocalRotation {
  /** Rotates one of a tenant's secrets now, every step, as Secrets Manager would. */
  rotate(tenantId: string, kind: RotatedKind): Promise<LocalRotationRun>;
  /** One step, as Secrets Manager invokes the function (a retry of a step, in tests). */
  invoke: RotationFunction;
  events: FederationEventSink;
}

export function localRotation(clients: StepClients, options: LocalRotationOptions = {}): LocalRotation {
  const events = options.events ?? memoryEventSink();
  const task: RotationFunction = rotateSecretTask(
    {
      secretsFor: clients.secretsFor,
      secretPrefix: clients.secretPrefix,
      cognito: clients.cognito,
      registry: clients.registry,
      authentik: clients.authentik,
      deployment: clients.deployment,
      events,
      ...(options.hostedUiBaseUrl ? { hostedUiBaseUrl: options.hostedUiBaseUrl } : {}),
      ...(options.onWrite ? { onWrite: options.onWrite } : {}),
    },
    createLogger('rotate-secret', { logLevel: options.logLevel }),
  );
  const invoke = options.wrap ? options.wrap(task) : task;
  const attempts = options.attempts ?? 1;

  async function pendingToken(secretId: string, tenantId: string): Promise<string | undefined> {
    const described = await clients
      .secretsFor(tenantId)
      .send(new DescribeSecretCommand({ SecretId: secretId }));
    const stages = described.VersionIdsToStages ?? {};
    return Object.entries(stages).find(
      ([, labels]) => labels.includes(AWSPENDING) && !labels.includes(AWSCURRENT),
    )?.[0];
  }

  async function step(event: { SecretId: string; ClientRequestToken: string; Step: RotationStep }) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await invoke(event);
      } catch (error) {
        if (attempt >= attempts) throw error;
      }
    }
  }

  return {
    events,
    invoke,
    async rotate(tenantId, kind) {
      const secretId = secretName(clients.secretPrefix, tenantId, kind);
      const pending = await pendingToken(secretId, tenantId);
      const versionId = pending ?? randomUUID();
      const steps: RotationAnswer[] = [];
      for (const Step of ROTATION_STEPS) {
        steps.push(await step({ SecretId: secretId, ClientRequestToken: versionId, Step }));
      }
      return { secretId, versionId, resumed: pending !== undefined, steps };
    },
  };
}

/**
 * The API's rotator in the local world (POST /tenants/{id}/rotate): each rotation runs to its end
 * before the answer, where on AWS Secrets Manager runs it in the background. A step that fails (after
 * the retries) leaves AWSCURRENT where it was; the answer says so as a conflict, by error name only.
 */
export function localRotator(rotation: LocalRotation): Rotator {
  return {
    async rotate(record, kinds) {
      const started: RotationStarted[] = [];
      for (const kind of kinds) {
        try {
          const run = await rotation.rotate(record.tenantId, kind);
          started.push({ kind, versionId: run.versionId });
        } catch (error) {
          const name = error instanceof Error ? error.name : 'Error';
          throw new HttpError(
            409,
            `rotating the ${kind} secret failed (${name}); the current value stays in use, and the tenant's record says which step failed`,
          );
        }
      }
      return started;
    },
  };
}
