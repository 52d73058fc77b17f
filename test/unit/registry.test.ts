import 'aws-sdk-client-mock-vitest/extend';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, TransientError, ValidationError } from '#lib/errors.ts';
import { mergeResources, type TenantRecord, TenantRegistry, withoutResources } from '#lib/registry.ts';
import { localDeployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { createRegistryTable } from '#local/registry-table.ts';

const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const TABLE = 'tenants';
const NOW = '2026-01-01T00:00:00.000Z';
const registry = new TenantRegistry(doc, TABLE, () => NOW);

const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: 'http://127.0.0.1:9000',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { callbackUrls: ['https://app.acme.example/cb'] },
  },
  localDeployment,
);

function record(overrides: Partial<TenantRecord> = {}): TenantRecord {
  return {
    tenantId: 'acme',
    spec,
    status: 'provisioning',
    resources: { userPoolId: 'us-east-1_Pool', created: ['userPoolId'] },
    steps: {},
    createdAt: NOW,
    updatedAt: NOW,
    version: 3,
    ...overrides,
  };
}

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

beforeEach(() => {
  dynamo.reset();
  documents.reset();
});

describe('mergeResources', () => {
  it('keeps both sets of ids and merges ownership without duplicates', () => {
    expect(
      mergeResources(
        { userPoolId: 'p', created: ['userPoolId'] },
        { appClientId: 'c', created: ['userPoolId', 'appClientId'] },
      ),
    ).toEqual({ userPoolId: 'p', appClientId: 'c', created: ['userPoolId', 'appClientId'] });
  });

  it('keeps what an operator adopted when a step reports only what it created', () => {
    expect(
      mergeResources({ groupPk: 'g', adopted: ['groupPk'] }, { providerPk: 7, created: ['providerPk'] }),
    ).toEqual({ groupPk: 'g', providerPk: 7, created: ['providerPk'], adopted: ['groupPk'] });
    expect(
      mergeResources(
        { groupPk: 'g', adopted: ['groupPk'] },
        { applicationPk: 'a', adopted: ['applicationPk'] },
      ),
    ).toEqual({ groupPk: 'g', applicationPk: 'a', adopted: ['groupPk', 'applicationPk'] });
  });
});

describe('withoutResources', () => {
  it('drops the gone keys from the created and the adopted lists alike', () => {
    expect(
      withoutResources({ groupPk: 'g', providerPk: 7, created: ['providerPk'], adopted: ['groupPk'] }, [
        'groupPk',
        'providerPk',
      ]),
    ).toEqual({ created: [], adopted: [] });
  });
});

