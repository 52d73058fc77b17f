// record-outcome and the tenant's lock, against a mocked DynamoDB: Record start takes the lock (or
// accepts it) before it writes the record, and fails without writing anything when another execution
// holds the tenant; recording the outcome releases the lock, conditionally on holding it.
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '#lib/errors.ts';
import { type TenantRecord, TenantRegistry } from '#lib/registry.ts';
import { localDeployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { recordOutcomeTask as recordOutcomeHandler } from '../../functions/record-outcome/handler.ts';

const documents = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const NOW = '2026-01-01T00:00:00.000Z';
const registry = new TenantRegistry(doc, 'tenants', () => NOW);
const record = recordOutcomeHandler({ registry });

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:provision-tenant:acme_provision_k1_1';
const LOCK_KEY = { tenantId: 'lock#acme' };
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
const stored: TenantRecord = {
  tenantId: 'acme',
  spec,
  status: 'provisioning',
  resources: { userPoolId: 'us-east-1_Pool' },
  steps: {},
  createdAt: NOW,
  updatedAt: NOW,
  version: 3,
};

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

function lockHeldBy(holder: string | undefined) {
  documents
    .on(GetCommand, { Key: LOCK_KEY })
    .resolves({ Item: { ...LOCK_KEY, lockOf: 'acme', ...(holder ? { holder, kind: 'provision' } : {}) } });
}

/** The items of every PutItem sent, in order: lock items and records. */
const written = () =>
  documents.commandCalls(PutCommand).map((call) => call.args[0].input.Item as Record<string, unknown>);

beforeEach(() => {
  documents.reset();
  documents.on(GetCommand, { Key: { tenantId: 'acme' } }).resolves({ Item: stored });
  documents.on(PutCommand).resolves({});
});

describe('Record start', () => {
  const start = () => record({ action: 'start', operation: 'provision', execution: EXECUTION, spec });

  it('takes a free lock for its execution before it writes the record', async () => {
    lockHeldBy(undefined);
    await start();
    const [lock, tenant] = written();
    expect(lock).toMatchObject({ ...LOCK_KEY, holder: 'acme_provision_k1_1', executionArn: EXECUTION });
    expect(tenant).toMatchObject({ tenantId: 'acme', status: 'provisioning', version: 4 });
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input.ConditionExpression).toBe(
      'attribute_not_exists(#holder)',
    );
  });

  it('accepts the lock the API took for this execution, without writing it again', async () => {
    lockHeldBy('acme_provision_k1_1');
    const state = await start();
    expect(state).toMatchObject({ resources: { userPoolId: 'us-east-1_Pool' } });
    expect(written()).toEqual([expect.objectContaining({ tenantId: 'acme', status: 'provisioning' })]);
  });

  it('fails with ConflictError naming the holder, and writes nothing', async () => {
    lockHeldBy('acme_provision_other_1');
    const error = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain('acme_provision_other_1');
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });

  it('frees a lock it took when the record cannot be written', async () => {
    lockHeldBy(undefined);
    documents
      .on(PutCommand, { Item: { tenantId: 'acme' } })
      .rejects(Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' }));
    await expect(start()).rejects.toThrow('no such table');
    const release = documents.commandCalls(PutCommand).at(-1)?.args[0].input;
    expect(release).toMatchObject({
      Item: { ...LOCK_KEY, lockOf: 'acme' },
      ConditionExpression: '#holder = :expected',
      ExpressionAttributeValues: { ':expected': 'acme_provision_k1_1' },
    });
    expect(release?.Item).not.toHaveProperty('holder');
  });

  it('refuses an event that does not name its execution', async () => {
    await expect(record({ action: 'start', operation: 'provision', spec })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(documents).not.toHaveReceivedCommand(PutCommand);
  });
});

describe('Record success and Record failure', () => {
  const outcome = { spec, resources: { userPoolId: 'us-east-1_Pool' }, outcomes: {} };

  it('record the outcome, then release the lock if this execution holds it', async () => {
    await record({ action: 'success', operation: 'provision', execution: EXECUTION, ...outcome });
    await record({
      action: 'failure',
      operation: 'provision',
      execution: EXECUTION,
      failedStep: 'ensure-group',
      error: { Error: 'TransientError', Cause: 'busy' },
      ...outcome,
    });
    const inputs = documents.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.Item?.tenantId)).toEqual(['acme', 'lock#acme', 'acme', 'lock#acme']);
    for (const release of [inputs[1], inputs[3]]) {
      expect(release).toMatchObject({
        Item: { ...LOCK_KEY, lockOf: 'acme' },
        ConditionExpression: '#holder = :expected',
        ExpressionAttributeValues: { ':expected': 'acme_provision_k1_1' },
      });
    }
  });

  it('leave another execution’s lock alone', async () => {
    documents.on(PutCommand, { Item: LOCK_KEY }).rejects(conditionFailed());
    const state = await record({
      action: 'success',
      operation: 'provision',
      execution: EXECUTION,
      ...outcome,
    });
    expect(state).toMatchObject({ status: 'active' });
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      Item: { ...LOCK_KEY, lockOf: 'acme' },
      ExpressionAttributeValues: { ':expected': 'acme_provision_k1_1' },
    });
  });
});
