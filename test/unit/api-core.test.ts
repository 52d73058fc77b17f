import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '#lib/errors.ts';
import {
  type ExecutionLock,
  executionNameOf,
  type ListPage,
  type LockClaim,
  type LockRequest,
  type TenantRecord,
} from '#lib/registry.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { type ApiDeps, createApi, proxyHandler } from '../../functions/api/core.ts';
import { canonicalJson, parseExecutionName } from '../../functions/api/execution-name.ts';
import type { ApiRequest } from '../../functions/api/http.ts';
import { UNSTARTED_LOCK_MS } from '../../functions/api/operations.ts';
import {
  type DescribedExecution,
  type ExecutionStatus,
  type StartedExecution,
  VerificationUnavailableError,
} from '../../functions/api/starter.ts';
import type { ExecutionView, MachineKind } from '../../functions/api/types.ts';
import { openApiResponseChecker } from '../../local/api-openapi.ts';

const TOKEN = 'ak-token-4f9c2e7a1b0d';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbCdEf';
const STORED_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-XyZ123';
const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const secretsMock = mockClient(SecretsManagerClient);
const checkResponse = openApiResponseChecker();

function specInput(overrides: Record<string, unknown> = {}, authentik: Record<string, unknown> = {}) {
  return {
    tenantId: 'acme',
    authentik: { baseUrl: 'https://authentik.example.com', tokenSecretArn: ARN, ...authentik },
    cognito: { callbackUrls: ['https://app.acme.example/cb'] },
    ...overrides,
  };
}

/** Step Functions' naming rules, in memory. */
class FakeStarter {
  readonly started: { machine: MachineKind; name: string; input: unknown }[] = [];
  readonly executions = new Map<string, { status: ExecutionStatus; input: string; machine: MachineKind }>();
  running: ExecutionView | undefined;
  verifyError: Error | undefined;

  executionArnOf(machine: MachineKind, name: string): string {
    return `arn:aws:states:eu-west-1:123456789012:execution:${machine}-tenant:${name}`;
  }

  async describeExecution(executionArn: string): Promise<DescribedExecution | undefined> {
    const name = executionNameOf(executionArn);
    const execution = this.executions.get(name);
    return execution
      ? { executionArn, name, startDate: '2025-01-01T00:00:00.000Z', status: execution.status }
      : undefined;
  }

  async startExecution(machine: MachineKind, name: string, input: unknown): Promise<StartedExecution> {
    const executionArn = this.executionArnOf(machine, name);
    const startDate = '2025-01-01T00:00:00.000Z';
    const existing = this.executions.get(name);
    if (existing) {
      const same = existing.status === 'RUNNING' && existing.input === canonicalJson(input);
      return { executionArn, name, startDate, ...(same ? {} : { existingStatus: existing.status }) };
    }
    this.executions.set(name, { status: 'RUNNING', input: canonicalJson(input), machine });
    this.started.push({ machine, name, input });
    return { executionArn, name, startDate };
  }

  async describeRunning(): Promise<ExecutionView | undefined> {
    return this.running;
  }

  async verify(record: TenantRecord): Promise<StartedExecution> {
    if (this.verifyError) throw this.verifyError;
    return this.startExecution('verify', `${record.tenantId}_verify_t1_1`, { tenantId: record.tenantId });
  }
}

/** The registry's records and its per-tenant lock, in memory, with the lock's conditions. */
class FakeRegistry {
  readonly records = new Map<string, TenantRecord>();
  readonly locks = new Map<string, ExecutionLock>();
  failWith: Error | undefined;

  async lockOf(tenantId: string): Promise<ExecutionLock | undefined> {
    return this.locks.get(tenantId);
  }

  private lockFor(tenantId: string, claim: LockRequest): ExecutionLock {
    return {
      tenantId,
      ...claim,
      execution: executionNameOf(claim.execution),
      claimedAt: new Date().toISOString(),
    };
  }

  async claimLock(tenantId: string, claim: LockRequest): Promise<LockClaim> {
    const current = this.locks.get(tenantId);
    if (current?.execution === executionNameOf(claim.execution)) {
      return { held: true, already: true, lock: current };
    }
    if (current) return { held: false, holder: current };
    const lock = this.lockFor(tenantId, claim);
    this.locks.set(tenantId, lock);
    return { held: true, already: false, lock };
  }

