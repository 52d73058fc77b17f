// The five operations of the tenant API over injected clients, so the same code runs on Lambda (Step
// Functions) and in the local API (the local runner).
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TransientError } from '#lib/errors.ts';
import {
  type ExecutionLock,
  type ExecutionRecord,
  LOCK_KEY_PREFIX,
  type TenantRecord,
  type TenantRegistry,
} from '#lib/registry.ts';
import { putSecret } from '#lib/secrets.ts';
import { TENANT_ID } from '#lib/tenant-id.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { checkJsonContentType, checkQuery, parseJsonObject } from './body.ts';
import { readCreateRequest, withTokenSecretArn } from './create-request.ts';
import {
  canonicalJson,
  executionName,
  MAX_ATTEMPT,
  nameOfExecution,
  parseExecutionName,
} from './execution-name.ts';
import { type ApiRequest, type ApiResponse, badRequest, HttpError } from './http.ts';
import type { Planner } from './plan.ts';
import type { Rotator } from './rotate.ts';
import type { ExecutionStarter, ExecutionStatus, StartedExecution, Verifier } from './starter.ts';
import { pendingView, tenantSummary, tenantView } from './tenant-view.ts';
import type { AcceptedResponse, ExecutionView, TenantList, TenantView } from './types.ts';

export interface ApiDeps {
  registry: Pick<TenantRegistry, 'get' | 'list' | 'lockOf' | 'claimLock' | 'takeOverLock' | 'releaseLock'>;
  /** Secrets Manager for one tenant (a session tagged with it: #lib/tenant-secrets.ts). */
  secretsFor: (tenantId: string) => SecretsManagerClient;
  /** Secrets are named `<secretPrefix>/<tenantId>/<kind>`. */
  secretPrefix: string;
  /** The KMS key a stored token is encrypted with; the account's default key when unset. */
  secretsKmsKeyId?: string | undefined;
  deployment: Deployment;
  starter: ExecutionStarter;
  verifier: Verifier;
  /** Plans a spec without writing (POST /tenants/{id}/plan); absent where the deployment cannot: 501. */
  planner?: Planner | undefined;
  /** Rotates a tenant's secrets now (POST /tenants/{id}/rotate); absent where the deployment cannot: 501. */
  rotator?: Rotator | undefined;
  bodyLimitBytes?: number;
  /** The clock a lock's age is read against (milliseconds since the epoch). */
  now?: () => number;
}

const LOCK_KEY = new RegExp(`^${LOCK_KEY_PREFIX}`);

/**
 * A lock whose execution does not exist is young while its claimer may still be on its way to
 * StartExecution (the API's Lambda times out after 30 s); older, the claimer died in between and the
 * lock is taken over.
 */
export const UNSTARTED_LOCK_MS = 120_000;
/** Still holding the tenant: a failed execution waiting for its redrive may run again. */
const LIVE: ReadonlySet<ExecutionStatus> = new Set(['RUNNING', 'PENDING_REDRIVE']);

type LockedKind = ExecutionLock['kind'];

function accepted(
  tenantId: string,
  execution: Omit<StartedExecution, 'existingStatus'>,
  reused: boolean,
): ApiResponse<AcceptedResponse> {
  return {
    status: 202,
    body: {
      tenantId,
      executionArn: execution.executionArn,
      executionName: execution.name,
      startDate: execution.startDate,
      statusUrl: `/tenants/${tenantId}`,
      reused,
    },
    headers: { location: `/tenants/${tenantId}` },
  };
}

function conflict(tenantId: string, running: ExecutionView): HttpError {
  return new HttpError(
    409,
    `tenant ${tenantId} has a ${running.kind} execution running (${running.name}); retry when it ends`,
    undefined,
    {
      runningExecution: running,
    },
  );
}

function notFound(tenantId: string): HttpError {
  return new HttpError(404, `tenant ${tenantId} is not registered`);
}

