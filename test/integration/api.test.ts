// The tenant API over HTTP, served by the local API server against the local world: the same requests a
// caller makes to API Gateway. Every answer is checked against openapi.yaml, and the Authentik token
// handed to the API is searched for in every answer, execution input and event, registry item and log
// line written meanwhile.

import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#lib/logger.ts';
import { openApiResponseChecker } from '../../local/api-openapi.ts';
import { type LocalApi, startLocalApi } from '../../local/api-server.ts';
import { localHandlers } from '../../local/handlers.ts';
import type { HandlersByPlaceholder, LambdaHandler } from '../../local/runner.ts';
import { localCredentials } from '../../local/world.ts';
import { LOCAL_REGISTRY_TABLE } from '../../local/world-clients.ts';
import { apiTenantSpecs } from '../support/tenants.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const checkResponse = openApiResponseChecker();
let api: LocalApi;
let token: string;

/** Holds every execution at its "Ensure group" state while closed: an execution that runs as long as a test needs. */
const gate = (() => {
  let closed = false;
  let waiting: (() => void)[] = [];
  return {
    close() {
      closed = true;
    },
    open() {
      closed = false;
      for (const release of waiting) release();
      waiting = [];
    },
    pass(): Promise<void> {
      return closed ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve();
    },
  };
})();

// Everything written to stdout and stderr while the tests run (the API's and the steps' log lines),
// kept here instead of printed.
const written: string[] = [];
const originalWrites = {
  out: process.stdout.write.bind(process.stdout),
  err: process.stderr.write.bind(process.stderr),
};
const answers: string[] = [];

beforeAll(async () => {
  token = fixture.world.endpoints.authentikToken;
  // Every log line is searched for the token, so every level is written.
  const handlers: HandlersByPlaceholder = await localHandlers(fixture.clients, { logLevel: 'DEBUG' });
  const ensureGroup = handlers.EnsureGroupFunctionArn as LambdaHandler;
  handlers.EnsureGroupFunctionArn = async (event) => {
    await gate.pass();
    return ensureGroup(event);
  };
  api = await startLocalApi({
    clients: fixture.clients,
    handlers,
    region: fixture.world.endpoints.region,
    retryIntervalMs: 10,
    logger: createLogger('api', { logLevel: 'DEBUG' }),
  });
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    written.push(String(chunk));
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});

afterAll(async () => {
  process.stdout.write = originalWrites.out;
  process.stderr.write = originalWrites.err;
  gate.open();
  await api?.executions.idle();
  await api?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function http(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const raw = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: options.headers ?? (raw === undefined ? {} : { 'content-type': 'application/json' }),
    ...(raw === undefined ? {} : { body: raw }),
  });
  const text = await response.text();
  answers.push(text);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(checkResponse(method, path, response.status, body)).toEqual([]);
  return { status: response.status, body, headers: response.headers };
}

const specFor = apiTenantSpecs(fixture);

const provision = (tenantId: string, cognito: Record<string, unknown> = {}) =>
  http('PUT', `/tenants/${tenantId}`, { body: { spec: specFor(tenantId, cognito), authentikToken: token } });

async function settled(tenantId: string): Promise<Record<string, unknown>> {
  await api.executions.idle();
  return (await http('GET', `/tenants/${tenantId}`)).body;
}

