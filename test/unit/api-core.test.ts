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
import type { ListPage, TenantRecord } from '#lib/registry.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { type ApiDeps, createApi, proxyHandler } from '../../functions/api/core.ts';
import { canonicalJson, parseExecutionName } from '../../functions/api/execution-name.ts';
import type { ApiRequest } from '../../functions/api/http.ts';
import {
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

  async startExecution(machine: MachineKind, name: string, input: unknown): Promise<StartedExecution> {
    const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:${machine}-tenant:${name}`;
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

class FakeRegistry {
  readonly records = new Map<string, TenantRecord>();
  failWith: Error | undefined;
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
function finish(name: string, status: ExecutionStatus): void {
  const execution = starter.executions.get(name);
  if (!execution) throw new Error(`no execution ${name}`);
  execution.status = status;
}
let registry: FakeRegistry;
let deps: ApiDeps;

function record(tenantId: string, patch: Partial<TenantRecord> = {}): TenantRecord {
  return {
    tenantId,
    spec: parseTenantSpec(specInput({ tenantId }), deployment),
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
  deps = {
    registry,
    secretsFor: () => new SecretsManagerClient({ region: 'eu-west-1' }),
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
    const wrong = await call('PUT', '/tenants/acme');
    expect(wrong.status).toBe(405);
    expect(wrong.headers?.allow).toBe('GET, DELETE');
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

describe('POST /tenants: refusals name the field and start nothing', () => {
  it('wants application/json', async () => {
    const refused: Record<string, string>[] = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json; charset=latin1' },
    ];
    for (const headers of refused) {
      const response = await call('POST', '/tenants', { body: { spec: specInput() }, headers });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.fields as object)).toEqual(['header.content-type']);
    }
    const ok = await call('POST', '/tenants', {
      body: { spec: specInput() },
      headers: { 'content-type': 'Application/JSON; charset="UTF-8"' },
    });
    expect(ok.status).toBe(202);
  });

  it('wants one JSON object within the size limit', async () => {
    for (const raw of ['', '{', '[1]', 'null', '"x"', Buffer.from([0x7b, 0xff, 0x7d])]) {
      const response = await call('POST', '/tenants', {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.fields as object)).toEqual(['body']);
    }
    const big = await call('POST', '/tenants', { raw: `{"x":"${'a'.repeat(300_000)}"}` });
    expect(big.status).toBe(413);
    expect(starter.started).toEqual([]);
  });

  it('names every bad spec field under spec.', async () => {
    const response = await call('POST', '/tenants', {
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
    expect((await call('POST', '/tenants', { body: {} })).body.fields).toEqual({
      spec: ['is required: the tenant spec'],
    });
    expect((await call('POST', '/tenants', { body: { spec: [] } })).body.fields).toEqual({
      spec: ['must be an object: the tenant spec'],
    });
    expect(starter.started).toEqual([]);
  });

  it('needs the token or its ARN, not both, and never echoes the token', async () => {
    const neither = await call('POST', '/tenants', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }) },
    });
    expect(neither.status).toBe(400);
    expect(Object.keys(neither.body.fields as object)).toEqual(['spec.authentik.tokenSecretArn']);

    const both = await call('POST', '/tenants', { body: { spec: specInput(), authentikToken: TOKEN } });
    expect(both.status).toBe(400);
    expect(Object.keys(both.body.fields as object)).toEqual(['authentikToken']);
    expect(JSON.stringify(both.body)).not.toContain(TOKEN);

    const spaced = `${TOKEN} with spaces`;
    const bad = await call('POST', '/tenants', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: spaced },
    });
    expect(Object.keys(bad.body.fields as object)).toEqual(['authentikToken']);
    expect(JSON.stringify(bad.body)).not.toContain(TOKEN);

    const inline = await call('POST', '/tenants', { body: { spec: specInput({}, { token: TOKEN }) } });
    expect(inline.body.fields).toEqual({
      'spec.authentik.token': ['secrets are referenced by ARN, never inline'],
    });
    expect(JSON.stringify(inline.body)).not.toContain(TOKEN);
    expect(starter.started).toEqual([]);
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
  });

  it('refuses query parameters', async () => {
    const response = await call('POST', '/tenants', {
      body: { spec: specInput() },
      query: { dryRun: ['1'] },
    });
    expect(response.body.fields).toEqual({ 'query.dryRun': ['unknown query parameter'] });
  });
});

describe('POST /tenants: accepted', () => {
  it('stores a handed-over token first and starts the execution with its ARN only', async () => {
    const response = await call('POST', '/tenants', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(response.status).toBe(202);
    expect(secretsMock).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'federation/acme/authentik-token',
      SecretString: JSON.stringify({ token: TOKEN }),
    });
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
    const response = await call('POST', '/tenants', { body: { spec: specInput() } });
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
    const first = await call('POST', '/tenants', {
      body: {
        spec: {
          ...specInput(),
          cognito: { callbackUrls: ['https://app.acme.example/cb'], scopes: ['openid', 'email', 'profile'] },
        },
      },
    });
    starter.running = {
      kind: 'provision',
      executionArn: first.body.executionArn as string,
      name: first.body.executionName as string,
      startDate: first.body.startDate as string,
    };
    const reordered = specInput();
    const second = await call('POST', '/tenants', {
      body: { spec: { cognito: reordered.cognito, authentik: reordered.authentik, tenantId: 'acme' } },
    });
    expect(second.status).toBe(202);
    expect(second.body.executionArn).toBe(first.body.executionArn);
    expect(second.body.reused).toBe(true);
    expect(starter.started).toHaveLength(1);
  });

  it('answers 409 while another execution runs for the tenant', async () => {
    starter.running = {
      kind: 'deprovision',
      executionArn:
        'arn:aws:states:eu-west-1:123456789012:execution:deprovision-tenant:acme_deprovision_v2_1',
      name: 'acme_deprovision_v2_1',
      startDate: '2025-01-01T00:00:00.000Z',
    };
    const response = await call('POST', '/tenants', {
      body: { spec: specInput(), authentikToken: undefined },
    });
    expect(response.status).toBe(409);
    expect(response.body.runningExecution).toEqual(starter.running);
    const withToken = await call('POST', '/tenants', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(withToken.status).toBe(409);
    // The stored token is not replaced under a running execution.
    expect(secretsMock).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(starter.started).toEqual([]);
  });

  it('answers an earlier success that is the tenant’s last execution as already done', async () => {
    const first = await call('POST', '/tenants', { body: { spec: specInput() } });
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
    const again = await call('POST', '/tenants', { body: { spec: specInput() } });
    expect(again.body).toMatchObject({ executionName: name, reused: true });
    expect(starter.started).toHaveLength(1);
  });

  it('runs the same spec again after a failure, or after the tenant changed since', async () => {
    const first = await call('POST', '/tenants', { body: { spec: specInput() } });
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
    const retry = await call('POST', '/tenants', { body: { spec: specInput() } });
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
    const after = await call('POST', '/tenants', { body: { spec: specInput() } });
    expect(after.body.reused).toBe(false);
    expect(parseExecutionName(after.body.executionName as string)?.attempt).toBe(3);
    expect(starter.started).toHaveLength(3);
  });

  it('answers 409 when the name runs with another input (the stored token secret was replaced)', async () => {
    const first = await call('POST', '/tenants', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    secretsMock.on(CreateSecretCommand).resolves({ ARN: `${STORED_ARN}2` });
    const second = await call('POST', '/tenants', {
      body: { spec: specInput({}, { tokenSecretArn: undefined }), authentikToken: TOKEN },
    });
    expect(second.status).toBe(409);
    expect((second.body.runningExecution as ExecutionView).name).toBe(first.body.executionName);
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

    starter.running = {
      kind: 'deprovision',
      executionArn: started.body.executionArn as string,
      name: started.body.executionName as string,
      startDate: started.body.startDate as string,
    };
    expect((await call('DELETE', '/tenants/acme')).body.reused).toBe(true);
    starter.running = { ...starter.running, kind: 'provision', name: 'acme_provision_abc_1' };
    expect((await call('DELETE', '/tenants/acme')).status).toBe(409);
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
      httpMethod: 'post',
      path: '/tenants',
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
