// The five operations of the tenant API over injected clients, so the same code runs on Lambda (Step
// Functions) and in the local API (the local runner).
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ExecutionRecord, TenantRecord, TenantRegistry } from '#lib/registry.ts';
import { putSecret } from '#lib/secrets.ts';
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
import type { ExecutionStarter, StartedExecution, Verifier } from './starter.ts';
import { pendingView, tenantSummary, tenantView } from './tenant-view.ts';
import type { AcceptedResponse, ExecutionView, MachineKind, TenantList, TenantView } from './types.ts';

export interface ApiDeps {
  registry: Pick<TenantRegistry, 'get' | 'list'>;
  /** Secrets Manager for one tenant (a session tagged with it: #lib/tenant-secrets.ts). */
  secretsFor: (tenantId: string) => SecretsManagerClient;
  /** Secrets are named `<secretPrefix>/<tenantId>/<kind>`. */
  secretPrefix: string;
  /** The KMS key a stored token is encrypted with; the account's default key when unset. */
  secretsKmsKeyId?: string | undefined;
  deployment: Deployment;
  starter: ExecutionStarter;
  verifier: Verifier;
  bodyLimitBytes?: number;
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/;

function accepted(
  tenantId: string,
  execution: StartedExecution,
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
    `tenant ${tenantId} has a ${running.kind} execution running; retry when it ends`,
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

/**
 * Starts `<tenant>_<kind>_<key>_<attempt>` from the attempt given on. A name a finished execution
 * used is taken for good; `done` decides whether that execution already did what was asked (then it
 * answers), otherwise the next attempt is tried.
 */
async function startAttempts(
  deps: ApiDeps,
  tenantId: string,
  kind: MachineKind,
  key: string,
  firstAttempt: number,
  input: unknown,
  done: (existing: StartedExecution) => boolean,
): Promise<ApiResponse<AcceptedResponse>> {
  for (let attempt = firstAttempt; attempt <= MAX_ATTEMPT; attempt += 1) {
    const name = executionName({ tenantId, kind, key, attempt });
    const started = await deps.starter.startExecution(kind, name, input);
    if (started.existingStatus === undefined) return accepted(tenantId, started, false);
    if (started.existingStatus === 'RUNNING') {
      // The same name running with another input: what it runs is not this request.
      throw conflict(tenantId, {
        kind,
        executionArn: started.executionArn,
        name,
        startDate: started.startDate,
      });
    }
    if (done(started)) return accepted(tenantId, started, true);
  }
  throw new HttpError(
    409,
    `tenant ${tenantId} has used every execution name for this request; change the spec`,
  );
}

/** The tenant's record and the execution running for it: what every route on one tenant decides from. */
async function tenantState(deps: ApiDeps, tenantId: string) {
  const record = await deps.registry.get(tenantId);
  const running = await deps.starter.describeRunning(tenantId, runningHint(record));
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
): Promise<ApiResponse<AcceptedResponse>> {
  checkQuery(request.query, []);
  checkJsonContentType(request.headers['content-type']);
  const body = parseJsonObject(request.body, deps.bodyLimitBytes);
  const create = readCreateRequest(body, deps.deployment, deps.secretPrefix);
  const tenantId = create.spec.tenantId;

  const { record, running } = await tenantState(deps, tenantId);
  const joined = joinRunning(tenantId, running, (execution) => {
    const parts = parseExecutionName(execution.name);
    return execution.kind === 'provision' && parts?.kind === 'provision' && parts.key === create.key;
  });
  if (joined) return joined;

  let spec = create.spec;
  if (create.token !== undefined) {
    // Stored before anything starts, so the first step can read it; only its ARN goes on.
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
  const input = JSON.parse(canonicalJson(spec)) as unknown;

  const last = record?.lastExecution
    ? parseExecutionName(nameOfExecution(record.lastExecution.name))
    : undefined;
  const firstAttempt = last?.kind === 'provision' && last.key === create.key ? last.attempt : 1;
  return startAttempts(
    deps,
    tenantId,
    'provision',
    create.key,
    firstAttempt,
    input,
    (existing) =>
      existing.existingStatus === 'SUCCEEDED' && record?.status === 'active' && isLast(record, existing),
  );
}

export async function deleteTenant(
  deps: ApiDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<AcceptedResponse>> {
  checkQuery(request.query, []);
  const { record, running } = await tenantState(deps, tenantId);
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
  return startAttempts(deps, tenantId, 'deprovision', `v${record.version}`, 1, { tenantId }, () => false);
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

/** A cursor is what an earlier page answered: the registry's key, base64url JSON of a tenant id. */
function readCursor(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const refuse = () => badRequest('query.cursor', 'must be a cursor an earlier page answered');
  if (value.length === 0 || value.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(value)) throw refuse();
  try {
    const key = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { tenantId?: unknown };
    if (typeof key?.tenantId !== 'string' || !TENANT_ID.test(key.tenantId) || Object.keys(key).length !== 1) {
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