describe('PUT /tenants/{tenantId} with the Authentik token in the body', () => {
  it('stores the token, provisions the tenant, and shows every step, its resources and the login URL', async () => {
    const accepted = await provision('api-main');
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      tenantId: 'api-main',
      statusUrl: '/tenants/api-main',
      reused: false,
    });
    expect(accepted.headers.get('location')).toBe('/tenants/api-main');

    const tenant = await settled('api-main');
    expect(tenant.status).toBe('active');
    expect(Object.keys(tenant.steps as object)).toEqual(
      expect.arrayContaining([
        'validate-tenant',
        'ensure-group',
        'ensure-identity-provider',
        'verify-federation',
      ]),
    );
    expect(tenant.lastExecution).toMatchObject({
      kind: 'provision',
      executionArn: accepted.body.executionArn,
    });
    const resources = tenant.resources as Record<string, string>;
    expect(resources.userPoolId).toMatch(/^us-east-1_/);
    const loginUrl = new URL(tenant.loginUrl as string);
    expect(loginUrl.pathname).toBe('/oauth2/authorize');
    expect(loginUrl.searchParams.get('client_id')).toBe(resources.appClientId);

    // The views name no secret; the registry knows which one the spec reads.
    expect((tenant.spec as { authentik: Record<string, unknown> }).authentik).not.toHaveProperty(
      'tokenSecretArn',
    );
    const arn = (await fixture.clients.registry.get('api-main'))?.spec.authentik.tokenSecretArn ?? '';
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:federation\/api-main\/authentik-token-/,
    );
    const stored = await fixture.clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(JSON.parse(stored.SecretString ?? '{}')).toEqual({ token });
  });

  it('never lets the token into an execution input or event, the registry, an answer or a log line', async () => {
    await api.executions.idle();
    const executions = api.executions.all;
    expect(executions.length).toBeGreaterThan(0);
    for (const execution of executions) {
      expect(execution.events.length).toBeGreaterThan(0);
      expect(JSON.stringify(execution.input)).not.toContain(token);
      for (const event of execution.events) expect(JSON.stringify(event)).not.toContain(token);
    }
    const dynamodb = new DynamoDBClient({
      region: fixture.world.endpoints.region,
      endpoint: fixture.world.endpoints.dynamodb,
      credentials: localCredentials,
    });
    const scan = await dynamodb.send(new ScanCommand({ TableName: LOCAL_REGISTRY_TABLE }));
    dynamodb.destroy();
    expect(scan.Items?.length).toBeGreaterThan(0);
    expect(JSON.stringify(scan.Items)).not.toContain(token);
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) expect(answer).not.toContain(token);
    expect(written.join('')).toContain('"operation":"createTenant"');
    expect(written.join('')).not.toContain(token);
  });
});

describe('one execution per request', () => {
  it('answers the same request, sent again or at once, with the one execution; a different one with 409', async () => {
    gate.close();
    const before = api.executions.all.length;
    const first = await provision('api-idem');
    const [again, ...concurrent] = await Promise.all([
      provision('api-idem'),
      provision('api-idem'),
      provision('api-idem'),
    ]);
    for (const answer of [again, ...concurrent]) {
      expect(answer?.status).toBe(202);
      expect(answer?.body.executionArn).toBe(first.body.executionArn);
    }
    expect(again?.body.reused).toBe(true);
    expect(api.executions.all.length - before).toBe(1);

    // While it runs: anything else for the tenant waits its turn.
    const other = await provision('api-idem', { callbackUrls: ['https://api-idem.app.example/other'] });
    expect(other.status).toBe(409);
    expect(other.body.runningExecution).toMatchObject({
      kind: 'provision',
      executionArn: first.body.executionArn,
    });
    expect((await http('DELETE', '/tenants/api-idem')).status).toBe(409);
    expect((await http('POST', '/tenants/api-idem/verify')).status).toBe(409);
    const running = await http('GET', '/tenants/api-idem');
    expect(running.body.runningExecution).toMatchObject({ executionArn: first.body.executionArn });
    expect(api.executions.all.length - before).toBe(1);

    gate.open();
    expect((await settled('api-idem')).status).toBe('active');
    // Already done: the same request again starts nothing.
    const done = await provision('api-idem');
    expect(done.body).toMatchObject({ executionArn: first.body.executionArn, reused: true });
    expect(api.executions.all.length - before).toBe(1);
  });

  it('converges to a changed spec with a new execution', async () => {
    const changed = await provision('api-idem', { callbackUrls: ['https://api-idem.app.example/other'] });
    expect(changed.status).toBe(202);
    expect(changed.body.reused).toBe(false);
    const tenant = await settled('api-idem');
    expect(tenant.status).toBe('active');
    expect((tenant.spec as { cognito: { callbackUrls: string[] } }).cognito.callbackUrls).toEqual([
      'https://api-idem.app.example/other',
    ]);
  });
});

