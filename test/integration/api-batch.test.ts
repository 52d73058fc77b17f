// POST /tenants over HTTP, served by the local API server against the local world: each tenant of the
// batch goes the way of PUT /tenants/{tenantId} (validated, its token stored, its provision execution
// started), a bad item is answered with its fields named within the batch while the others still go,
// a batch longer than what provisions side by side within Cognito's quotas is refused, every answer
// conforms to openapi.yaml, and the token handed over appears in no answer.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../bin/batch.ts';
import { BATCH_LIMIT } from '../../functions/api/batch.ts';
import { openApiResponseChecker, readOpenApi } from '../../local/api-openapi.ts';
import { type LocalApi, startLocalApi } from '../../local/api-server.ts';
import { localHandlers } from '../../local/handlers.ts';
import { runCli } from '../support/cli.ts';
import { apiTenantSpecs } from '../support/tenants.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const checkResponse = openApiResponseChecker();
let api: LocalApi;
let token: string;

beforeAll(async () => {
  token = fixture.world.endpoints.authentikToken;
  api = await startLocalApi({
    clients: fixture.clients,
    handlers: await localHandlers(fixture.clients),
    region: fixture.world.endpoints.region,
    retryIntervalMs: 10,
  });
});

afterAll(async () => {
  await api?.close();
});

async function post(body: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${api.url}/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(checkResponse('POST', '/tenants', response.status, parsed)).toEqual([]);
  return { status: response.status, body: parsed, text };
}

const specFor = apiTenantSpecs(fixture);

describe('POST /tenants (a batch)', () => {
  it('starts each valid tenant’s provisioning, names each bad item’s fields, and the others still go', async () => {
    const answer = await post({
      tenants: [
        { spec: specFor('api-batch-a'), authentikToken: token },
        {
          spec: specFor('api-batch-bad', { callbackUrls: ['http://insecure.example/cb'] }),
          authentikToken: token,
        },
        { spec: { ...specFor('api-batch-a') }, authentikToken: token },
        { spec: specFor('api-batch-b'), authentikToken: token },
      ],
    });
    expect(answer.status).toBe(207);
    const results = answer.body.results as Record<string, unknown>[];
    expect(results.map((r) => [r.index, r.status, r.tenantId])).toEqual([
      [0, 202, 'api-batch-a'],
      [1, 400, 'api-batch-bad'],
      [2, 400, 'api-batch-a'],
      [3, 202, 'api-batch-b'],
    ]);
    expect(Object.keys(results[1]?.fields as object)).toEqual(['tenants[1].spec.cognito.callbackUrls.0']);
    expect(results[2]?.fields).toEqual({
      'tenants[2].spec.tenantId': ['names a tenant already in this batch'],
    });
    expect(answer.text).not.toContain(token);

    await api.executions.idle();
    for (const tenantId of ['api-batch-a', 'api-batch-b']) {
      expect((await fixture.clients.registry.get(tenantId))?.status).toBe('active');
    }
    expect(await fixture.clients.registry.get('api-batch-bad')).toBeUndefined();

    // The same batch again: the running or finished executions answer it, nothing new starts.
    const again = await post({ tenants: [{ spec: specFor('api-batch-a'), authentikToken: token }] });
    expect(again.body.results).toEqual([expect.objectContaining({ index: 0, status: 202, reused: true })]);
  }, 300_000);

  it(`refuses a batch of more than ${BATCH_LIMIT} (what provisions side by side within the quotas), or an item without a tenant`, async () => {
    const many = Array.from({ length: BATCH_LIMIT + 1 }, (_, i) => ({
      spec: specFor(`api-batch-many-${i}`),
    }));
    const refused = await post({ tenants: many });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body.fields as object)).toEqual(['tenants']);
    expect(await fixture.clients.registry.get('api-batch-many-0')).toBeUndefined();

    const { tenantId: _none, ...nameless } = specFor('api-batch-nameless');
    const answer = await post({ tenants: [{ spec: nameless, authentikToken: token }] });
    expect(answer.body.results).toEqual([
      expect.objectContaining({
        index: 0,
        status: 400,
        fields: { 'tenants[0].spec.tenantId': [expect.any(String)] },
      }),
    ]);
  });

  it('federation provision <file.ndjson> through the API: each tenant provisioned, a spec the API refuses named by its fields', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'api-batch-')), 'tenants.ndjson');
    const lines = [
      specFor('api-batch-cli-a'),
      specFor('api-batch-cli-bad', { callbackUrls: ['http://insecure.example/cb'] }),
      specFor('api-batch-cli-b'),
    ];
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
    const run = await runCli(['provision', file], { FEDERATION_API: api.url, AUTHENTIK_TOKEN: token });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as BatchResult;
    expect(result).toMatchObject({ provisioned: 2, failed: 0, invalid: 1 });
    const bad = result.tenants.find((t) => t.tenantId === 'api-batch-cli-bad');
    expect(bad).toMatchObject({ source: 'tenants.ndjson:2', outcome: 'invalid' });
    expect(bad?.reason).toContain('spec.cognito.callbackUrls');
    for (const tenantId of ['api-batch-cli-a', 'api-batch-cli-b']) {
      expect((await fixture.clients.registry.get(tenantId))?.status).toBe('active');
    }
    expect(await fixture.clients.registry.get('api-batch-cli-bad')).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).not.toContain(token);
  }, 300_000);

  it('says in openapi.yaml the batch limit the API holds to', () => {
    const schema = readOpenApi().components.schemas.CreateTenantsRequest as {
      properties: { tenants: { maxItems: number } };
    };
    expect(schema.properties.tenants.maxItems).toBe(BATCH_LIMIT);
  });
});