  async takeOverLock(tenantId: string, from: string, claim: LockRequest): Promise<ExecutionLock | undefined> {
    if (this.locks.get(tenantId)?.execution !== from) return undefined;
    const lock = this.lockFor(tenantId, claim);
    this.locks.set(tenantId, lock);
    return lock;
  }

  async releaseLock(tenantId: string, execution: string): Promise<boolean> {
    if (this.locks.get(tenantId)?.execution !== executionNameOf(execution)) return false;
    this.locks.delete(tenantId);
    return true;
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    if (this.failWith) throw this.failWith;
    return this.records.get(tenantId);
  }
  async list(options: { limit?: number; cursor?: string } = {}): Promise<ListPage> {
    const all = [...this.records.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
    const after = options.cursor
      ? (JSON.parse(Buffer.from(options.cursor, 'base64url').toString()) as { tenantId: string }).tenantId
      : '';
    const rest = all.filter((r) => r.tenantId > after);
    const items = rest.slice(0, options.limit ?? 100);
    const last = items.at(-1);
    return {
      items,
      ...(rest.length > items.length && last
        ? { cursor: Buffer.from(JSON.stringify({ tenantId: last.tenantId })).toString('base64url') }
        : {}),
    };
  }
}

let starter: FakeStarter;
/** The execution ends; unless it crashed, it recorded its outcome and so released the tenant's lock. */
function finish(name: string, status: ExecutionStatus, { crashed = false } = {}): void {
  const execution = starter.executions.get(name);
  if (!execution) throw new Error(`no execution ${name}`);
  execution.status = status;
  if (!crashed) void registry.releaseLock(parseExecutionName(name)?.tenantId ?? '', name);
}

/** An execution running for the tenant and holding its lock, as one the console started would. */
function holding(kind: 'provision' | 'deprovision', name: string): ExecutionView {
  starter.executions.set(name, { status: 'RUNNING', input: '{}', machine: kind });
  const executionArn = starter.executionArnOf(kind, name);
  registry.locks.set('acme', {
    tenantId: 'acme',
    execution: name,
    kind,
    executionArn,
    claimedAt: new Date().toISOString(),
  });
  return { kind, executionArn, name, startDate: '2025-01-01T00:00:00.000Z' };
}
let registry: FakeRegistry;
let deps: ApiDeps;
/** The Secrets Manager client the API was handed for each tenant (a tenant-scoped session on AWS). */
let tenantSecrets: Map<string, SecretsManagerClient>;

function record(tenantId: string, patch: Partial<TenantRecord> = {}): TenantRecord {
  return {
    tenantId,
    // Each tenant's spec names its own token secret, as the spec requires.
    spec: parseTenantSpec(
      specInput({ tenantId }, { tokenSecretArn: ARN.replace('/acme/', `/${tenantId}/`) }),
      deployment,
    ),
    status: 'active',
    resources: {},
    steps: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 3,
    ...patch,
  };
}

interface Call {
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  query?: Record<string, string[]>;
}

async function call(method: string, path: string, options: Call = {}) {
  const body =
    options.raw !== undefined
      ? Buffer.from(options.raw)
      : options.body !== undefined
        ? Buffer.from(JSON.stringify(options.body))
        : undefined;
  const request: ApiRequest = {
    method,
    path,
    query: options.query ?? {},
    headers: options.headers ?? (body ? { 'content-type': 'application/json' } : {}),
    body,
  };
  const response = await createApi(deps)(request);
  expect(checkResponse(method, path, response.status, response.body)).toEqual([]);
  return response as { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
}

beforeEach(() => {
  secretsMock.reset();
  secretsMock
    .on(DescribeSecretCommand)
    .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
  secretsMock.on(CreateSecretCommand).resolves({ ARN: STORED_ARN });
  starter = new FakeStarter();
  registry = new FakeRegistry();
  tenantSecrets = new Map();
  deps = {
    registry,
    secretsFor: (tenantId) => {
      const client = tenantSecrets.get(tenantId) ?? new SecretsManagerClient({ region: 'eu-west-1' });
      tenantSecrets.set(tenantId, client);
      return client;
    },
    secretPrefix: 'federation',
    deployment,
    starter,
    verifier: starter,
  };
});

describe('routing', () => {
  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    expect((await call('GET', '/nope')).status).toBe(404);
    expect((await call('GET', '/tenants/acme/verify/more')).status).toBe(404);
    const wrong = await call('PATCH', '/tenants/acme');
    expect(wrong.status).toBe(405);
    expect(wrong.headers?.allow).toBe('GET, PUT, DELETE');
    const removed = await call('DELETE', '/tenants');
    expect(removed.status).toBe(405);
    expect(removed.headers?.allow).toBe('GET, POST');
    // POST /tenants is the batch: one spec as PUT takes it is not a batch.
    const created = await call('POST', '/tenants', { body: { spec: specInput() } });
    expect(created.status).toBe(400);
    expect(Object.keys(created.body.fields as object)).toEqual(['spec']);
  });

  it('refuses a tenant id that cannot exist, naming the path parameter', async () => {
    for (const path of ['/tenants/ACME', '/tenants/a', '/tenants/%E0%A4%A', '/tenants/acme_1']) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(400);
      expect(Object.keys(response.body.fields as object)).toEqual(['path.tenantId']);
    }
  });