/** The registry's last execution, while the registry says it runs (see ExecutionStarter.describeRunning). */
function runningHint(record: TenantRecord | undefined): ExecutionRecord | undefined {
  if (!record?.lastExecution) return undefined;
  return record.status === 'provisioning' || record.status === 'deprovisioning'
    ? record.lastExecution
    : undefined;
}

/** Whether `execution` is the last one the registry recorded for the tenant. */
function isLast(record: TenantRecord | undefined, execution: StartedExecution): boolean {
  const last = record?.lastExecution;
  if (!last) return false;
  return nameOfExecution(last.arn ?? last.name) === execution.name;
}

/** The lock's holder as the API shows it, and whether it still holds the tenant. */
async function holderOf(deps: ApiDeps, lock: ExecutionLock): Promise<{ view: ExecutionView; live: boolean }> {
  const executionArn = lock.executionArn ?? deps.starter.executionArnOf(lock.kind, lock.execution);
  const described = await deps.starter.describeExecution(executionArn);
  const view: ExecutionView = {
    kind: lock.kind,
    executionArn,
    name: lock.execution,
    startDate: described?.startDate ?? lock.claimedAt,
  };
  if (described) return { view, live: LIVE.has(described.status) };
  const age = (deps.now ?? Date.now)() - Date.parse(lock.claimedAt);
  return { view, live: !Number.isNaN(age) && age < UNSTARTED_LOCK_MS };
}

/** The execution holding the tenant's lock, while it holds it. */
async function lockHolder(deps: ApiDeps, tenantId: string): Promise<ExecutionView | undefined> {
  const lock = await deps.registry.lockOf(tenantId);
  if (!lock) return undefined;
  const holder = await holderOf(deps, lock);
  return holder.live ? holder.view : undefined;
}

/**
 * Takes the tenant's lock for `name` before anything starts: free, already this name's (an identical
 * request took it), or left by an execution that no longer runs (taken over, conditionally on that
 * execution still holding it). A live holder answers instead: the same request joins it (202,
 * reused), anything else is a 409 naming it.
 */
async function lockFor(
  deps: ApiDeps,
  tenantId: string,
  kind: LockedKind,
  name: string,
  isSameRequest: (running: ExecutionView) => boolean,
): Promise<{ already: boolean } | { answer: ApiResponse<AcceptedResponse> }> {
  const request = { execution: name, kind, executionArn: deps.starter.executionArnOf(kind, name) };
  // Each round that ends without an answer lost a race to another writer of the lock.
  for (let round = 0; round < 3; round += 1) {
    const claim = await deps.registry.claimLock(tenantId, request);
    if (claim.held) return { already: claim.already };
    const holder = await holderOf(deps, claim.holder);
    if (holder.live) {
      if (isSameRequest(holder.view)) return { answer: accepted(tenantId, holder.view, true) };
      throw conflict(tenantId, holder.view);
    }
    if (await deps.registry.takeOverLock(tenantId, claim.holder.execution, request)) {
      return { already: false };
    }
  }
  throw new TransientError(`the lock of tenant ${tenantId} kept changing`);
}

interface LockedStart {
  tenantId: string;
  kind: LockedKind;
  key: string;
  firstAttempt: number;
  /** Whether a running execution already does what this request asks. */
  isSameRequest: (running: ExecutionView) => boolean;
  /** The execution's input, made once the lock is held (a handed-over token is stored only then). */
  input: () => Promise<unknown>;
  /** Whether a finished execution of the same name already did what is asked. */
  done: (existing: StartedExecution) => boolean;
}

/**
 * Starts `<tenant>_<kind>_<key>_<attempt>` from the attempt given on, each name only while it holds
 * the tenant's lock. A name a finished execution used is taken for good; `done` decides whether that
 * execution already did what was asked (then it answers), otherwise the next attempt takes the lock
 * over from it and is tried.
 */
