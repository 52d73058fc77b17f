// The registry table of the local world, made at start in moto. On AWS the CDK app makes it
// (infra/stack.ts); only the local world and the tests create one in code.
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsErrorName } from '#lib/aws-errors.ts';
import { TransientError } from '#lib/errors.ts';
import { mapDynamoError } from '#lib/registry.ts';

/** Creates the registry table (on-demand, key tenantId) unless it exists, and waits until it is active. */
export async function createRegistryTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'tenantId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'tenantId', KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceInUseException') throw mapDynamoError(error, `CreateTable ${name}`);
  }
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    if (described.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new TransientError(`DynamoDB table ${name} did not become active`);
}