  it('treats a trailing slash like API Gateway does', async () => {
    registry.records.set('acme', record('acme'));
    expect((await call('GET', '/tenants/')).status).toBe(200);
    expect((await call('GET', '/tenants/acme/')).status).toBe(200);
  });
});

describe('PUT /tenants/{tenantId}: refusals name the field and start nothing', () => {
  it('wants application/json', async () => {
    const refused: Record<string, string>[] = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json; charset=latin1' },
    ];
    for (const headers of refused) {
      const response = await call('PUT', '/tenants/acme', { body: { spec: specInput() }, headers });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.fields as object)).toEqual(['header.content-type']);
    }
    const ok = await call('PUT', '/tenants/acme', {
      body: { spec: specInput() },
      headers: { 'content-type': 'Application/JSON; charset="UTF-8"' },
    });
    expect(ok.status).toBe(202);
  });

  it('wants one JSON object within the size limit', async () => {
    for (const raw of ['', '{', '[1]', 'null', '"x"', Buffer.from([0x7b, 0xff, 0x7d])]) {
      const response = await call('PUT', '/tenants/acme', {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.fields as object)).toEqual(['body']);
    }
    const big = await call('PUT', '/tenants/acme', { raw: `{"x":"${'a'.repeat(300_000)}"}` });
    expect(big.status).toBe(413);
    expect(starter.started).toEqual([]);
  });

  it('names every bad spec field under spec.', async () => {
    const response = await call('PUT', '/tenants/acme', {
      body: {
        spec: specInput({ tenantId: 'Bad_Id', cognito: { callbackUrls: ['http://app.example/cb'] } }),
        extra: 1,
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.fields).toMatchObject({
      'spec.tenantId': [expect.any(String)],
      'spec.cognito.callbackUrls.0': [expect.stringContaining('https')],
      extra: ['unknown field'],
    });
    expect((await call('PUT', '/tenants/acme', { body: {} })).body.fields).toEqual({
      spec: ['is required: the tenant spec'],
    });
    expect((await call('PUT', '/tenants/acme', { body: { spec: [] } })).body.fields).toEqual({
      spec: ['must be an object: the tenant spec'],
    });
    expect(starter.started).toEqual([]);
  });

  it('needs the token or its ARN, not both, and never echoes the token', async () => {
    const neither = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }) },
    });
    expect(neither.status).toBe(400);
    expect(Object.keys(neither.body.fields as object)).toEqual(['spec.authentik.tokenSecretArn']);

    const both = await call('PUT', '/tenants/acme', { body: { spec: specInput(), authentikToken: TOKEN } });
    expect(both.status).toBe(400);
    expect(Object.keys(both.body.fields as object)).toEqual(['authentikToken']);
    expect(JSON.stringify(both.body)).not.toContain(TOKEN);

    const spaced = `${TOKEN} with spaces`;
    const bad = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: spaced },
    });
    expect(Object.keys(bad.body.fields as object)).toEqual(['authentikToken']);
    expect(JSON.stringify(bad.body)).not.toContain(TOKEN);

    const inline = await call('PUT', '/tenants/acme', { body: { spec: specInput({}, { token: TOKEN }) } });
    expect(inline.body.fields).toEqual({
      'spec.authentik.token': ['secrets are referenced by ARN, never inline'],
    });
    expect(JSON.stringify(inline.body)).not.toContain(TOKEN);
    expect(starter.started).toEqual([]);
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
  });

  it('refuses query parameters', async () => {
    const response = await call('PUT', '/tenants/acme', {
      body: { spec: specInput() },
      query: { dryRun: ['1'] },
    });
    expect(response.body.fields).toEqual({ 'query.dryRun': ['unknown query parameter'] });
  });
});

