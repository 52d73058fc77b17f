// The rotation function: Secrets Manager's four steps for a tenant's OIDC client secret and its test
// user's password (kinds.ts says what each means). Every step is idempotent, as Secrets Manager may
// call a step again after any failure: createSecret keeps a pending value once stored, setSecret
// writes only the side that lacks it, testSecret only reads, finishSecret moves labels only when they
// are not yet where they belong, and announces the rotation once.
//
// AWS Secrets Manager User Guide, "Lambda rotation functions"
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html)
// and the generic rotation template (aws-samples/aws-secrets-manager-rotation-lambdas,
// SecretsManagerRotationTemplate/lambda_function.py): a token whose version is already AWSCURRENT
// means the rotation is done; one whose version is not AWSPENDING is refused.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import type { Deployment } from '#lib/authentik-address.ts';
import { awsErrorName } from '#lib/aws-errors.ts';
import { scrubMessage } from '#lib/cognito.ts';
import { PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';
import type { TenantRecord, TenantRegistry } from '#lib/registry.ts';
import { parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import type { FederationEventSink } from '../report-verification/events.ts';
import {
  parseRotationEvent,
  type RotatedKind,
  type RotatedSecret,
  type RotationEvent,
  type RotationStep,
  rotatedSecretOf,
} from './event.ts';
import {
  KIND_VALUES,
  type OidcClient,
  type SetClients,
  setOidcClient,
  setTestUserPassword,
  type Written,
} from './kinds.ts';
import { testPending } from './test-secret.ts';
import {
  AWSCURRENT,
  AWSPENDING,
  finishVersion,
  putPending,
  readingPending,
  readVersion,
  type SecretVersions,
  versionsOf,
} from './versions.ts';

export const ROTATED_EVENT = 'Federation Secret Rotated';
export const ROTATION_FAILED_EVENT = 'Federation Secret Rotation Failed';

export interface RotationDeps {
  secretsFor(tenantId: string): SecretsManagerClient;
  secretPrefix: string;
  cognito: CognitoIdentityProviderClient;
  registry: TenantRegistry;
  authentik(spec: TenantSpec): Promise<AuthentikClient>;
  deployment: Deployment;
  events: FederationEventSink;
  fetch?: typeof fetch | undefined;
  /** Where the pools' domains serve Cognito's hosted UI: testSecret signs in through it. */
  hostedUiBaseUrl?: string | undefined;
  now?: () => Date;
  /** Told the moment each side of the OIDC client takes the new value (the bench's window). */
  onWrite?: SetClients['onWrite'];
}

export interface RotationAnswer {
  tenantId: string;
  kind: RotatedKind;
  step: RotationStep;
  versionId: string;
  /** `done`: the step had nothing left to do (a retry, or the version is already current). */
  outcome: 'created' | 'set' | 'tested' | 'finished' | 'done';
  written?: Written;
}

interface StepContext {
  event: RotationEvent;
  target: RotatedSecret;
  secrets: SecretsManagerClient;
  versions: SecretVersions;
  record: TenantRecord;
  spec: TenantSpec;
  deps: RotationDeps;
}

type Value = Record<string, string>;

function schemaOf(kind: RotatedKind) {
  return KIND_VALUES[kind].schema;
}

async function pendingValue(ctx: StepContext): Promise<Value> {
  const value = await readVersion(
    ctx.secrets,
    ctx.versions.arn,
    { VersionId: ctx.event.ClientRequestToken, VersionStage: AWSPENDING },
    schemaOf(ctx.target.kind),
  );
  if (!value)
    throw new PreconditionError(`secret ${ctx.target.name} has no pending value yet: createSecret first`);
  return value;
}

async function createSecret(ctx: StepContext): Promise<RotationAnswer['outcome']> {
  const { secrets, versions, event, target } = ctx;
  const token = event.ClientRequestToken;
  const schema = schemaOf(target.kind);
  if (await readVersion(secrets, versions.arn, { VersionId: token, VersionStage: AWSPENDING }, schema))
    return 'done';
  const current = await readVersion(secrets, versions.arn, { VersionStage: AWSCURRENT }, schema);
  if (!current) throw new PreconditionError(`secret ${target.name} has no current value to rotate`);
  const next =
    target.kind === 'oidc-client'
      ? KIND_VALUES['oidc-client'].next(current as OidcClient)
      : KIND_VALUES['test-user'].next(current as { username: string; password: string });
  try {
    await putPending(secrets, versions.arn, token, next);
  } catch (error) {
    // Another attempt stored this token's value first: it is the pending value, keep it.
    if (awsErrorName(error) === 'ResourceExistsException') return 'done';
    throw error;
  }
  return 'created';
}

async function setSecret(
  ctx: StepContext,
): Promise<{ outcome: RotationAnswer['outcome']; written: Written }> {
  const pending = await pendingValue(ctx);
  const clients: SetClients = {
    cognito: ctx.deps.cognito,
    authentik: await ctx.deps.authentik(ctx.spec),
    onWrite: ctx.deps.onWrite,
  };
  const written =
    ctx.target.kind === 'oidc-client'
      ? await setOidcClient(ctx.spec, ctx.record.resources, clients, pending as OidcClient)
      : await setTestUserPassword(
          ctx.record.resources,
          clients,
          pending as { username: string; password: string },
        );
  return { outcome: written.length > 0 ? 'set' : 'done', written };
}

/** Two values alike whatever their key order. */
function sameValue(a: Value, b: Value | undefined): boolean {
  if (!b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

async function testSecret(ctx: StepContext): Promise<RotationAnswer['outcome']> {
  const pending = await pendingValue(ctx);
  // Turning rotation on without rotating now (RotateImmediately false), Secrets Manager checks the
  // configuration by calling testSecret on a pending copy of the current value (API Reference,
  // RotateSecret). Nothing new is in use then, and provisioning may not have finished the federation
  // yet, so there is nothing to try.
  const current = await readVersion(
    ctx.secrets,
    ctx.versions.arn,
    { VersionStage: AWSCURRENT },
    schemaOf(ctx.target.kind),
  );
  if (sameValue(pending, current)) return 'done';
  const recorded = KIND_VALUES[ctx.target.kind].recordedArn(ctx.record.resources);
  const ids = [ctx.versions.arn, ctx.target.name, ...(recorded ? [recorded] : [])];
  await testPending(
    ctx.spec,
    ctx.record.resources,
    {
      cognito: ctx.deps.cognito,
      secrets: readingPending(ctx.secrets, ids, ctx.event.ClientRequestToken),
      authentik: await ctx.deps.authentik(ctx.spec),
      secretPrefix: ctx.deps.secretPrefix,
      deployment: ctx.deps.deployment,
      fetch: ctx.deps.fetch,
      hostedUiBaseUrl: ctx.deps.hostedUiBaseUrl,
    },
    ctx.target.kind === 'oidc-client' ? (pending as OidcClient) : undefined,
  );
  return 'tested';
}

async function finishSecret(ctx: StepContext): Promise<RotationAnswer['outcome']> {
  const token = ctx.event.ClientRequestToken;
  const moved = await finishVersion(ctx.secrets, ctx.versions, token);
  await announce(ctx);
  return moved ? 'finished' : 'done';
}

/**
 * The event and the registry's record of a finished rotation, once per version: the event first, so
 * a crash in between sends it again rather than never.
 */
async function announce(ctx: StepContext): Promise<void> {
  const { target, event, deps } = ctx;
  const token = event.ClientRequestToken;
  if (ctx.record.rotations?.[target.kind]?.versionId === token) return;
  const at = (deps.now ?? (() => new Date()))().toISOString();
  await deps.events.put([
    {
      detailType: ROTATED_EVENT,
      detail: { tenantId: target.tenantId, kind: target.kind, versionId: token, rotatedAt: at },
    },
  ]);
  await deps.registry.update(target.tenantId, (current) => {
    if (!current) throw new PreconditionError(`tenant ${target.tenantId} is not registered`);
    const rotations = { ...current.rotations };
    rotations[target.kind] = { ...rotations[target.kind], versionId: token, rotatedAt: at };
    return { ...current, rotations };
  });
}

async function contextFor(
  event: RotationEvent,
  target: RotatedSecret,
  deps: RotationDeps,
): Promise<StepContext | RotationAnswer> {
  const secrets = deps.secretsFor(target.tenantId);
  const versions = await versionsOf(secrets, event.SecretId);
  const token = event.ClientRequestToken;
  const labels = versions.stages[token];
  const answer = (outcome: RotationAnswer['outcome']): RotationAnswer => ({
    tenantId: target.tenantId,
    kind: target.kind,
    step: event.Step,
    versionId: token,
    outcome,
  });
  const record = await deps.registry.get(target.tenantId);
  if (!record) throw new PreconditionError(`tenant ${target.tenantId} is not registered: nothing to rotate`);
  const spec = parseTenantSpec(record.spec, deps.deployment);
  const ctx = { event, target, secrets, versions, record, spec, deps };
  if (labels?.includes(AWSCURRENT)) {
    // Already current: only finishSecret may still owe the announcement of a crashed attempt.
    if (event.Step === 'finishSecret') await announce(ctx);
    return answer('done');
  }
  if (labels && !labels.includes(AWSPENDING)) {
    throw new ValidationError(`ClientRequestToken names a version of ${target.name} that is not AWSPENDING`, {
      ClientRequestToken: ['must name the version being rotated (AWSPENDING)'],
    });
  }
  // Secrets Manager makes the token's version before createSecret; a caller that cannot (the local
  // world plays Secrets Manager over moto) leaves it to createSecret, which stores it under the token.
  if (!labels && event.Step !== 'createSecret') {
    throw new PreconditionError(`secret ${target.name} has no version ${token}: run createSecret first`);
  }
  return ctx;
}

async function runStep(ctx: StepContext): Promise<RotationAnswer> {
  const base = {
    tenantId: ctx.target.tenantId,
    kind: ctx.target.kind,
    step: ctx.event.Step,
    versionId: ctx.event.ClientRequestToken,
  };
  switch (ctx.event.Step) {
    case 'createSecret':
      return { ...base, outcome: await createSecret(ctx) };
    case 'setSecret':
      return { ...base, ...(await setSecret(ctx)) };
    case 'testSecret':
      return { ...base, outcome: await testSecret(ctx) };
    case 'finishSecret':
      return { ...base, outcome: await finishSecret(ctx) };
  }
}

/** Tells of a failed step: an event and the registry's record; never fails the step a second time. */
async function reportFailure(
  event: RotationEvent,
  target: RotatedSecret,
  error: unknown,
  deps: RotationDeps,
) {
  const err = error instanceof Error ? error : new Error(String(error));
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const failure = {
    step: event.Step,
    versionId: event.ClientRequestToken,
    errorName: err.name,
    message: scrubMessage(err.message).slice(0, 1000),
    at,
  };
  await Promise.allSettled([
    deps.events.put([
      {
        detailType: ROTATION_FAILED_EVENT,
        detail: {
          tenantId: target.tenantId,
          kind: target.kind,
          ...failure,
          // Secrets Manager tries the step again; AWSCURRENT has not moved.
          retryable: error instanceof TransientError,
        },
      },
    ]),
    deps.registry.update(target.tenantId, (current) => {
      if (!current) throw new PreconditionError(`tenant ${target.tenantId} is not registered`);
      const rotations = { ...current.rotations };
      rotations[target.kind] = { ...rotations[target.kind], lastFailure: failure };
      return { ...current, rotations };
    }),
  ]);
}

export async function rotateSecret(input: unknown, deps: RotationDeps): Promise<RotationAnswer> {
  const event = parseRotationEvent(input);
  const target = rotatedSecretOf(event.SecretId, deps.secretPrefix);
  try {
    const ctx = await contextFor(event, target, deps);
    return 'outcome' in ctx ? ctx : await runStep(ctx);
  } catch (error) {
    await reportFailure(event, target, error, deps);
    throw error;
  }
}
