// The tenant registry of a function that reads or writes the table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TenantRegistry } from '../registry.ts';
import { countThrottles } from '../throttles.ts';
import { awsOptions, configured } from './config.ts';
import type { Builder } from './kinds.ts';

export const registry: Builder<'registry'> = (config) => ({
  registry: new TenantRegistry(
    DynamoDBDocumentClient.from(
      countThrottles(
        new DynamoDBClient(awsOptions(config, config.dynamodbEndpoint)),
        'DynamoDB',
        config.onThrottle,
      ),
    ),
    configured(config.registryTableName, 'a registry table (REGISTRY_TABLE_NAME)', config),
  ),
});