describe('PUT /tenants/{tenantId}: accepted', () => {
  it('stores a handed-over token first and starts the execution with its ARN only', async () => {
    const response = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(response.status).toBe(202);
    expect(secretsMock).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'federation/acme/authentik-token',
      SecretString: JSON.stringify({ token: TOKEN }),
    });
    // Through the client for this tenant only (on AWS: a session tagged with it).
    expect([...tenantSecrets.keys()]).toEqual(['acme']);
    expect(secretsMock.commandCalls(CreateSecretCommand)[0]?.thisValue).toBe(tenantSecrets.get('acme'));
    expect(starter.started).toHaveLength(1);
    const started = starter.started[0] as { machine: string; input: unknown };
    expect(started.machine).toBe('provision');
    expect((started.input as { authentik: { tokenSecretArn: string } }).authentik.tokenSecretArn).toBe(
      STORED_ARN,
    );
    expect(JSON.stringify(started.input)).not.toContain(TOKEN);
    expect(JSON.stringify(response)).not.toContain(TOKEN);
    expect(response.body).toMatchObject({ tenantId: 'acme', statusUrl: '/tenants/acme', reused: false });
    expect(response.headers?.location).toBe('/tenants/acme');
  });

  it('starts the normalized spec (defaults filled in, keys sorted) under a name from tenant and spec', async () => {
    const response = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    const input = starter.started[0]?.input as {
      cognito: { scopes: string[] };
      authentik: Record<string, unknown>;
    };
    expect(input.cognito.scopes).toEqual(['openid', 'email', 'profile']);
    expect(Object.keys(input.authentik)).toEqual([...Object.keys(input.authentik)].sort());
    const parts = parseExecutionName(response.body.executionName as string);
    expect(parts).toMatchObject({ tenantId: 'acme', kind: 'provision', attempt: 1 });
  });

  it('maps the same spec, written differently, to the same execution', async () => {
    const first = await call('PUT', '/tenants/acme', {
      body: {
        spec: {
          ...specInput(),
          cognito: { callbackUrls: ['https://app.acme.example/cb'], scopes: ['openid', 'email', 'profile'] },
        },
      },
    });
    const reordered = specInput();
    // Without the tenant id: the path names it.
    const second = await call('PUT', '/tenants/acme', {
      body: { spec: { cognito: reordered.cognito, authentik: reordered.authentik } },
    });
    expect(second.status).toBe(202);
    expect(second.body.executionArn).toBe(first.body.executionArn);
    expect(second.body.reused).toBe(true);
    expect(starter.started).toHaveLength(1);
  });

  it('refuses a spec naming another tenant than the path, with every other bad field', async () => {
    const response = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({ tenantId: 'other', cognito: { callbackUrls: ['ftp://x'] } }) },
    });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body.fields as object).sort()).toEqual([
      'spec.cognito.callbackUrls.0',
      'spec.tenantId',
    ]);
    expect(starter.started).toEqual([]);
    expect(registry.locks.size).toBe(0);
  });

  it('answers 409 naming the execution that holds the tenant, and stores no token meanwhile', async () => {
    const running = holding('deprovision', 'acme_deprovision_v2_1');
    const response = await call('PUT', '/tenants/acme', {
      body: { spec: specInput(), authentikToken: undefined },
    });
    expect(response.status).toBe(409);
    expect(response.body.runningExecution).toEqual(running);
    expect(response.body.error).toContain('acme_deprovision_v2_1');
    const withToken = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(withToken.status).toBe(409);
    // The stored token is not replaced under a running execution.
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(starter.started).toEqual([]);
    expect(registry.locks.get('acme')?.execution).toBe('acme_deprovision_v2_1');
  });

  it('takes the lock before the token is stored and before the execution starts', async () => {
    const order: string[] = [];
    const claim = registry.claimLock.bind(registry);
    registry.claimLock = async (tenantId, request) => {
      order.push('lock');
      return claim(tenantId, request);
    };
    secretsMock.on(CreateSecretCommand).callsFake(() => {
      order.push('token');
      return { ARN: STORED_ARN };
    });
    const start = starter.startExecution.bind(starter);
    starter.startExecution = async (machine, name, input) => {
      order.push('start');
      return start(machine, name, input);
    };
    const response = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(response.status).toBe(202);
    expect(order).toEqual(['lock', 'token', 'start']);
    expect(registry.locks.get('acme')).toMatchObject({
      execution: response.body.executionName,
      kind: 'provision',
      executionArn: response.body.executionArn,
    });
  });

  it('gives one of many concurrent different requests the tenant, 409 to the others', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('PUT', '/tenants/acme', {
          body: { spec: specInput({ cognito: { callbackUrls: [`https://app.acme.example/cb${i}`] } }) },
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array<number>(9).fill(409)]);
    expect(starter.started).toHaveLength(1);
    const winner = answers.find((a) => a.status === 202);
    for (const loser of answers.filter((a) => a.status === 409)) {
      expect((loser.body.runningExecution as ExecutionView).name).toBe(winner?.body.executionName);
    }
  });

  it('takes over a lock whose execution ended without releasing it', async () => {
    holding('provision', 'acme_provision_crashed_1');
    finish('acme_provision_crashed_1', 'ABORTED', { crashed: true });
    const response = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(response.status).toBe(202);
    expect(registry.locks.get('acme')?.execution).toBe(response.body.executionName);
  });

  it('waits for a lock taken by a request that has not started its execution yet, until it is old', async () => {
    const claimedAt = new Date().toISOString();
    registry.locks.set('acme', {
      tenantId: 'acme',
      execution: 'acme_provision_other_1',
      kind: 'provision',
      claimedAt,
    });
    const young = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(young.status).toBe(409);
    expect(young.body.runningExecution).toMatchObject({
      name: 'acme_provision_other_1',
      executionArn: starter.executionArnOf('provision', 'acme_provision_other_1'),
      startDate: claimedAt,
    });
    // The claimer died before starting anything: after a while the lock is the next request's.
    deps.now = () => Date.parse(claimedAt) + UNSTARTED_LOCK_MS + 1;
    const late = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(late.status).toBe(202);
    expect(starter.started).toHaveLength(1);
  });

  it('frees the lock when the execution cannot be started', async () => {
    starter.startExecution = async () => {
      throw new TransientError('Step Functions StartExecution: ThrottlingException');
    };
    const response = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(response.status).toBe(503);
    expect(registry.locks.size).toBe(0);
  });

  it('answers an earlier success that is the tenant’s last execution as already done', async () => {
    const first = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    const name = first.body.executionName as string;
    finish(name, 'SUCCEEDED');
    registry.records.set(
      'acme',
      record('acme', {
        status: 'active',
        lastExecution: {
          kind: 'provision',
          name: first.body.executionArn as string,
          startedAt: '2025-01-01T00:00:00.000Z',
        },
      }),
    );
    const again = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(again.body).toMatchObject({ executionName: name, reused: true });
    expect(starter.started).toHaveLength(1);
  });

  it('runs the same spec again after a failure, or after the tenant changed since', async () => {
    const first = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    const name = first.body.executionName as string;
    finish(name, 'FAILED');
    registry.records.set(
      'acme',
      record('acme', {
        status: 'failed',
        lastExecution: {
          kind: 'provision',
          name: first.body.executionArn as string,
          startedAt: '2025-01-01T00:00:00.000Z',
        },
      }),
    );
    const retry = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(retry.status).toBe(202);
    expect(parseExecutionName(retry.body.executionName as string)?.attempt).toBe(2);

    // Succeeded, but a deprovision came after it: provision again.
    const retried = retry.body.executionName as string;
    finish(retried, 'SUCCEEDED');
    registry.records.set(
      'acme',
      record('acme', {
        status: 'deprovisioned',
        lastExecution: {
          kind: 'deprovision',
          name: 'arn:aws:states:eu-west-1:123456789012:execution:deprovision-tenant:acme_deprovision_v4_1',
          startedAt: '2025-01-02T00:00:00.000Z',
        },
      }),
    );
    const after = await call('PUT', '/tenants/acme', { body: { spec: specInput() } });
    expect(after.body.reused).toBe(false);
    expect(parseExecutionName(after.body.executionName as string)?.attempt).toBe(3);
    expect(starter.started).toHaveLength(3);
  });

  it('answers 409 when the name runs with another input (the stored token secret was replaced)', async () => {
    const first = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    // Lost its lock (an operator's doing), still running: the name is taken and nothing else starts.
    registry.locks.clear();
    secretsMock.on(CreateSecretCommand).resolves({ ARN: STORED_ARN.replace('XyZ123', 'QrS456') });
    const second = await call('PUT', '/tenants/acme', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(second.status).toBe(409);
    expect((second.body.runningExecution as ExecutionView).name).toBe(first.body.executionName);
    expect(registry.locks.get('acme')?.execution).toBe(first.body.executionName);
  });
});

