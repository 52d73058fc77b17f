// One execution per tenant, against the local world: the tenant's lock in the registry is taken
// before an execution starts (by the API) or at its Record start (an execution started from the
// console), and released when the execution records its outcome. Concurrent different requests give
// one execution and 409s; an execution started beside the holder fails without touching the holder's
// record; a lock its holder left behind is taken over. No answer about a provisioned tenant names a
// secret.
import { ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView } from '../../functions/api/types.ts';
import { openApiResponseChecker } from '../../local/api-openapi.ts';
import { type LocalApi, startLocalApi } from '../../local/api-server.ts';
import { localHandlers } from '../../local/handlers.ts';
import {
  type EventLog,
  type HandlersByPlaceholder,
  type LambdaHandler,
  runStateMachine,
} from '../../local/runner.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const checkResponse = openApiResponseChecker();
let api: LocalApi;
let handlers: HandlersByPlaceholder;
let token: string;

/** Holds every execution at its "Ensure group" state while closed: one runs as long as a test needs. */
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

beforeAll(async () => {
  token = fixture.world.endpoints.authentikToken;
  handlers = await localHandlers(fixture.clients);
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
  });
});

afterAll(async () => {
  gate.open();
  await api?.executions.idle();
  await api?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

async function http(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(checkResponse(method, path, response.status, parsed)).toEqual([]);
  return { status: response.status, body: parsed, text };
}

function specFor(tenantId: string, callback = 'callback') {
  return {
    tenantId,
    authentik: { baseUrl: fixture.world.endpoints.authentik },
    cognito: {
      region: fixture.world.endpoints.region,
      callbackUrls: [`https://${tenantId}.app.example/${callback}`],
    },
  };
}

const provision = (tenantId: string, callback?: string) =>
  http('PUT', `/tenants/${tenantId}`, { spec: specFor(tenantId, callback), authentikToken: token });

const executionsOf = (tenantId: string) => api.executions.all.filter((e) => e.tenantId === tenantId);

async function settled(tenantId: string): Promise<Record<string, unknown>> {
  await api.executions.idle();
  return (await http('GET', `/tenants/${tenantId}`)).body;
}

async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function userPoolsNamed(name: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await fixture.observer.send(
      new ListUserPoolsCommand({ MaxResults: 60, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    count += (page.UserPools ?? []).filter((pool) => pool.Name === name).length;
    nextToken = page.NextToken;
  } while (nextToken);
  return count;
}

/** The states an execution entered, in order. */
function statesEntered(events: readonly EventLog[]): string[] {
  return events.flatMap((event) => {
    const state = (event as EventLog & { state?: { name: string } }).state;
    return event.type === 'StateEntered' && state ? [state.name] : [];
  });
}

describe('one execution per tenant', () => {
  it('gives one of ten concurrent different requests the tenant and 409 to the nine others', async () => {
    gate.close();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => provision('lock-race', `cb${i}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array<number>(9).fill(409)]);
    const winner = answers.find((a) => a.status === 202);
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body.runningExecution).toMatchObject({
        kind: 'provision',
        name: winner?.body.executionName,
        executionArn: winner?.body.executionArn,
      });
      expect(refused.body.error).toContain(String(winner?.body.executionName));
    }
    expect(executionsOf('lock-race')).toHaveLength(1);
    gate.open();
    expect((await settled('lock-race')).status).toBe('active');
    expect(executionsOf('lock-race')).toHaveLength(1);
    expect(await userPoolsNamed('federation-lock-race')).toBe(1);
    // Recorded its outcome: the lock is free again.
    expect(await fixture.clients.registry.lockOf('lock-race')).toBeUndefined();
  });

  it('answers the same request sent twice, or at once, with the same execution', async () => {
    gate.close();
    const [first, ...same] = await Promise.all([
      provision('lock-same'),
      provision('lock-same'),
      provision('lock-same'),
    ]);
    const again = await provision('lock-same');
    for (const answer of [first, ...same, again]) {
      expect(answer?.status).toBe(202);
      expect(answer?.body.executionArn).toBe(first?.body.executionArn);
    }
    expect(again.body.reused).toBe(true);
    expect(executionsOf('lock-same')).toHaveLength(1);
    gate.open();
    expect((await settled('lock-same')).status).toBe('active');
  });

  it('fails an execution started from the console while the API’s holds the tenant, leaving that one alone', async () => {
    gate.close();
    const accepted = await provision('lock-console');
    expect(accepted.status).toBe(202);
    // The API's execution has registered the tenant (Record start) and waits at Ensure group.
    await until('the API execution to register the tenant', async () => {
      const record = await fixture.clients.registry.get('lock-console');
      return record?.status === 'provisioning';
    });
    const before = await fixture.clients.registry.get('lock-console');

    const spec = await fixture.tenant('lock-console', {
      cognito: { callbackUrls: ['https://lock-console.app.example/console'] },
    });
    const operatorRun = await runStateMachine('provision-tenant', spec, {
      handlers,
      executionName: 'operator-console-1',
      retryIntervalMs: 10,
    });
    expect(operatorRun.status).toBe('FAILED');
    expect(operatorRun.error).toBe('ConflictError');
    expect(operatorRun.cause).toContain(String(accepted.body.executionName));
    // It failed in Record start, before any step, and did not go through Record failure.
    expect(statesEntered(operatorRun.events)).toEqual(['Validate input', 'Record start']);
    expect(await fixture.clients.registry.get('lock-console')).toEqual(before);
    expect(await fixture.clients.registry.lockOf('lock-console')).toMatchObject({
      execution: accepted.body.executionName,
    });

    gate.open();
    const tenant = await settled('lock-console');
    expect(tenant.status).toBe('active');
    expect(tenant.lastExecution).toMatchObject({ executionArn: accepted.body.executionArn });
    expect((tenant.spec as { cognito: { callbackUrls: string[] } }).cognito.callbackUrls).toEqual([
      'https://lock-console.app.example/callback',
    ]);
  });

  it('makes the API wait for an execution started from the console, which takes the lock itself', async () => {
    gate.close();
    const spec = await fixture.tenant('lock-operator');
    const run = runStateMachine('provision-tenant', spec, {
      handlers,
      executionName: 'operator-console-2',
      retryIntervalMs: 10,
    });
    await until('the console execution to take the lock', async () => {
      const lock = await fixture.clients.registry.lockOf('lock-operator');
      return lock?.execution === 'operator-console-2';
    });
    const refused = await provision('lock-operator');
    expect(refused.status).toBe(409);
    expect((refused.body.runningExecution as ExecutionView).name).toBe('operator-console-2');
    gate.open();
    expect((await run).status).toBe('SUCCEEDED');
    expect(await fixture.clients.registry.lockOf('lock-operator')).toBeUndefined();
    expect(executionsOf('lock-operator')).toHaveLength(0);
  });

  it('takes over a lock its holder left when it ended without recording its outcome', async () => {
    const first = await provision('lock-stale');
    expect((await settled('lock-stale')).status).toBe('active');
    // As if that execution had ended without its Record success releasing the lock.
    const left = await fixture.clients.registry.claimLock('lock-stale', {
      execution: String(first.body.executionArn),
      kind: 'provision',
      executionArn: String(first.body.executionArn),
    });
    expect(left).toMatchObject({ held: true, already: false });

    const changed = await provision('lock-stale', 'changed');
    expect(changed.status).toBe(202);
    expect(changed.body.executionName).not.toBe(first.body.executionName);
    const tenant = await settled('lock-stale');
    expect(tenant.status).toBe('active');
    expect(tenant.lastExecution).toMatchObject({ executionArn: changed.body.executionArn });
    expect(await fixture.clients.registry.lockOf('lock-stale')).toBeUndefined();
  });
});

describe('answers about a provisioned tenant', () => {
  it('never name a secret: no Secrets Manager ARN, no *SecretArn', async () => {
    const bodies: string[] = [];
    const keep = async (answer: Promise<Answer>) => {
      const got = await answer;
      bodies.push(got.text);
      return got;
    };
    await keep(provision('lock-views'));
    expect((await settled('lock-views')).status).toBe('active');
    const record = await fixture.clients.registry.get('lock-views');
    // The record does know the secrets: the views leave them out.
    expect(JSON.stringify(record)).toContain('SecretArn');

    await keep(http('GET', '/tenants/lock-views'));
    await keep(http('GET', '/tenants?limit=100'));
    expect((await keep(provision('lock-views'))).body.reused).toBe(true);
    gate.close();
    expect((await keep(provision('lock-views', 'changed'))).status).toBe(202);
    expect((await keep(provision('lock-views', 'other'))).status).toBe(409);
    await keep(http('GET', '/tenants/lock-views'));
    gate.open();
    await settled('lock-views');
    expect((await keep(http('POST', '/tenants/lock-views/verify'))).status).toBe(202);
    await api.executions.idle();
    await keep(http('GET', '/tenants/lock-views'));
    expect((await keep(http('DELETE', '/tenants/lock-views'))).status).toBe(202);
    await keep(http('GET', '/tenants/lock-views'));
    await api.executions.idle();
    await keep(http('GET', '/tenants/lock-views'));

    expect(bodies).toHaveLength(12);
    for (const body of bodies) {
      expect(body).not.toMatch(/secretsmanager/i);
      expect(body).not.toContain('SecretArn');
    }
  });
});
