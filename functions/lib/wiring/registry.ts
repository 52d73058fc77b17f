// The tenant registry of a function that reads or writes the table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TenantRegistry } from '../registry.ts';
import { awsOptions, configured } from './config.ts';
import type { Builder } from './kinds.ts';

export const registry: Builder<'registry'> = (config) => ({
  registry: new TenantRegistry(
    DynamoDBDocumentClient.from(new DynamoDBClient(awsOptions(config, config.dynamodbEndpoint))),
    configured(config.registryTableName, 'a registry table (REGISTRY_TABLE_NAME)', config),
  ),
});