describe('GET /tenants/{tenantId}', () => {
  it('shows the record with the running execution, a pending tenant, and 404 otherwise', async () => {
    expect((await call('GET', '/tenants/acme')).status).toBe(404);
    starter.running = {
      kind: 'provision',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:provision-tenant:acme_provision_abc_1',
      name: 'acme_provision_abc_1',
      startDate: '2025-01-01T00:00:00.000Z',
    };
    const pending = await call('GET', '/tenants/acme');
    expect(pending.body).toMatchObject({ status: 'pending', runningExecution: starter.running });
  });

  it('shows the execution holding the lock, one the console started too', async () => {
    const running = holding('provision', 'operator-run-1');
    const pending = await call('GET', '/tenants/acme');
    expect(pending.body).toMatchObject({ status: 'pending', runningExecution: running });
    expect((await call('POST', '/tenants/acme/verify')).status).toBe(409);
  });

  it('names no secret: neither the token’s ARN in the spec nor any *SecretArn resource', async () => {
    const secretArn = (kind: string) =>
      `arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/${kind}-AbCdEf`;
    registry.records.set(
      'acme',
      record('acme', {
        resources: {
          userPoolId: 'eu-west-1_Pool',
          oidcClientSecretArn: secretArn('oidc-client'),
          testUserPasswordSecretArn: secretArn('test-user'),
          created: ['userPoolId', 'oidcClientSecretArn', 'testUserPasswordSecretArn'],
        },
      }),
    );
    const { body } = await call('GET', '/tenants/acme');
    expect(body.resources).toEqual({ userPoolId: 'eu-west-1_Pool', created: ['userPoolId'] });
    expect((body.spec as { authentik: Record<string, unknown> }).authentik).not.toHaveProperty(
      'tokenSecretArn',
    );
    expect(JSON.stringify(body)).not.toMatch(/secretsmanager|SecretArn/);
  });

  it('builds the hosted-UI test URL of an active tenant', async () => {
    const spec = parseTenantSpec(
      specInput({ cognito: { callbackUrls: ['https://app.acme.example/cb'], scopes: ['openid', 'email'] } }),
      deployment,
    );
    registry.records.set(
      'acme',
      record('acme', {
        spec,
        resources: { userPoolDomain: 'acme-login.auth.eu-west-1.amazoncognito.com', appClientId: 'client1' },
      }),
    );
    const { body } = await call('GET', '/tenants/acme');
    const url = new URL(body.loginUrl as string);
    expect(url.host).toBe('acme-login.auth.eu-west-1.amazoncognito.com');
    expect(url.searchParams.get('identity_provider')).toBe('authentik-acme');
    expect(url.searchParams.get('client_id')).toBe('client1');
    expect(url.searchParams.get('scope')).toBe('openid email');
  });
});