describe('verify and deprovision', () => {
  it('verifies a tenant and records the verification', async () => {
    const accepted = await http('POST', '/tenants/api-main/verify');
    expect(accepted.status).toBe(202);
    const tenant = await settled('api-main');
    expect(tenant.lastVerification).toMatchObject({ outcome: 'in-sync' });
  });

  it('deprovisions once, answers the same DELETE with that execution, and provisions again afterwards', async () => {
    const before = api.executions.all.length;
    gate.close();
    await provision('api-gone');
    gate.open();
    expect((await settled('api-gone')).status).toBe('active');

    const deleted = await http('DELETE', '/tenants/api-gone');
    expect(deleted.status).toBe(202);
    const tenant = await settled('api-gone');
    expect(tenant).toMatchObject({ status: 'deprovisioned', resources: {} });
    const again = await http('DELETE', '/tenants/api-gone');
    expect(again.body).toMatchObject({ executionArn: deleted.body.executionArn, reused: true });

    const back = await provision('api-gone');
    expect(back.body.reused).toBe(false);
    expect((await settled('api-gone')).status).toBe('active');
    expect(api.executions.all.length - before).toBe(3);
  });
});

describe('refusals', () => {
  it('names the bad spec fields and starts nothing', async () => {
    const before = api.executions.all.length;
    const bad = await http('PUT', '/tenants/api-bad', {
      body: {
        spec: {
          ...specFor('api-bad'),
          cognito: { callbackUrls: ['ftp://x'] },
          access: { template: 'python' },
        },
        authentikToken: token,
      },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields as object).sort()).toEqual([
      'spec.access.template',
      'spec.cognito.callbackUrls.0',
    ]);
    const noToken = await http('PUT', '/tenants/api-bad', { body: { spec: specFor('api-bad') } });
    expect(Object.keys(noToken.body.fields as object)).toEqual(['spec.authentik.tokenSecretArn']);
    const notJson = await http('PUT', '/tenants/api-bad', {
      raw: '{"spec":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.body.fields).toEqual({ body: ['is not valid JSON'] });
    const form = await http('PUT', '/tenants/api-bad', {
      raw: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(Object.keys(form.body.fields as object)).toEqual(['header.content-type']);
    const big = await http('PUT', '/tenants/api-bad', { raw: `{"spec":"${'x'.repeat(400_000)}"}` });
    const elsewhere = await http('PUT', '/tenants/api-bad', {
      body: { spec: specFor('api-other'), authentikToken: token },
    });
    expect(elsewhere.status).toBe(400);
    expect(Object.keys(elsewhere.body.fields as object)).toEqual(['spec.tenantId']);
    expect(big.status).toBe(413);
    expect(api.executions.all.length).toBe(before);
    expect(await fixture.clients.registry.get('api-bad')).toBeUndefined();
    expect(await fixture.clients.registry.lockOf('api-bad')).toBeUndefined();
  });

  it('answers 404 for unknown tenants and routes, 405 for wrong methods', async () => {
    for (const [method, path] of [
      ['GET', '/tenants/api-nobody'],
      ['DELETE', '/tenants/api-nobody'],
      ['POST', '/tenants/api-nobody/verify'],
      ['GET', '/tenant'],
      ['GET', '/tenants/api-nobody/steps'],
    ] as const) {
      expect((await http(method, path)).status, `${method} ${path}`).toBe(404);
    }
    const patch = await http('PATCH', '/tenants');
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, POST');
    // POST /tenants is the batch: one tenant's body, as PUT takes it, is not one and starts nothing.
    const post = await http('POST', '/tenants', { body: { spec: specFor('api-nobody') } });
    expect(post.status).toBe(400);
    expect(Object.keys(post.body.fields as object)).toEqual(['spec']);
    expect(await fixture.clients.registry.get('api-nobody')).toBeUndefined();
  });
});

describe('GET /tenants', () => {
  it('pages through every tenant with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await http('GET', `/tenants?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      const items = page.body.items as { tenantId: string }[];
      expect(items.length).toBeLessThanOrEqual(1);
      seen.push(...items.map((t) => t.tenantId));
      cursor = page.body.cursor as string | undefined;
    } while (cursor !== undefined);
    expect(seen.sort()).toEqual(expect.arrayContaining(['api-gone', 'api-idem', 'api-main']));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
