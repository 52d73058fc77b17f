// The tenant registry (DynamoDB): for each tenant its spec (which holds no secret), its status, the
// ids of its resources and which of them this system created (ownership: deprovisioning deletes only
// those), the outcome of each step, and its last execution, error and verification.
//
// Every write of an existing item is conditional on the version it read (optimistic locking), so two
// writers (a provisioning execution and the nightly verification) never silently undo each other.

import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError, ValidationError } from './errors.ts';
import type { CheckOutcome, Drift, Resources } from './step.ts';
import type { TenantSpec } from './tenant-spec.ts';

export const TENANT_STATUSES = [
  'provisioning',
  'active',
  'failed',
  'deprovisioning',
  'deprovisioned',
] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export interface StepRecord {
  outcome: string;
  at: string;
}

export interface ExecutionRecord {
  kind: 'provision' | 'deprovision' | 'verify';
  name: string;
  arn?: string;
  startedAt: string;
}

export interface ErrorRecord {
  step: string;
  errorName: string;
  message: string;
  at: string;
}

export interface VerificationRecord {
  at: string;
  outcome: CheckOutcome | 'failed';
  drift?: Drift[];
}

export interface TenantRecord {
  tenantId: string;
  spec: TenantSpec;
  status: TenantStatus;
  resources: Resources;
  steps: Record<string, StepRecord>;
  lastExecution?: ExecutionRecord;
  lastError?: ErrorRecord;
  lastVerification?: VerificationRecord;
  createdAt: string;
  updatedAt: string;
  /** Incremented by every write; writes are conditional on it. */
  version: number;
}

export interface ListPage<Record = TenantRecord> {
  items: Record[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface ListOptions {
  limit?: number;
  cursor?: string;
  /**
   * Read only these document paths of each record (`status`, `resources.userPoolId`). A record
   * carries its spec, last verification report and step history, several KB that a listing of
   * names does not need; the items then hold only what was asked for.
   */
  paths?: readonly string[];
}

/**
 * A ProjectionExpression for document paths, every name by a placeholder: some field names
 * (`status`) are DynamoDB reserved words.
 */
export function projectionOf(paths: readonly string[]) {
  if (paths.length === 0) return {};
  const names = new Map<string, string>();
  const placeholder = (name: string) => {
    if (!names.has(name)) names.set(name, `#n${names.size}`);
    return names.get(name) as string;
  };
  const expression = paths.map((path) => path.split('.').map(placeholder).join('.')).join(', ');
  return {
    ProjectionExpression: expression,
    ExpressionAttributeNames: Object.fromEntries([...names].map(([name, key]) => [key, name])),
  };
}

/** Union of two resource sets; `created` lists merge without duplicates. */
export function mergeResources(current: Resources, update: Resources): Resources {
  const created = [...new Set([...(current.created ?? []), ...(update.created ?? [])])];
  return { ...current, ...update, ...(created.length > 0 ? { created } : {}) };
}

/** The resources left after a destroy: `gone` removed, with their ownership entries. */
export function withoutResources(resources: Resources, gone: readonly (keyof Resources)[]): Resources {
  const rest: Resources = { ...resources };
  for (const key of gone) delete rest[key];
  rest.created = (resources.created ?? []).filter((key) => !gone.includes(key));
  return rest;
}

const MAX_ERROR_MESSAGE = 1000;

function nameOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : '';
}

function mapDynamoError(error: unknown, what: string): unknown {
  const name = nameOf(error);
  const status =
    (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ?? 0;
  if (
    [
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'RequestLimitExceeded',
      'InternalServerError',
    ].includes(name) ||
    status >= 500
  ) {
    return new TransientError(`DynamoDB ${what}: ${name || 'error'}`);
  }
  return error;
}

/** Plain JSON: the document client refuses `undefined` values, and records are JSON data anyway. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && typeof (key as { tenantId?: unknown }).tenantId === 'string') {
      return { tenantId: (key as { tenantId: string }).tenantId };
    }
  } catch {
    // fall through
  }
  throw new ValidationError('invalid cursor', { cursor: ['not a cursor this registry issued'] });
}

export class TenantRegistry {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    try {
      const result = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { tenantId }, ConsistentRead: true }),
      );
      return result.Item as TenantRecord | undefined;
    } catch (error) {
      throw mapDynamoError(error, `GetItem ${tenantId}`);
    }
  }

  /**
   * Writes `record` as the next version of the item. `expectedVersion` undefined means the item must
   * not exist yet. Throws ConflictError when someone else wrote in between.
   */
  async put(
    record: Omit<TenantRecord, 'version' | 'updatedAt'>,
    expectedVersion?: number,
  ): Promise<TenantRecord> {
    const next: TenantRecord = plain({
      ...record,
      updatedAt: this.now(),
      version: (expectedVersion ?? 0) + 1,
    });
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: next,
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(tenantId)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
      return next;
    } catch (error) {
      if (nameOf(error) === 'ConditionalCheckFailedException') {
        throw new ConflictError(
          expectedVersion === undefined
            ? `tenant ${record.tenantId} is already registered`
            : `tenant ${record.tenantId} changed since version ${expectedVersion}`,
        );
      }
      throw mapDynamoError(error, `PutItem ${record.tenantId}`);
    }
  }