async function startLocked(deps: ApiDeps, start: LockedStart): Promise<ApiResponse<AcceptedResponse>> {
  const { tenantId, kind, key } = start;
  let input: { value: unknown } | undefined;
  for (let attempt = start.firstAttempt; attempt <= MAX_ATTEMPT; attempt += 1) {
    const name = executionName({ tenantId, kind, key, attempt });
    const lock = await lockFor(deps, tenantId, kind, name, start.isSameRequest);
    if ('answer' in lock) return lock.answer;
    // Whether the lock is left held by an execution of this name when this request gives up.
    let keep = lock.already;
    try {
      if (lock.already) {
        const current = await deps.starter.describeExecution(deps.starter.executionArnOf(kind, name));
        if (current?.status === 'RUNNING') return accepted(tenantId, current, true);
      }
      input ??= { value: await start.input() };
      const started = await deps.starter.startExecution(kind, name, input.value);
      if (started.existingStatus === undefined) {
        keep = true;
        return accepted(tenantId, started, false);
      }
      if (started.existingStatus === 'RUNNING') {
        // The same name running with another input: it holds the lock, and is not this request.
        keep = true;
        throw conflict(tenantId, {
          kind,
          executionArn: started.executionArn,
          name,
          startDate: started.startDate,
        });
      }
      if (start.done(started)) return accepted(tenantId, started, true);
    } finally {
      // Nothing runs under this name: the lock goes (conditionally: it may have been taken over).
      // A release that fails leaves a lock whose execution does not run, which the next request
      // takes over: the answer does not wait on it.
      if (!keep) await deps.registry.releaseLock(tenantId, name).catch(() => false);
    }
  }
  throw new HttpError(
    409,
    `tenant ${tenantId} has used every execution name for this request; change the spec`,
  );
}

/** The tenant's record and the execution running for it: what the routes that start nothing decide from. */
async function tenantState(deps: ApiDeps, tenantId: string) {
  const [record, holder] = await Promise.all([deps.registry.get(tenantId), lockHolder(deps, tenantId)]);
  // A verification holds no lock; it is found among the running executions.
  const running = holder ?? (await deps.starter.describeRunning(tenantId, runningHint(record)));
  return { record, running };
}

/**
 * A request for what already runs answers with that execution (202, reused); anything else running
 * for the tenant is a conflict. Undefined when nothing runs: the route goes on.
 */
function joinRunning(
  tenantId: string,
  running: ExecutionView | undefined,
  isSameRequest: (running: ExecutionView) => boolean,
): ApiResponse<AcceptedResponse> | undefined {
  if (!running) return undefined;
  if (isSameRequest(running)) return accepted(tenantId, running, true);
  throw conflict(tenantId, running);
}

