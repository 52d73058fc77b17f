// The Throttles metric against real throttling: a Lambda's Cognito client, built by the one wiring
// every Lambda uses, sends a burst through the strict Cognito layer, whose quotas throttle it as
// Cognito would (DescribeUserPool: 15 a second per account). Every throttled answer the layer logged
// is one Throttles count, the ones the SDK's retries then got through included.
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryMetrics, throttleMetric } from '#lib/metrics.ts';
import { cognito } from '#lib/wiring/cognito.ts';
import { type CognitoTestWorld, createUserPool, startCognitoTestWorld } from '../support/moto.ts';

let world: CognitoTestWorld;
beforeAll(async () => {
  world = await startCognitoTestWorld();
});
afterAll(async () => {
  await world?.stop();
});

describe('Throttles', () => {
  it('counts every throttled attempt of a burst at Cognito, per upstream', async () => {
    const poolId = await createUserPool(world.direct);
    world.layer.requests.length = 0;
    const metrics = new MemoryMetrics();
    const { cognito: client } = cognito({
      region: world.moto.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      cognitoEndpoint: world.layer.endpoint,
      onThrottle: throttleMetric(metrics),
    });
    try {
      await Promise.allSettled(
        Array.from({ length: 30 }, () => client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))),
      );
    } finally {
      client.destroy();
    }
    const throttled = world.layer.requests.filter((r) => r.error === 'TooManyRequestsException').length;
    // 30 at once against 15 a second: the layer throttled some, and each one was counted.
    expect(throttled).toBeGreaterThan(0);
    const counted = metrics.documents.filter((d) => 'Throttles' in d);
    expect(counted).toHaveLength(throttled);
    expect(counted.every((d) => d.Upstream === 'Cognito' && d.Throttles === 1)).toBe(true);
  });
});