  /**
   * Read-modify-write with optimistic locking, retried when another writer got in between.
   * `mutate` receives the current record (undefined if none) and returns the new one.
   */
  async update(
    tenantId: string,
    mutate: (current: TenantRecord | undefined) => Omit<TenantRecord, 'version' | 'updatedAt'>,
    attempts = 5,
  ): Promise<TenantRecord> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.get(tenantId);
      const next = mutate(current === undefined ? undefined : plain(current));
      if (next.tenantId !== tenantId)
        throw new ValidationError('tenantId cannot change', { tenantId: ['immutable'] });
      try {
        return await this.put(next, current?.version);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
      }
    }
  }

  /** Registers the tenant (or re-registers it) at the start of an execution. */
  startExecution(spec: TenantSpec, execution: Omit<ExecutionRecord, 'startedAt'>): Promise<TenantRecord> {
    const at = this.now();
    const status: TenantStatus = execution.kind === 'deprovision' ? 'deprovisioning' : 'provisioning';
    return this.update(spec.tenantId, (current) => ({
      tenantId: spec.tenantId,
      spec,
      status: execution.kind === 'verify' && current ? current.status : status,
      resources: current?.resources ?? {},
      steps: current?.steps ?? {},
      lastExecution: { ...execution, startedAt: at },
      ...(current?.lastError ? { lastError: current.lastError } : {}),
      ...(current?.lastVerification ? { lastVerification: current.lastVerification } : {}),
      createdAt: current?.createdAt ?? at,
    }));
  }

  /** Records a step's outcome and merges the resources it found or made. */
  recordStep(
    tenantId: string,
    step: string,
    outcome: string,
    resources: Resources = {},
  ): Promise<TenantRecord> {
    return this.update(tenantId, (current) => {
      const record = this.existing(tenantId, current);
      return {
        ...record,
        resources: mergeResources(record.resources, resources),
        steps: { ...record.steps, [step]: { outcome, at: this.now() } },
      };
    });
  }

  /** Replaces the resources (deprovisioning removes what it deleted). */
  setResources(tenantId: string, resources: Resources): Promise<TenantRecord> {
    return this.update(tenantId, (current) => ({ ...this.existing(tenantId, current), resources }));
  }

  setStatus(tenantId: string, status: TenantStatus): Promise<TenantRecord> {
    return this.update(tenantId, (current) => ({ ...this.existing(tenantId, current), status }));
  }

  /** Marks the tenant failed. The message is truncated; it must already be free of secrets (our errors are). */
  recordError(tenantId: string, error: Omit<ErrorRecord, 'at'>): Promise<TenantRecord> {
    return this.update(tenantId, (current) => ({
      ...this.existing(tenantId, current),
      status: 'failed',
      lastError: { ...error, message: error.message.slice(0, MAX_ERROR_MESSAGE), at: this.now() },
    }));
  }

  recordVerification(tenantId: string, verification: Omit<VerificationRecord, 'at'>): Promise<TenantRecord> {
    return this.update(tenantId, (current) => ({
      ...this.existing(tenantId, current),
      lastVerification: { ...verification, at: this.now() },
    }));
  }

  /** One page of tenants (a scan: the registry holds hundreds of items, not millions). */
  async list(options?: Omit<ListOptions, 'paths'>): Promise<ListPage>;
  async list(options: ListOptions & { paths: readonly string[] }): Promise<ListPage<unknown>>;
  async list(options: ListOptions = {}): Promise<ListPage<unknown>> {
    const startKey = decodeCursor(options.cursor);
    try {
      const result = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          Limit: options.limit ?? 100,
          ConsistentRead: true,
          ...projectionOf(options.paths ?? []),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const cursor = encodeCursor(result.LastEvaluatedKey);
      return { items: result.Items ?? [], ...(cursor ? { cursor } : {}) };
    } catch (error) {
      throw mapDynamoError(error, 'Scan');
    }
  }

  /** Every tenant, page after page. */
  async *listAll(pageSize = 100): AsyncGenerator<TenantRecord> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ limit: pageSize, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** Removes the item, only at the version the caller saw. */
  async delete(tenantId: string, expectedVersion: number): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { tenantId },
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (nameOf(error) === 'ConditionalCheckFailedException') {
        throw new ConflictError(`tenant ${tenantId} changed since version ${expectedVersion} or is gone`);
      }
      throw mapDynamoError(error, `DeleteItem ${tenantId}`);
    }
  }

  private existing(tenantId: string, current: TenantRecord | undefined): TenantRecord {
    if (!current) throw new ConflictError(`tenant ${tenantId} is not registered`);
    return current;
  }
}

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
    if (nameOf(error) !== 'ResourceInUseException') throw mapDynamoError(error, `CreateTable ${name}`);
  }
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    if (described.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new TransientError(`DynamoDB table ${name} did not become active`);
}