export async function createTenant(
  deps: ApiDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<AcceptedResponse>> {
  checkQuery(request.query, []);
  checkJsonContentType(request.headers['content-type']);
  const body = parseJsonObject(request.body, deps.bodyLimitBytes);
  const create = readCreateRequest(body, deps.deployment, deps.secretPrefix, tenantId);

  const record = await deps.registry.get(tenantId);
  const last = record?.lastExecution
    ? parseExecutionName(nameOfExecution(record.lastExecution.name))
    : undefined;
  const firstAttempt = last?.kind === 'provision' && last.key === create.key ? last.attempt : 1;
  return startLocked(deps, {
    tenantId,
    kind: 'provision',
    key: create.key,
    firstAttempt,
    isSameRequest: (execution) => {
      const parts = parseExecutionName(execution.name);
      return execution.kind === 'provision' && parts?.kind === 'provision' && parts.key === create.key;
    },
    input: async () => {
      let spec = create.spec;
      if (create.token !== undefined) {
        // Stored under the lock, before anything starts, so the first step can read it; only its
        // ARN goes on.
        const { arn } = await putSecret(deps.secretsFor(tenantId), {
          prefix: deps.secretPrefix,
          kmsKeyId: deps.secretsKmsKeyId,
          tenantId,
          kind: 'authentik-token',
          value: { token: create.token },
          description: `Authentik API token of tenant ${tenantId}`,
        });
        spec = parseTenantSpec(withTokenSecretArn(create.rawSpec, arn), deps.deployment);
      }
      // Sorted keys: a repeated request must hand Step Functions byte-identical input.
      return JSON.parse(canonicalJson(spec)) as unknown;
    },
    done: (existing) =>
      existing.existingStatus === 'SUCCEEDED' && record?.status === 'active' && isLast(record, existing),
  });
}

export async function deleteTenant(
  deps: ApiDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<AcceptedResponse>> {
  checkQuery(request.query, []);
  const [record, running] = await Promise.all([deps.registry.get(tenantId), lockHolder(deps, tenantId)]);
  const joined = joinRunning(tenantId, running, (execution) => execution.kind === 'deprovision');
  if (joined) return joined;
  if (!record) throw notFound(tenantId);
  const last = record.lastExecution;
  if (record.status === 'deprovisioned' && last?.kind === 'deprovision') {
    const arn = last.arn ?? (last.name.startsWith('arn:') ? last.name : undefined);
    if (arn) {
      return accepted(
        tenantId,
        { executionArn: arn, name: nameOfExecution(arn), startDate: last.startedAt },
        true,
      );
    }
  }
  // Keyed on the record's version: the same DELETE twice finds the first one running.
  return startLocked(deps, {
    tenantId,
    kind: 'deprovision',
    key: `v${record.version}`,
    firstAttempt: 1,
    isSameRequest: (execution) => execution.kind === 'deprovision',
    input: async () => ({ tenantId }),
    done: () => false,
  });
}

export async function verifyTenant(
  deps: ApiDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<AcceptedResponse>> {
  checkQuery(request.query, []);
  const { record, running } = await tenantState(deps, tenantId);
  const joined = joinRunning(tenantId, running, (execution) => execution.kind === 'verify');
  if (joined) return joined;
  if (!record) throw notFound(tenantId);
  return accepted(tenantId, await deps.verifier.verify(record), false);
}

export async function getTenant(
  deps: ApiDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<TenantView>> {
  checkQuery(request.query, []);
  const { record, running } = await tenantState(deps, tenantId);
  if (record) return { status: 200, body: tenantView(record, running) };
  if (running) return { status: 200, body: pendingView(tenantId, running) };
  throw notFound(tenantId);
}

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 25;
const MAX_CURSOR = 1024;

function readLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw badRequest('query.limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}

/**
 * A cursor is what an earlier page answered: the registry's key, base64url JSON of a tenant id, or
 * of a tenant's lock item (a page's scan may end on one; the listing leaves them out).
 */
function readCursor(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const refuse = () => badRequest('query.cursor', 'must be a cursor an earlier page answered');
  if (value.length === 0 || value.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(value)) throw refuse();
  try {
    const key = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { tenantId?: unknown };
    const id = typeof key?.tenantId === 'string' ? key.tenantId.replace(LOCK_KEY, '') : undefined;
    if (id === undefined || !TENANT_ID.test(id) || Object.keys(key).length !== 1) {
      throw refuse();
    }
  } catch {
    throw refuse();
  }
  return value;
}

export async function listTenants(deps: ApiDeps, request: ApiRequest): Promise<ApiResponse<TenantList>> {
  checkQuery(request.query, ['limit', 'cursor']);
  const limit = readLimit(request.query.limit?.[0]);
  const cursor = readCursor(request.query.cursor?.[0]);
  const page = await deps.registry.list({ limit, ...(cursor ? { cursor } : {}) });
  return {
    status: 200,
    body: { items: page.items.map(tenantSummary), ...(page.cursor ? { cursor: page.cursor } : {}) },
  };
}
