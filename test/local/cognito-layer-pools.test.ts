import {
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DeleteUserPoolCommand,
  DeleteUserPoolDomainCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  UpdateUserPoolCommand,
  UpdateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUserPool, rejectionOf, useCognitoTestWorld } from '../support/moto.ts';

// User pools and their domains as Cognito treats them and moto does not: one pool per domain,
// no deleting a pool with a domain or with deletion protection, a custom domain reported under
// CustomDomain, and the domain's ManagedLoginVersion kept.

const world = useCognitoTestWorld({ quotas: false });
let poolId: string;
let domains = 0;

beforeEach(async () => {
  poolId = await createUserPool(world.direct);
});

const freshPrefix = () => `layer-${process.pid}-${++domains}`;

describe('a domain prefix names one pool', () => {
  it('moto moves a taken prefix to the new pool; the layer refuses it as Cognito does', async () => {
    const prefix = freshPrefix();
    const other = await createUserPool(world.direct);
    await world.direct.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: other }));
    const error = await rejectionOf(
      world.strict.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId })),
    );
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Domain already associated with another user pool.');
    const described = await world.direct.send(new DescribeUserPoolDomainCommand({ Domain: prefix }));
    expect(described.DomainDescription?.UserPoolId).toBe(other);
    await world.direct.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId }));
    const moved = await world.direct.send(new DescribeUserPoolDomainCommand({ Domain: prefix }));
    expect(moved.DomainDescription?.UserPoolId).toBe(poolId);
  });
});

describe('ManagedLoginVersion', () => {
  it('is kept and reported by Create and DescribeUserPoolDomain (moto drops it)', async () => {
    const prefix = freshPrefix();
    const created = await world.strict.send(
      new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId, ManagedLoginVersion: 2 }),
    );
    expect(created.ManagedLoginVersion).toBe(2);
    const strict = await world.strict.send(new DescribeUserPoolDomainCommand({ Domain: prefix }));
    expect(strict.DomainDescription?.ManagedLoginVersion).toBe(2);
    const direct = await world.direct.send(new DescribeUserPoolDomainCommand({ Domain: prefix }));
    expect(direct.DomainDescription?.ManagedLoginVersion).toBeUndefined();
  });

  it('UpdateUserPoolDomain changes it', async () => {
    const prefix = freshPrefix();
    await world.strict.send(
      new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId, ManagedLoginVersion: 1 }),
    );
    const updated = await world.strict.send(
      new UpdateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId, ManagedLoginVersion: 2 }),
    );
    expect(updated.ManagedLoginVersion).toBe(2);
    const described = await world.strict.send(new DescribeUserPoolDomainCommand({ Domain: prefix }));
    expect(described.DomainDescription?.ManagedLoginVersion).toBe(2);
  });

  it('managed login on a Lite pool is FeatureUnavailableInTierException', async () => {
    const { UserPool } = await world.direct.send(
      new CreateUserPoolCommand({ PoolName: `lite-${++domains}`, UserPoolTier: 'LITE' }),
    );
    const create = (version: number) =>
      world.strict.send(
        new CreateUserPoolDomainCommand({
          Domain: freshPrefix(),
          UserPoolId: UserPool?.Id,
          ManagedLoginVersion: version,
        }),
      );
    const error = await rejectionOf(create(2));
    expect(error.name).toBe('FeatureUnavailableInTierException');
    await expect(create(1)).resolves.toMatchObject({ ManagedLoginVersion: 1 });
  });

  it('a version other than 1 or 2 is refused', async () => {
    const error = await rejectionOf(
      world.strict.send(
        new CreateUserPoolDomainCommand({
          Domain: freshPrefix(),
          UserPoolId: poolId,
          ManagedLoginVersion: 3,
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterException');
  });
});

describe('DeleteUserPool', () => {
  it('a pool with a domain: moto deletes it, the layer refuses until the domain is gone', async () => {
    const other = await createUserPool(world.direct);
    await world.direct.send(new CreateUserPoolDomainCommand({ Domain: freshPrefix(), UserPoolId: other }));
    await expect(world.direct.send(new DeleteUserPoolCommand({ UserPoolId: other }))).resolves.toBeDefined();

    const prefix = freshPrefix();
    await world.strict.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId }));
    const error = await rejectionOf(world.strict.send(new DeleteUserPoolCommand({ UserPoolId: poolId })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe(
      'User pool cannot be deleted. It has a domain configured that should be deleted first.',
    );
    await world.strict.send(new DeleteUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId }));
    await expect(world.strict.send(new DeleteUserPoolCommand({ UserPoolId: poolId }))).resolves.toBeDefined();
  });

  it('deletion protection: moto ignores it, the layer refuses until it is inactive', async () => {
    const create = () =>
      world.direct.send(
        new CreateUserPoolCommand({ PoolName: `protected-${++domains}`, DeletionProtection: 'ACTIVE' }),
      );
    const unprotectedByMoto = (await create()).UserPool?.Id;
    await expect(
      world.direct.send(new DeleteUserPoolCommand({ UserPoolId: unprotectedByMoto })),
    ).resolves.toBeDefined();

    const id = (await create()).UserPool?.Id;
    const error = await rejectionOf(world.strict.send(new DeleteUserPoolCommand({ UserPoolId: id })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe(
      'The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.',
    );
    await world.strict.send(new UpdateUserPoolCommand({ UserPoolId: id, DeletionProtection: 'INACTIVE' }));
    await expect(world.strict.send(new DeleteUserPoolCommand({ UserPoolId: id }))).resolves.toBeDefined();
  });

  it('a missing pool is ResourceNotFoundException', async () => {
    const error = await rejectionOf(
      world.strict.send(new DeleteUserPoolCommand({ UserPoolId: 'us-east-1_doesNotExist' })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('DescribeUserPool', () => {
  it('reports a custom domain under CustomDomain, not Domain (moto puts it under Domain)', async () => {
    await world.direct.send(
      new CreateUserPoolDomainCommand({
        Domain: `auth${++domains}.example.com`,
        UserPoolId: poolId,
        CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' },
      }),
    );
    const direct = await world.direct.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    expect(direct.UserPool?.Domain).toBe(`auth${domains}.example.com`);
    const strict = await world.strict.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    expect(strict.UserPool?.CustomDomain).toBe(`auth${domains}.example.com`);
    expect(strict.UserPool?.Domain).toBeUndefined();
  });

  it('reports a prefix domain under Domain', async () => {
    const prefix = freshPrefix();
    await world.strict.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId }));
    const strict = await world.strict.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    expect(strict.UserPool?.Domain).toBe(prefix);
    expect(strict.UserPool?.CustomDomain).toBeUndefined();
  });
});
