// What DynamoDB answers through moto, held fixed under local/moto.ts's speed-ups of moto's response
// serializer and of its item size check: every attribute type comes back as it was written (the
// wire format: DynamoDB API Reference, AttributeValue), a projection returns just its paths, and an
// item over DynamoDB's 400 KB limit is refused whether it is put whole or grown by an update
// (Developer Guide, "Service, account, and table quotas in Amazon DynamoDB": item size).
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MotoServer } from '#local/moto.ts';
import { borrowMoto } from '../support/moto-pool.ts';

const TABLE = 'speed-ups';
let moto: MotoServer;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  moto = await borrowMoto();
  dynamodb = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

afterAll(async () => {
  dynamodb?.destroy();
  await moto?.stop();
});

/** One of every attribute type, nested in maps and lists. */
function everyType(id: string): Record<string, AttributeValue> {
  return {
    id: { S: id },
    text: { S: 'héllo' },
    number: { N: '-12.5' },
    binary: { B: new Uint8Array([0, 1, 2, 254, 255]) },
    strings: { SS: ['a', 'b'] },
    numbers: { NS: ['1', '2.5'] },
    binaries: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
    nothing: { NULL: true },
    yes: { BOOL: true },
    no: { BOOL: false },
    nestedList: { L: [{ S: 'x' }, { N: '3' }, { M: { inner: { L: [{ BOOL: false }, { NULL: true }] } } }] },
    nestedMap: {
      M: {
        S: { S: 'a key named like a type' },
        Item: { M: { Items: { S: 'keys named like the response members' } } },
        deeper: { M: { binary: { B: new Uint8Array([9]) }, tags: { SS: ['z'] } } },
      },
    },
  };
}

const sorted = (item: Record<string, AttributeValue> | undefined) =>
  item && Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)));

describe('moto DynamoDB, as local/moto.ts runs it', () => {
  it('gives back every attribute type as it was written, from GetItem and from Scan', async () => {
    const items = ['one', 'two', 'three'].map(everyType);
    for (const Item of items) await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item }));

    for (const item of items) {
      const got = await dynamodb.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { id: item.id as AttributeValue },
          ConsistentRead: true,
        }),
      );
      expect(sorted(got.Item)).toEqual(sorted(item));
    }
    const scanned = await dynamodb.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
    expect(scanned.Count).toBe(3);
    const byId = new Map(scanned.Items?.map((item) => [item.id?.S, item]));
    for (const item of items) expect(sorted(byId.get(item.id?.S))).toEqual(sorted(item));
  });

  it('returns only the projected paths', async () => {
    const scanned = await dynamodb.send(
      new ScanCommand({
        TableName: TABLE,
        ProjectionExpression: 'id, nestedMap.deeper.tags, nestedList[2]',
      }),
    );
    expect(scanned.Items?.map(sorted)).toContainEqual({
      id: { S: 'two' },
      nestedList: { L: [{ M: { inner: { L: [{ BOOL: false }, { NULL: true }] } } }] },
      nestedMap: { M: { deeper: { M: { tags: { SS: ['z'] } } } } },
    });
  });

  it('refuses an item over 400 KB and keeps one under it, put whole or grown by an update', async () => {
    const sized = (id: string, kilobytes: number) => ({
      id: { S: id },
      // Ten attributes, so the size is the sum over several of them, not one attribute's.
      ...Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`part${i}`, { S: 'x'.repeat(kilobytes * 100) }]),
      ),
    });
    await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: sized('under', 390) }));
    await expect(
      dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: sized('over', 410) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/Item size has exceeded the maximum allowed size/),
    });
    const missing = await dynamodb.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'over' } }, ConsistentRead: true }),
    );
    expect(missing.Item).toBeUndefined();

    await expect(
      dynamodb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { id: { S: 'under' } },
          UpdateExpression: 'SET grown = :more',
          ExpressionAttributeValues: { ':more': { S: 'x'.repeat(20_000) } },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/Item size .*exceeded the maximum allowed size/),
    });
    const kept = await dynamodb.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'under' } }, ConsistentRead: true }),
    );
    expect(Object.keys(kept.Item ?? {}).sort()).toEqual(Object.keys(sized('under', 390)).sort());
  });
});
