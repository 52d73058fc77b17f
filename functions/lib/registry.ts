// The tenant registry (DynamoDB): for each tenant its spec (which holds no secret), its status, the
// ids of its resources and which of them this system created (ownership: deprovisioning deletes only
// those), the outcome of each step, and its last execution, error and verification.
//
// Every write of an existing item is conditional on the version it read (optimistic locking), so two
// writers (a provisioning execution and the nightly verification) never silently undo each other.

import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { awsErrorName, THROTTLING_EXCEPTION, transientTest } from './aws-errors.ts';
import { ConflictError, TransientError, ValidationError } from './errors.ts';
import {
  decodeCursor,
  type ErrorRecord,
  type ExecutionLock,
  type ExecutionRecord,
  encodeCursor,
  executionNameOf,
  type ListOptions,
  type ListPage,
  LOCK_KEY_PREFIX,
  type LockClaim,
  type LockItem,
  type LockRequest,
  mergeResources,
  projectionOf,
  type TenantRecord,
  type TenantStatus,
  type VerificationRecord,
  withoutLocks,
} from './registry-records.ts';
import type { Resources } from './step.ts';
import type { TenantSpec } from './tenant-spec.ts';

// What the table holds is described in registry-records.ts; its readers import it from here, the
// registry being the one module they know.
export {
  type ErrorRecord,
  type ExecutionLock,
  type ExecutionRecord,
  executionNameOf,
  type ListOptions,
  type ListPage,
  LOCK_KEY_PREFIX,
  type LockClaim,
  type LockRequest,
  mergeResources,
  projectionOf,
  type RotationRecord,
  type StepRecord,
  TENANT_STATUSES,
  type TenantRecord,
  type TenantStatus,
  type VerificationRecord,
  withoutResources,
} from './registry-records.ts';

// A claim that keeps losing races (each lost race is another writer's success) gives up after this.
const LOCK_ROUNDS = 5;

const MAX_ERROR_MESSAGE = 1000;

// DynamoDB's own throttling, ProvisionedThroughputExceededException and RequestLimitExceeded, and its
// server error, InternalServerError
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html#API_GetItem_Errors),
// and the common throttling. DynamoDB answers throttling with HTTP 400 and a name, so 429 does not
// count; neither do the SDK's timeouts or broken connections.
const isTransient = transientTest({
  names: [
    'ProvisionedThroughputExceededException',
    THROTTLING_EXCEPTION,
    'RequestLimitExceeded',
    'InternalServerError',
  ],
  tooManyRequests: false,
  networkCodes: false,
});

/** Our error for a DynamoDB SDK error: TransientError when it is one, the error unchanged otherwise. */
export function mapDynamoError(error: unknown, what: string): unknown {
  if (isTransient(error)) return new TransientError(`DynamoDB ${what}: ${awsErrorName(error) || 'error'}`);
  return error;
}

/** Plain JSON: the document client refuses `undefined` values, and records are JSON data anyway. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
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
      if (awsErrorName(error) === 'ConditionalCheckFailedException') {
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
      ...(current?.rotations ? { rotations: current.rotations } : {}),
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
      if (awsErrorName(error) === 'ConditionalCheckFailedException') {
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
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw mapDynamoError(error, `PutItem lock of ${tenantId}`);
    }
  }

  private existing(tenantId: string, current: TenantRecord | undefined): TenantRecord {
    if (!current) throw new ConflictError(`tenant ${tenantId} is not registered`);
    return current;
  }
}
