// What the tenant registry holds: a tenant's record (spec, status, resources with their ownership,
// step outcomes, last execution, error and verification), the lock item of one execution per
// tenant, a listing's pages and cursors, and the pure functions over them. The registry (registry.ts)
// reads and writes these in DynamoDB and re-exports what its callers use.

import { ValidationError } from './errors.ts';
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

/**
 * The last rotation of one of a tenant's secrets (rotate-secret's finishSecret), and the last failed
 * attempt of a rotation step. Version ids and names only, never a value.
 */
export interface RotationRecord {
  /** The version that became AWSCURRENT (the rotation's ClientRequestToken). */
  versionId?: string;
  rotatedAt?: string;
  lastFailure?: { step: string; versionId: string; errorName: string; message: string; at: string };
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
  /** By secret kind (`oidc-client`, `test-user`). */
  rotations?: Partial<Record<'oidc-client' | 'test-user', RotationRecord>>;
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

/** A lock as its item stores it; a released lock keeps the item, without a holder. */
export interface LockItem {
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

/** A page's cursor: the scan's last key as base64url JSON, opaque to callers. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The scan's start key from a cursor; ValidationError for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
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
export function withoutLocks(projection: ReturnType<typeof projectionOf>) {
  return {
    ...projection,
    FilterExpression: 'NOT begins_with(#lockKey, :lockPrefix)',
    ExpressionAttributeNames: { ...projection.ExpressionAttributeNames, '#lockKey': 'tenantId' },
    ExpressionAttributeValues: { ':lockPrefix': LOCK_KEY_PREFIX },
  };
}
