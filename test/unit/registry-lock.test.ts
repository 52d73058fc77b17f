// The per-tenant lock in the registry (one execution per tenant), against a mocked DynamoDB: which
// conditional writes it sends, and what it answers when a condition fails.
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '#lib/errors.ts';
import { LOCK_KEY_PREFIX, TenantRegistry } from '#lib/registry.ts';

const documents = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const TABLE = 'tenants';
const NOW = '2026-01-01T00:00:00.000Z';
const registry = new TenantRegistry(doc, TABLE, () => NOW);
const KEY = { tenantId: 'lock#acme' };
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:provision-tenant:acme_provision_k1_1';

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

function held(holder: string, kind = 'provision') {
  return { Item: { ...KEY, lockOf: 'acme', holder, kind, claimedAt: '2025-12-31T23:59:00.000Z' } };
}

beforeEach(() => {
  documents.reset();
});

describe('claimLock', () => {
  it('takes a free lock with a write conditional on no holder, named by execution name', async () => {
    documents.on(GetCommand).resolves({ Item: { ...KEY, lockOf: 'acme' } });
    documents.on(PutCommand).resolves({});
    const claim = await registry.claimLock('acme', { execution: ARN, kind: 'provision', executionArn: ARN });
    expect(claim).toEqual({
      held: true,
      already: false,
      lock: {
        tenantId: 'acme',
        execution: 'acme_provision_k1_1',
        kind: 'provision',
        executionArn: ARN,
        claimedAt: NOW,
      },
    });
    expect(documents).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: KEY,
      ConsistentRead: true,
    });
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: {
        ...KEY,
        lockOf: 'acme',
        holder: 'acme_provision_k1_1',
        kind: 'provision',
        executionArn: ARN,
        claimedAt: NOW,
      },
      ConditionExpression: 'attribute_not_exists(#holder)',
      ExpressionAttributeNames: { '#holder': 'holder' },
    });
  });

  it('answers that the execution already holds it, without writing', async () => {
    documents.on(GetCommand).resolves(held('acme_provision_k1_1'));
    const claim = await registry.claimLock('acme', { execution: ARN, kind: 'provision' });
    expect(claim).toMatchObject({ held: true, already: true, lock: { execution: 'acme_provision_k1_1' } });
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });

  it('names the other holder, without writing', async () => {
    documents.on(GetCommand).resolves(held('acme_deprovision_v2_1', 'deprovision'));
    const claim = await registry.claimLock('acme', { execution: 'console-run', kind: 'provision' });
    expect(claim).toEqual({
      held: false,
      holder: {
        tenantId: 'acme',
        execution: 'acme_deprovision_v2_1',
        kind: 'deprovision',
        claimedAt: '2025-12-31T23:59:00.000Z',
      },
    });
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });

  it('names the holder that won the race between its read and its write', async () => {
    documents.on(GetCommand).resolvesOnce({}).resolves(held('acme_provision_other_1'));
    documents.on(PutCommand).rejects(conditionFailed());
    const claim = await registry.claimLock('acme', { execution: 'acme_provision_k1_1', kind: 'provision' });
    expect(claim).toMatchObject({ held: false, holder: { execution: 'acme_provision_other_1' } });
    expect(documents).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('gives up with a TransientError when every write loses a race', async () => {
    documents.on(GetCommand).resolves({});
    documents.on(PutCommand).rejects(conditionFailed());
    await expect(
      registry.claimLock('acme', { execution: 'acme_provision_k1_1', kind: 'provision' }),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('maps throttling to TransientError', async () => {
    documents
      .on(GetCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(registry.lockOf('acme')).rejects.toBeInstanceOf(TransientError);
  });
});

describe('takeOverLock', () => {
  it('writes the new holder conditionally on the old one', async () => {
    documents.on(PutCommand).resolves({});
    const lock = await registry.takeOverLock('acme', 'acme_provision_dead_1', {
      execution: 'acme_provision_k1_2',
      kind: 'provision',
    });
    expect(lock).toMatchObject({ execution: 'acme_provision_k1_2', claimedAt: NOW });
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      Item: { ...KEY, lockOf: 'acme', holder: 'acme_provision_k1_2', kind: 'provision', claimedAt: NOW },
      ConditionExpression: '#holder = :expected',
      ExpressionAttributeNames: { '#holder': 'holder' },
      ExpressionAttributeValues: { ':expected': 'acme_provision_dead_1' },
    });
  });

  it('answers undefined when the old holder no longer holds it', async () => {
    documents.on(PutCommand).rejects(conditionFailed());
    const lock = await registry.takeOverLock('acme', 'acme_provision_dead_1', {
      execution: 'acme_provision_k1_2',
      kind: 'provision',
    });
    expect(lock).toBeUndefined();
  });
});

describe('releaseLock', () => {
  it('leaves the item without a holder, conditionally on holding it', async () => {
    documents.on(PutCommand).resolves({});
    expect(await registry.releaseLock('acme', ARN)).toBe(true);
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      Item: { ...KEY, lockOf: 'acme' },
      ConditionExpression: '#holder = :expected',
      ExpressionAttributeValues: { ':expected': 'acme_provision_k1_1' },
    });
  });

  it('writes nothing over another execution’s lock', async () => {
    documents.on(PutCommand).rejects(conditionFailed());
    expect(await registry.releaseLock('acme', 'acme_provision_other_1')).toBe(false);
  });
});

describe('lockOf', () => {
  it('reads no holder from a released lock or a missing item', async () => {
    documents
      .on(GetCommand)
      .resolvesOnce({ Item: { ...KEY, lockOf: 'acme' } })
      .resolves({});
    expect(await registry.lockOf('acme')).toBeUndefined();
    expect(await registry.lockOf('acme')).toBeUndefined();
  });
});

describe('listing', () => {
  it('leaves the lock items out of every page', async () => {
    documents.on(ScanCommand).resolves({ Items: [] });
    await registry.list({ limit: 5, paths: ['status'] });
    expect(documents).toHaveReceivedCommandWith(ScanCommand, {
      FilterExpression: 'NOT begins_with(#lockKey, :lockPrefix)',
      ExpressionAttributeNames: { '#n0': 'status', '#lockKey': 'tenantId' },
      ExpressionAttributeValues: { ':lockPrefix': LOCK_KEY_PREFIX },
    });
  });
});
