// POST /tenants/{tenantId}/plan over HTTP, served by the local API against the local world: the plan
// of a spec as the API answers it (checked against openapi.yaml), the same through `federation plan`
// with FEDERATION_API, and no write anywhere.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantPlan } from '../../functions/lib/plan/types.ts';
import { openApiResponseChecker } from '../../local/api-openapi.ts';
import { type LocalApi, startLocalApi } from '../../local/api-server.ts';
import { localHandlers } from '../../local/handlers.ts';
import { runCli } from '../support/cli.ts';
import { authentikSnapshot, cognitoSnapshot } from '../support/snapshots.ts';
import { configWrites, useWorld } from '../support/world.ts';

const fixture = useWorld();
const checkResponse = openApiResponseChecker();
let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({
    clients: fixture.clients,
    handlers: await localHandlers(fixture.clients),
    region: fixture.world.endpoints.region,
    retryIntervalMs: 10,
  });
});
afterAll(() => api?.close());

async function post(path: string, body: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as unknown;
  expect(checkResponse('POST', path, response.status, answer)).toEqual([]);
  return { status: response.status, body: answer };
}

describe('POST /tenants/{tenantId}/plan', () => {
  it('answers the plan of a new tenant (every step to create) and writes nothing', async () => {
    // The token is stored as an operator stores it before provisioning (the plan reads with it).
    const { tenantId: _id, ...spec } = await fixture.tenant('api-plan');
    const before = { writes: configWrites(fixture.world), authentik: authentikSnapshot(fixture.world) };
    const cognito = await cognitoSnapshot(fixture.observer);
    const { status, body } = await post('/tenants/api-plan/plan', { spec });
    expect(status).toBe(200);
    const plan = body as TenantPlan;
    expect(plan).toMatchObject({ tenantId: 'api-plan', registered: false, pending: true, writes: 0 });
    expect(plan.steps.map((s) => s.action)).toEqual(Array(8).fill('create'));
    expect({ writes: configWrites(fixture.world), authentik: authentikSnapshot(fixture.world) }).toEqual(
      before,
    );
    expect(await cognitoSnapshot(fixture.observer)).toEqual(cognito);
    expect(await fixture.clients.registry.get('api-plan')).toBeUndefined();
  });

  it('refuses a bad spec naming each field, and a token in the body', async () => {
    const spec = await fixture.tenant('api-plan');
    const bad = await post('/tenants/api-plan/plan', {
      spec: { ...spec, cognito: { callbackUrls: ['ftp://x.example/cb'] } },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys((bad.body as { fields: object }).fields)).toEqual(['spec.cognito.callbackUrls.0']);
    const token = await post('/tenants/api-plan/plan', { spec, authentikToken: 'x' });
    expect(token.status).toBe(400);
    expect(Object.keys((token.body as { fields: object }).fields)).toEqual(['authentikToken']);
  });

  it('answers 422 when no token is stored for the tenant', async () => {
    const spec = await fixture.tenant('api-plan');
    const { status, body } = await post('/tenants/api-no-token/plan', {
      spec: {
        ...spec,
        tenantId: 'api-no-token',
        authentik: { ...(spec.authentik as object), tokenSecretArn: undefined },
      },
    });
    expect(status).toBe(422);
    expect((body as { error: string }).error).toMatch(/^cannot plan: /);
  });

  it('is what `federation plan` shows against the API (exit 3: changes pending)', async () => {
    const spec = await fixture.tenant('api-plan');
    const dir = mkdtempSync(join(tmpdir(), 'federation-api-plan-'));
    const path = join(dir, 'spec.json');
    writeFileSync(path, JSON.stringify(spec));
    const result = await runCli(['plan', path], { FEDERATION_API: api.url });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('ensure-group               create');
    expect(result.stdout).toContain('8 to create, 0 to update, 0 to leave.');
  });
});
