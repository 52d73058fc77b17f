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

/**
 * One execution per tenant. The lock is its own item in the registry table, keyed
 * `lock#<tenantId>` (`#` is never part of a tenant id), not an attribute of the tenant's record:
 * - a record is written whole, conditional on its version; a lock inside it would be dropped by
 *   those writes, or would have to bump the version and make every step's bookkeeping retry
 *   against lock traffic;
 * - a tenant's first execution is locked before its record exists (Record start writes that);
 * - IAM can let the API write lock items only (`dynamodb:LeadingKeys` `lock#*`), the records stay
 *   read-only to it.
 * It is taken and released with GetItem and conditional PutItem only, the calls record-outcome is
 * granted anyway. A released lock stays behind as an item without a holder.
 */
export const LOCK_KEY_PREFIX = 'lock#';

export interface ExecutionLock {
  tenantId: string;
  /** The name of the execution holding the tenant. */
  execution: string;
  kind: 'provision' | 'deprovision';
  /** Set when the holder knows it: Record start has `$$.Execution.Id`, the API derives it. */
  executionArn?: string;
  claimedAt: string;
}

/** Who asks for the lock: an execution by name or ARN, and what it runs. */
export type LockRequest = Omit<ExecutionLock, 'tenantId' | 'claimedAt'>;

/** `already`: the execution held the lock before this claim (the API took it, Record start accepts it). */
export type LockClaim =
  | { held: true; already: boolean; lock: ExecutionLock }
  | { held: false; holder: ExecutionLock };

interface LockItem {
  tenantId: string;
  lockOf: string;
  holder?: string;
  kind?: ExecutionLock['kind'];
  executionArn?: string;
  claimedAt?: string;
}

/** The name of an execution given by name or by ARN (`arn:aws:states:…:execution:<machine>:<name>`). */
export function executionNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split(':').at(-1) ?? nameOrArn) : nameOrArn;
}

// A claim that keeps losing races (each lost race is another writer's success) gives up after this.
const LOCK_ROUNDS = 5;

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
  const adopted = [...new Set([...(current.adopted ?? []), ...(update.adopted ?? [])])];
  return {
    ...current,
    ...update,
    ...(created.length > 0 ? { created } : {}),
    ...(adopted.length > 0 ? { adopted } : {}),
  };
}

/** The resources left after a destroy: `gone` removed, with their ownership entries. */
export function withoutResources(resources: Resources, gone: readonly (keyof Resources)[]): Resources {
  const rest: Resources = { ...resources };
  for (const key of gone) delete rest[key];
  rest.created = (resources.created ?? []).filter((key) => !gone.includes(key));
  if (resources.adopted) rest.adopted = resources.adopted.filter((key) => !gone.includes(key));
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

/** A scan's projection, plus a filter that leaves the lock items out: a listing holds tenants only. */
function withoutLocks(projection: ReturnType<typeof projectionOf>) {
  return {
    ...projection,
    FilterExpression: 'NOT begins_with(#lockKey, :lockPrefix)',
    ExpressionAttributeNames: { ...projection.ExpressionAttributeNames, '#lockKey': 'tenantId' },
    ExpressionAttributeValues: { ':lockPrefix': LOCK_KEY_PREFIX },
  };
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
          ...withoutLocks(projectionOf(options.paths ?? [])),
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

  /** The execution holding the tenant, if any. */
  async lockOf(tenantId: string): Promise<ExecutionLock | undefined> {
    try {
      const result = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { tenantId: `${LOCK_KEY_PREFIX}${tenantId}` },
          ConsistentRead: true,
        }),
      );
      const item = result.Item as LockItem | undefined;
      if (!item?.holder || !item.kind) return undefined;
      return {
        tenantId,
        execution: item.holder,
        kind: item.kind,
        ...(item.executionArn ? { executionArn: item.executionArn } : {}),
        claimedAt: item.claimedAt ?? '',
      };
    } catch (error) {
      throw mapDynamoError(error, `GetItem lock of ${tenantId}`);
    }
  }

  /**
   * Takes the tenant's lock for `claim.execution` when no execution holds it; answers that it
   * already holds it, or who does.
   */
  async claimLock(tenantId: string, claim: LockRequest): Promise<LockClaim> {
    const wanted = this.lockFor(tenantId, claim);
    for (let round = 0; round < LOCK_ROUNDS; round += 1) {
      const current = await this.lockOf(tenantId);
      if (current?.execution === wanted.execution) return { held: true, already: true, lock: current };
      if (current) return { held: false, holder: current };
      if (await this.writeLock(tenantId, wanted, undefined))
        return { held: true, already: false, lock: wanted };
    }
    throw new TransientError(`the lock of tenant ${tenantId} kept changing; try again`);
  }

  /**
   * Takes the lock from `from`, an execution that no longer runs (the caller checked), so a crashed
   * or aborted execution never keeps the tenant. Conditional on `from` holding it still: undefined
   * when anyone took or released it meanwhile.
   */
  async takeOverLock(tenantId: string, from: string, claim: LockRequest): Promise<ExecutionLock | undefined> {
    const wanted = this.lockFor(tenantId, claim);
    return (await this.writeLock(tenantId, wanted, executionNameOf(from))) ? wanted : undefined;
  }

  /** Releases the lock if `execution` holds it; false (and nothing written) otherwise. */
  releaseLock(tenantId: string, execution: string): Promise<boolean> {
    return this.writeLock(tenantId, undefined, executionNameOf(execution));
  }

  private lockFor(tenantId: string, claim: LockRequest): ExecutionLock {
    return {
      tenantId,
      execution: executionNameOf(claim.execution),
      kind: claim.kind,
      ...(claim.executionArn ? { executionArn: claim.executionArn } : {}),
      claimedAt: this.now(),
    };
  }

  /**
   * One conditional write of the lock item: held by `next` (or by no one) provided `expected`
   * holds it, or, with `expected` undefined, provided no one does. False when the condition failed.
   */
  private async writeLock(
    tenantId: string,
    next: ExecutionLock | undefined,
    expected: string | undefined,
  ): Promise<boolean> {
    const item: LockItem = {
      tenantId: `${LOCK_KEY_PREFIX}${tenantId}`,
      lockOf: tenantId,
      ...(next
        ? {
            holder: next.execution,
            kind: next.kind,
            ...(next.executionArn ? { executionArn: next.executionArn } : {}),
            claimedAt: next.claimedAt,
          }
        : {}),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ExpressionAttributeNames: { '#holder': 'holder' },
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(#holder)' }
            : {
                ConditionExpression: '#holder = :expected',
                ExpressionAttributeValues: { ':expected': expected },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (nameOf(error) === 'ConditionalCheckFailedException') return false;
      throw mapDynamoError(error, `PutItem lock of ${tenantId}`);
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