describe('DELETE and verify', () => {
  it('deletes: 404 unknown, 409 while provisioning, 202 once, reused while running', async () => {
    expect((await call('DELETE', '/tenants/acme')).status).toBe(404);
    registry.records.set('acme', record('acme'));
    const started = await call('DELETE', '/tenants/acme');
    expect(started.status).toBe(202);
    expect(starter.started).toEqual([
      { machine: 'deprovision', name: 'acme_deprovision_v3_1', input: { tenantId: 'acme' } },
    ]);
    // Running: it registered the tenant (a new version) and holds the lock.
    registry.records.set('acme', record('acme', { status: 'deprovisioning', version: 4 }));
    const again = await call('DELETE', '/tenants/acme');
    expect(again.body).toMatchObject({ executionArn: started.body.executionArn, reused: true });

    finish('acme_deprovision_v3_1', 'FAILED');
    holding('provision', 'acme_provision_abc_1');
    const refused = await call('DELETE', '/tenants/acme');
    expect(refused.status).toBe(409);
    expect((refused.body.runningExecution as ExecutionView).name).toBe('acme_provision_abc_1');
    expect(starter.started).toHaveLength(1);
  });

  it('answers a finished deprovision as done', async () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:deprovision-tenant:acme_deprovision_v3_1';
    registry.records.set(
      'acme',
      record('acme', {
        status: 'deprovisioned',
        lastExecution: { kind: 'deprovision', name: arn, startedAt: '2025-01-01T00:00:00.000Z' },
      }),
    );
    const response = await call('DELETE', '/tenants/acme');
    expect(response.body).toMatchObject({ executionArn: arn, reused: true });
    expect(starter.started).toEqual([]);
  });

  it('verifies: 404 unknown, 202, 501 without a verification machine', async () => {
    expect((await call('POST', '/tenants/acme/verify')).status).toBe(404);
    registry.records.set('acme', record('acme'));
    expect((await call('POST', '/tenants/acme/verify')).status).toBe(202);
    starter.verifyError = new VerificationUnavailableError('no verification state machine is configured');
    const unavailable = await call('POST', '/tenants/acme/verify');
    expect(unavailable.status).toBe(501);
    expect(unavailable.body.error).toContain('verification');
  });
});

