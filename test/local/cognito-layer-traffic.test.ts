import {
  AddUserPoolClientSecretCommand,
  CreateIdentityProviderCommand,
  CreateUserPoolClientCommand,
  DescribeIdentityProviderCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUserPool, rejectionOf, useCognitoTestWorld } from '../support/moto.ts';

// Throttling, injected faults, the request log and pass-through: what the layer does to traffic
// rather than to single operations.

const world = useCognitoTestWorld();
let poolId: string;

beforeEach(async () => {
  world.layer.setQuotas({});
  world.layer.setFaults(undefined);
  poolId = await createUserPool(world.direct);
  await world.direct.send(
    new CreateIdentityProviderCommand({
      UserPoolId: poolId,
      ProviderName: 'authentik',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: 'x',
        authorize_scopes: 'openid',
        oidc_issuer: 'https://x/',
        attributes_request_method: 'GET',
      },
    }),
  );
  world.layer.requests.length = 0;
});

const describeProvider = (pool = poolId) =>
  world.strict.send(new DescribeIdentityProviderCommand({ UserPoolId: pool, ProviderName: 'authentik' }));

describe('request-rate quotas', () => {
  it('moto never throttles a burst of 50 DescribeIdentityProvider calls on one pool', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        world.direct.send(
          new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'authentik' }),
        ),
      ),
    );
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(0);
  });

  it('the layer throttles the burst after 5 calls (5 per second per pool per operation)', async () => {
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => describeProvider()));
    const throttled = results.filter((result) => result.status === 'rejected');
    expect(results.length - throttled.length).toBe(5);
    for (const result of throttled) {
      expect((result.reason as Error).name).toBe('TooManyRequestsException');
      expect((result.reason as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    }
    // In arrival order: the first five were admitted, everything after them refused.
    const statuses = world.layer.requests.map((request) => request.status);
    expect(statuses).toEqual([...Array(5).fill(200), ...Array(45).fill(400)]);
    const spanMs = (world.layer.requests.at(-1)?.at ?? 0) - (world.layer.requests[0]?.at ?? 0);
    expect(spanMs).toBeLessThan(1_000);
  });

  it('admits calls again once the second has passed', async () => {
    await Promise.allSettled(Array.from({ length: 6 }, () => describeProvider()));
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await expect(describeProvider()).resolves.toBeDefined();
  });

  it('counts each pool apart, and the account as a whole (20 per second for UserPoolResourceRead)', async () => {
    const pools = [poolId];
    for (let i = 0; i < 4; i++) {
      const pool = await createUserPool(world.direct);
      await world.direct.send(
        new CreateIdentityProviderCommand({
          UserPoolId: pool,
          ProviderName: 'authentik',
          ProviderType: 'SAML',
          ProviderDetails: { MetadataURL: 'https://idp.example.com/metadata' },
        }),
      );
      pools.push(pool);
    }
    // 5 pools × 5 calls = 25 calls, each pool within its own limit: the account limit of 20 bites.
    const results = await Promise.allSettled(
      pools.flatMap((pool) => Array.from({ length: 5 }, () => describeProvider(pool))),
    );
    const throttled = results.filter((result) => result.status === 'rejected');
    expect(throttled).toHaveLength(5);
  });

  it('can be relaxed or switched off for a test', async () => {
    world.layer.setQuotas({ perUserPoolPerOperation: 8 });
    const relaxed = await Promise.allSettled(Array.from({ length: 10 }, () => describeProvider()));
    expect(relaxed.filter((result) => result.status === 'fulfilled')).toHaveLength(8);

    world.layer.setQuotas(false);
    const unlimited = await Promise.allSettled(Array.from({ length: 30 }, () => describeProvider()));
    expect(unlimited.filter((result) => result.status === 'rejected')).toHaveLength(0);
  });
});

describe('injected faults', () => {
  it('fails the given share of requests, in turn with each kind', async () => {
    world.layer.setQuotas(false);
    world.layer.setFaults({
      rate: 0.5,
      kinds: ['InternalErrorException', 'TooManyRequestsException', 'reset'],
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(
        await describeProvider().then(
          () => 'ok',
          (error: Error) => error.name,
        ),
      );
    }
    expect(outcomes[0]).toBe('ok');
    expect(outcomes[1]).toBe('InternalErrorException');
    expect(outcomes[2]).toBe('ok');
    expect(outcomes[3]).toBe('TooManyRequestsException');
    expect(outcomes[4]).toBe('ok');
    // A dropped connection surfaces as a network error, not a service exception.
    expect(outcomes[5]).not.toBe('ok');
    expect(world.layer.requests.map((request) => request.status)).toEqual([200, 500, 200, 400, 200, 0]);
    expect(world.layer.requests[5]?.error).toBe('ConnectionReset');
  });

  it('can target one operation and stop after a number of faults', async () => {
    world.layer.setFaults({ rate: 1, operations: ['DescribeIdentityProvider'], maxFaults: 2 });
    const first = await rejectionOf(describeProvider());
    expect(first.name).toBe('InternalErrorException');
    expect(first.$metadata?.httpStatusCode).toBe(500);
    await expect(
      world.strict.send(new DescribeUserPoolCommand({ UserPoolId: poolId })),
    ).resolves.toBeDefined();
    await expect(describeProvider()).rejects.toThrow();
    await expect(describeProvider()).resolves.toBeDefined();
  });
});

describe('the request log', () => {
  it('records operation, pool, status, error and whether it writes, and never a body', async () => {
    const { UserPoolClient } = await world.strict.send(
      new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', GenerateSecret: true }),
    );
    await world.strict.send(new ListUserPoolsCommand({ MaxResults: 10 }));
    await rejectionOf(
      world.strict.send(new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'none' })),
    );

    expect(world.layer.requests).toEqual([
      {
        operation: 'CreateUserPoolClient',
        userPoolId: poolId,
        status: 200,
        write: true,
        at: expect.any(Number),
      },
      { operation: 'ListUserPools', status: 200, write: false, at: expect.any(Number) },
      {
        operation: 'DescribeIdentityProvider',
        userPoolId: poolId,
        status: 400,
        error: 'ResourceNotFoundException',
        write: false,
        at: expect.any(Number),
      },
    ]);
    expect(JSON.stringify(world.layer.requests)).not.toContain(UserPoolClient?.ClientSecret ?? 'no secret');
  });
});

describe('operations moto lacks', () => {
  it('moto answers an HTML 500; the layer answers a JSON error naming the operation', async () => {
    const { UserPoolClient } = await world.direct.send(
      new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', GenerateSecret: true }),
    );
    const input = { UserPoolId: poolId, ClientId: UserPoolClient?.ClientId };
    const direct = await rejectionOf(world.direct.send(new AddUserPoolClientSecretCommand(input)));
    expect(direct.$metadata?.httpStatusCode).toBe(500);

    const error = await rejectionOf(world.strict.send(new AddUserPoolClientSecretCommand(input)));
    expect(error.name).toBe('UnsupportedOperationException');
    expect(error.message).toBe('Operation AddUserPoolClientSecret is not implemented by the local world');
  });
});

describe('other services', () => {
  it('pass through to moto unchanged and stay out of the Cognito log', async () => {
    const secrets = new SecretsManagerClient({
      endpoint: world.layer.endpoint,
      region: world.moto.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: `s-${Date.now()}`, SecretString: 'value' }),
    );
    expect(ARN).toContain(':secretsmanager:');
    expect(world.layer.requests).toHaveLength(0);
    secrets.destroy();
  });
});
