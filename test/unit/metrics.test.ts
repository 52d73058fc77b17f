// The metrics the Lambdas emit beside the verification's: each step run's duration and outcome (the
// step wrapper), each execution's outcome and duration (record-outcome), and every throttled attempt
// of an AWS SDK client or the Authentik client, retried ones included.
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { TransientError } from '#lib/errors.ts';
import { createLogger } from '#lib/logger.ts';
import { type EmfDocument, MemoryMetrics, throttleMetric } from '#lib/metrics.ts';
import type { TenantRecord, TenantRegistry } from '#lib/registry.ts';
import type { ApplyResult } from '#lib/step.ts';
import { localDeployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { countThrottles, isThrottle } from '#lib/throttles.ts';
import { type StepModule, workflowStep } from '#lib/workflow-step.ts';
import { failure, success } from '../../functions/record-outcome/core.ts';

const input = {
  tenantId: 'acme',
  authentik: {
    baseUrl: 'http://127.0.0.1:9000',
    tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/acme/authentik-token',
  },
  cognito: { callbackUrls: ['https://app.acme.example/cb'] },
};
const spec = parseTenantSpec(input, localDeployment);

/** The documents that hold metric `name`, by their dimensions. */
const holding = (documents: EmfDocument[], name: string) => documents.filter((d) => name in d);
const dimensionsOf = (document: EmfDocument | undefined) =>
  document?._aws.CloudWatchMetrics[0]?.Dimensions[0];

function module(apply: () => Promise<ApplyResult>): StepModule<object> {
  return {
    apply,
    destroy: async () => ({ outcome: 'deleted', resources: {} }),
    check: async () => ({ outcome: 'in-sync', drift: [] }),
  };
}

describe('a workflow step run', () => {
  const run = (apply: () => Promise<ApplyResult>, metrics: MemoryMetrics) =>
    workflowStep(
      'ensure-group',
      module(apply),
      () => ({}),
      () => localDeployment,
      createLogger('ensure-group'),
      metrics,
    )({ action: 'apply', spec: input });

  it('counts its outcome and its duration per step and action', async () => {
    const metrics = new MemoryMetrics();
    await run(async () => ({ outcome: 'created', resources: { groupPk: 'g' }, writes: 1 }), metrics);
    const [timed] = holding(metrics.documents, 'StepDuration');
    expect(timed).toMatchObject({ Step: 'ensure-group', Action: 'apply', StepSucceeded: 1 });
    expect(timed).not.toHaveProperty('StepFailed');
    expect(timed?.StepDuration).toBeGreaterThanOrEqual(0);
    expect(dimensionsOf(timed)).toEqual(['service', 'Step', 'Action']);
    const [outcome] = holding(metrics.documents, 'StepOutcome');
    expect(outcome).toMatchObject({ Step: 'ensure-group', Outcome: 'created', StepOutcome: 1 });
    expect(dimensionsOf(outcome)).toEqual(['service', 'Step', 'Action', 'Outcome']);
  });

  it('counts a step that threw as failed, with no outcome, and throws on', async () => {
    const metrics = new MemoryMetrics();
    await expect(
      run(async () => {
        throw new TransientError('Authentik GET /core/groups/ failed (503)');
      }, metrics),
    ).rejects.toBeInstanceOf(TransientError);
    expect(holding(metrics.documents, 'StepFailed')).toMatchObject([{ Step: 'ensure-group', StepFailed: 1 }]);
    expect(holding(metrics.documents, 'StepSucceeded')).toEqual([]);
    expect(holding(metrics.documents, 'StepOutcome')).toEqual([]);
  });

  it('emits nothing for the parse action, which runs no step', async () => {
    const metrics = new MemoryMetrics();
    await workflowStep(
      'validate-tenant',
      module(async () => ({ outcome: 'unchanged', resources: {}, writes: 0 })),
      () => ({}),
      () => localDeployment,
      createLogger('validate-tenant'),
      metrics,
    )({ action: 'parse', spec: input });
    expect(metrics.documents).toEqual([]);
  });
});

describe('an execution’s outcome', () => {
  const startedAt = '2026-01-01T00:00:00.000Z';
  const stored: TenantRecord = {
    tenantId: 'acme',
    spec,
    status: 'provisioning',
    resources: {},
    steps: {},
    lastExecution: { kind: 'provision', name: 'e1', startedAt },
    createdAt: startedAt,
    updatedAt: startedAt,
    version: 1,
  };
  /** A registry that holds one record and lets every write through. */
  const registry = {
    async update(_id: string, change: (current: TenantRecord) => TenantRecord) {
      return change(stored);
    },
    async releaseLock() {},
  } as unknown as TenantRegistry;

  it('counts a success and its duration from the start the registry recorded', async () => {
    const metrics = new MemoryMetrics();
    const before = Date.now();
    await success('provision', { spec, resources: {}, outcomes: {} }, { registry, metrics }, 'e1');
    const [duration] = holding(metrics.documents, 'ExecutionDuration');
    expect(duration).toMatchObject({ Operation: 'provision' });
    expect(duration?.ExecutionDuration).toBeGreaterThanOrEqual(before - Date.parse(startedAt));
    expect(holding(metrics.documents, 'ExecutionSucceeded')).toMatchObject([
      { Operation: 'provision', ExecutionSucceeded: 1 },
    ]);
    expect(holding(metrics.documents, 'ExecutionFailed')).toEqual([]);
  });

  it('counts a failure per operation and again per failed step', async () => {
    const metrics = new MemoryMetrics();
    await failure(
      'provision',
      {
        spec,
        resources: {},
        outcomes: {},
        failedStep: 'ensure-group',
        error: { Error: 'ConflictError', Cause: 'taken' },
      },
      { registry, metrics },
      'e1',
    );
    const failed = holding(metrics.documents, 'ExecutionFailed');
    expect(failed.map(dimensionsOf)).toEqual([
      ['service', 'Operation'],
      ['service', 'Operation', 'FailedStep'],
    ]);
    expect(failed[1]).toMatchObject({ FailedStep: 'ensure-group', ExecutionFailed: 1 });
    expect(holding(metrics.documents, 'ExecutionSucceeded')).toEqual([]);
  });
});

describe('throttles', () => {
  it('names throttling by the services’ names or HTTP 429, and nothing else', () => {
    expect(isThrottle({ name: 'TooManyRequestsException' })).toBe(true);
    expect(isThrottle({ name: 'ThrottlingException' })).toBe(true);
    expect(isThrottle({ name: 'ProvisionedThroughputExceededException' })).toBe(true);
    expect(isThrottle({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottle({ name: 'InternalErrorException', $metadata: { httpStatusCode: 500 } })).toBe(false);
    expect(isThrottle(undefined)).toBe(false);
  });

  it('counts every throttled attempt of an SDK client, the ones its retries got through included', async () => {
    let calls = 0;
    const cognito = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 3,
      // Cognito answers throttling with 400 and its own name; the third attempt gets through.
      requestHandler: {
        async handle() {
          calls += 1;
          const throttled = calls < 3;
          return {
            // An HTTP response as the SDK's handlers answer one.
            response: {
              statusCode: throttled ? 400 : 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: Buffer.from(
                throttled
                  ? JSON.stringify({ __type: 'TooManyRequestsException', message: 'Rate exceeded' })
                  : JSON.stringify({ UserPool: { Id: 'us-east-1_P' } }),
              ),
            },
          };
        },
      },
    });
    const metrics = new MemoryMetrics();
    countThrottles(cognito, 'Cognito', throttleMetric(metrics));
    const answer = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: 'us-east-1_P' }));
    expect(answer.UserPool?.Id).toBe('us-east-1_P');
    expect(calls).toBe(3);
    expect(holding(metrics.documents, 'Throttles')).toMatchObject([
      { Upstream: 'Cognito', Throttles: 1 },
      { Upstream: 'Cognito', Throttles: 1 },
    ]);
  }, 30_000);

  it('counts Authentik’s 429s, retried or not, and a throwing counter changes no answer', async () => {
    const seen: string[] = [];
    let calls = 0;
    const client = createAuthentikClient({
      baseUrl: 'http://127.0.0.1:9000',
      token: 'a-token',
      retryBaseMs: 1,
      onThrottle: (upstream) => {
        seen.push(upstream);
        throw new Error('a broken counter');
      },
      fetch: async () => {
        calls += 1;
        return calls === 1
          ? new Response('slow down', { status: 429 })
          : Response.json({ pagination: {}, results: [] });
      },
    });
    const { data } = await client.api.GET('/core/groups/');
    expect(data?.results).toEqual([]);
    expect(seen).toEqual(['Authentik']);
  });
});