describe('GET /tenants', () => {
  it('pages with limit and cursor', async () => {
    for (const id of ['t-a', 't-b', 't-c']) registry.records.set(id, record(id));
    const first = await call('GET', '/tenants', { query: { limit: ['2'] } });
    expect((first.body.items as { tenantId: string }[]).map((t) => t.tenantId)).toEqual(['t-a', 't-b']);
    const second = await call('GET', '/tenants', {
      query: { limit: ['2'], cursor: [first.body.cursor as string] },
    });
    expect((second.body.items as { tenantId: string }[]).map((t) => t.tenantId)).toEqual(['t-c']);
    expect(second.body.cursor).toBeUndefined();
  });

  it('refuses a bad limit, a foreign cursor, unknown and repeated parameters', async () => {
    const foreign = Buffer.from(JSON.stringify({ tenantId: '' })).toString('base64url');
    const cases: [Record<string, string[]>, string][] = [
      [{ limit: ['0'] }, 'query.limit'],
      [{ limit: ['101'] }, 'query.limit'],
      [{ limit: ['1.5'] }, 'query.limit'],
      [{ cursor: ['!!'] }, 'query.cursor'],
      [{ cursor: [foreign] }, 'query.cursor'],
      [{ cursor: ['e30'] }, 'query.cursor'],
      [{ sort: ['x'] }, 'query.sort'],
      [{ limit: ['1', '2'] }, 'query.limit'],
    ];
    for (const [query, field] of cases) {
      const response = await call('GET', '/tenants', { query });
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(Object.keys(response.body.fields as object)).toEqual([field]);
    }
  });
});

describe('failures of what the API depends on', () => {
  it('answers 503 for a transient failure and 500 without details otherwise', async () => {
    registry.failWith = new TransientError('DynamoDB GetItem acme: ThrottlingException');
    const busy = await call('GET', '/tenants/acme');
    expect(busy.status).toBe(503);
    expect(busy.headers?.['retry-after']).toBe('2');
    registry.failWith = new Error('socket hang up near secret-ish detail');
    const broken = await call('GET', '/tenants/acme');
    expect(broken).toMatchObject({ status: 500, body: { error: 'internal error' } });
  });
});

describe('proxyHandler', () => {
  it('reads API Gateway proxy events: base64 bodies, multi-value headers and query strings', async () => {
    const handle = proxyHandler(createApi(deps));
    const body = Buffer.from(JSON.stringify({ spec: specInput() })).toString('base64');
    const result = await handle({
      httpMethod: 'put',
      path: '/tenants/acme',
      multiValueHeaders: { 'Content-Type': ['application/json'] },
      body,
      isBase64Encoded: true,
    });
    expect(result.statusCode).toBe(202);
    expect(result.headers['content-type']).toBe('application/json; charset=utf-8');
    const list = await handle({
      httpMethod: 'GET',
      path: '/tenants',
      queryStringParameters: { limit: '5' },
      multiValueQueryStringParameters: { limit: ['5', '6'] },
    });
    expect(list.statusCode).toBe(400);
    expect(JSON.parse(list.body).fields).toEqual({ 'query.limit': ['give it once'] });
  });
});
