// `federation adopt`: the operator records an Authentik object as adopted by a tenant (see
// functions/lib/adoption.ts). Locally against the world's registry; on a deployment straight against
// the registry table with the operator's AWS credentials, since tenants' API callers must not adopt.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { adopt as adoptInRegistry } from '#lib/adoption.ts';
import { TenantRegistry } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';

export interface Adopted {
  tenantId: string;
  adopted: Resources['adopted'];
}

export async function adopt(
  registry: Pick<TenantRegistry, 'update'>,
  tenantId: string,
  kind: string,
  id: string,
): Promise<Adopted> {
  const record = await adoptInRegistry(registry, tenantId, kind, id);
  return { tenantId, adopted: record.resources.adopted ?? [] };
}

export async function adoptOnDeployment(table: string, tenantId: string, kind: string, id: string) {
  const registry = new TenantRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({})), table);
  return adopt(registry, tenantId, kind, id);
}