describe('TenantRegistry', () => {
  it('reads consistently', async () => {
    documents.on(GetCommand).resolves({ Item: record() });
    await expect(registry.get('acme')).resolves.toEqual(record());
    expect(documents).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: { tenantId: 'acme' },
      ConsistentRead: true,
    });
  });

  it('registers a new tenant only if it is not there yet', async () => {
    documents.on(GetCommand).resolves({});
    documents.on(PutCommand).resolves({});
    const created = await registry.startExecution(spec, { kind: 'provision', name: 'acme-1234' });
    expect(created).toMatchObject({ tenantId: 'acme', status: 'provisioning', version: 1, createdAt: NOW });
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(tenantId)',
      Item: expect.objectContaining({
        tenantId: 'acme',
        spec,
        lastExecution: { kind: 'provision', name: 'acme-1234', startedAt: NOW },
      }),
    });
  });

  it('records a step on top of the version it read, merging resources and ownership', async () => {
    documents.on(GetCommand).resolves({ Item: record() });
    documents.on(PutCommand).resolves({});
    const updated = await registry.recordStep('acme', 'ensure-user-pool', 'created', {
      appClientId: 'client-1',
      created: ['userPoolId', 'appClientId'],
    });
    expect(updated.version).toBe(4);
    expect(updated.resources).toEqual({
      userPoolId: 'us-east-1_Pool',
      appClientId: 'client-1',
      created: ['userPoolId', 'appClientId'],
    });
    expect(updated.steps['ensure-user-pool']).toEqual({ outcome: 'created', at: NOW });
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 3 },
    });
  });

  it('reads again and retries when another writer got in between', async () => {
    documents
      .on(GetCommand)
      .resolvesOnce({ Item: record() })
      .resolves({ Item: record({ version: 4, lastVerification: { at: NOW, outcome: 'in-sync' } }) });
    documents.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    const updated = await registry.setStatus('acme', 'active');
    expect(updated).toMatchObject({ status: 'active', version: 5, lastVerification: { outcome: 'in-sync' } });
    expect(documents).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('gives up with ConflictError after repeated conflicts', async () => {
    documents.on(GetCommand).resolves({ Item: record() });
    documents.on(PutCommand).rejects(conditionFailed());
    await expect(registry.update('acme', (current) => current as TenantRecord, 3)).rejects.toThrow(
      ConflictError,
    );
    expect(documents).toHaveReceivedCommandTimes(PutCommand, 3);
  });

  it('refuses to record a step for an unregistered tenant', async () => {
    documents.on(GetCommand).resolves({});
    await expect(registry.recordStep('ghost', 'ensure-group', 'created')).rejects.toThrow(ConflictError);
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });

  it('records an error as failed, truncating the message', async () => {
    documents.on(GetCommand).resolves({ Item: record() });
    documents.on(PutCommand).resolves({});
    const updated = await registry.recordError('acme', {
      step: 'ensure-identity-provider',
      errorName: 'TransientError',
      message: 'x'.repeat(5000),
    });
    expect(updated.status).toBe('failed');
    expect(updated.lastError?.message).toHaveLength(1000);
  });

  it('maps throttling to TransientError', async () => {
    documents
      .on(GetCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(registry.get('acme')).rejects.toThrow(TransientError);
  });

  it('lists page by page with an opaque cursor', async () => {
    documents
      .on(ScanCommand)
      .resolvesOnce({ Items: [record()], LastEvaluatedKey: { tenantId: 'acme' } })
      .resolves({ Items: [record({ tenantId: 'beta' })] });
    const first = await registry.list({ limit: 1 });
    expect(first.items.map((item) => item.tenantId)).toEqual(['acme']);
    expect(first.cursor).toBeDefined();
    const second = await registry.list({ limit: 1, cursor: first.cursor as string });
    expect(second.items.map((item) => item.tenantId)).toEqual(['beta']);
    expect(second.cursor).toBeUndefined();
    expect(documents).toHaveReceivedNthCommandWith(ScanCommand, 2, {
      TableName: TABLE,
      Limit: 1,
      ExclusiveStartKey: { tenantId: 'acme' },
    });
  });

  it('reads only the document paths asked for, every name by a placeholder (status is a reserved word)', async () => {
    documents.on(ScanCommand).resolves({ Items: [{ tenantId: 'acme', status: 'active' }] });
    const page = await registry.list({
      limit: 10,
      paths: ['tenantId', 'status', 'resources.userPoolId', 'spec.cognito.userPoolId'],
    });
    expect(page.items).toEqual([{ tenantId: 'acme', status: 'active' }]);
    expect(documents).toHaveReceivedCommandWith(ScanCommand, {
      TableName: TABLE,
      Limit: 10,
      ProjectionExpression: '#n0, #n1, #n2.#n3, #n4.#n5.#n3',
      ExpressionAttributeNames: {
        '#n0': 'tenantId',
        '#n1': 'status',
        '#n2': 'resources',
        '#n3': 'userPoolId',
        '#n4': 'spec',
        '#n5': 'cognito',
        // The filter that leaves the tenants' lock items out.
        '#lockKey': 'tenantId',
      },
    });
  });

  it('iterates over every page', async () => {
    documents
      .on(ScanCommand)
      .resolvesOnce({ Items: [record()], LastEvaluatedKey: { tenantId: 'acme' } })
      .resolves({ Items: [record({ tenantId: 'beta' }), record({ tenantId: 'gamma' })] });
    const ids: string[] = [];
    for await (const item of registry.listAll(1)) ids.push(item.tenantId);
    expect(ids).toEqual(['acme', 'beta', 'gamma']);
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(registry.list({ cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
    expect(documents).not.toHaveReceivedCommand(ScanCommand);
  });
});

describe('createRegistryTable', () => {
  it('creates an on-demand table keyed by tenantId and waits for it', async () => {
    dynamo.on(CreateTableCommand).resolves({});
    dynamo
      .on(DescribeTableCommand)
      .resolvesOnce({ Table: { TableStatus: 'CREATING' } })
      .resolves({ Table: { TableStatus: 'ACTIVE' } });
    await createRegistryTable(new DynamoDBClient({ region: 'eu-west-1' }), TABLE);
    expect(dynamo).toHaveReceivedCommandWith(CreateTableCommand, {
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'tenantId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'tenantId', KeyType: 'HASH' }],
    });
    expect(dynamo).toHaveReceivedCommandTimes(DescribeTableCommand, 2);
  });

  it('accepts a table that already exists', async () => {
    dynamo
      .on(CreateTableCommand)
      .rejects(Object.assign(new Error('in use'), { name: 'ResourceInUseException' }));
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
    await expect(
      createRegistryTable(new DynamoDBClient({ region: 'eu-west-1' }), TABLE),
    ).resolves.toBeUndefined();
  });
});
