// The exit codes of every command and outcome, and the form of its errors. Remote commands run
// against a fake tenant API on loopback; local commands are given only specs that fail before a
// world would start (the local world's outcomes are in test/workflow/cli-plan.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'federation-cli-'));
function specFile(name: string, spec: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof spec === 'string' ? spec : JSON.stringify(spec));
  return path;
}

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/acme/authentik-token';
const good = {
  tenantId: 'acme',
  authentik: { baseUrl: 'https://auth.acme.example', tokenSecretArn: ARN },
  cognito: { callbackUrls: ['https://app.acme.example/cb'] },
};

const run = runCli;

describe('usage', () => {
  it('--help lists the commands and the exit codes, and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const text of ['plan <spec.json>', 'Exit codes', '  3 ', 'verify --all']) {
      expect(result.stdout).toContain(text);
    }
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['list', '--bogus']],
    [['provision']],
    [['plan']],
    [['plan', 'a.json', 'b.json']],
    [['status']],
    [['deprovision']],
    [['verify']],
    [['verify', 'acme', '--all']],
    [['verify', 'acme', '--repair']],
    [['list', 'extra']],
    [['adopt', 'acme', 'group']],
    [['status', 'acme', '--all']],
    [['test-user']],
    [['test-user', 'acme', 'other']],
  ])('%j is a usage error: exit 2', async (argv) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toBe('');
  });

  it('a spec file that cannot be read, is not JSON or names no tenant is a usage error', async () => {
    for (const path of [
      join(dir, 'missing.json'),
      specFile('not-json.json', '{"tenantId": "acme", oops}'),
      specFile('no-tenant.json', { authentik: {} }),
    ]) {
      for (const command of ['provision', 'plan']) {
        const result = await run([command, path]);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(path);
      }
    }
  });

  it('test-user against an API is a usage error: the password is printed in the local world only', async () => {
    const result = await run(['test-user', 'acme'], { FEDERATION_API: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('local world only');
  });

  it('adopt against an API without the registry table is a usage error', async () => {
    const result = await run(['adopt', 'acme', 'group', 'pk'], { FEDERATION_API: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FEDERATION_REGISTRY_TABLE');
  });
});

describe('a bad spec in local mode', () => {
  const bad = specFile('bad.json', {
    ...good,
    authentik: { ...good.authentik, baseUrl: 'http://admin:pw@10.0.0.1' },
    cognito: { callbackUrls: ['ftp://app.acme.example/cb'] },
  });

  it('fails with one paragraph naming each bad field and what to do: exit 1', async () => {
    const result = await run(['provision', bad]);
    expect(result.code).toBe(1);
    const paragraph = result.stderr.trim();
    expect(paragraph.split('\n')).toHaveLength(1);
    expect(paragraph).toMatch(/^federation provision failed: Invalid tenant spec\. 2 fields are wrong\./);
    expect(paragraph).toContain('authentik.baseUrl: must not carry credentials');
    expect(paragraph).toContain('cognito.callbackUrls.0: must use https');
    expect(paragraph).toContain('Correct these fields and run the command again.');
    expect(paragraph).not.toMatch(/[{}]|errorType|errorMessage/);
    // Messages name fields and rules, never what was written.
    expect(paragraph).not.toContain('admin:pw');
    expect(result.stdout).toBe('');
  });

  it('keeps the machine form with --json', async () => {
    const result = await run(['plan', bad, '--json']);
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(document).toMatchObject({ errorName: 'ValidationError', exitCode: 1 });
    expect(Object.keys(document.fields as object).sort()).toEqual([
      'authentik.baseUrl',
      'cognito.callbackUrls.0',
    ]);
  });
});

/** A tenant API on loopback answering what each test sets. */
const answers = new Map<string, { status: number; body: unknown }>();
let server: Server;
let api: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const answer = answers.get(`${request.method} ${request.url}`) ?? {
      status: 404,
      body: { error: 'no such tenant' },
    };
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => answers.clear());

const startDate = '2026-01-01T00:00:00.000Z';
const accepted = {
  tenantId: 'acme',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:verify:acme_verify_1',
  executionName: 'acme_verify_1',
  startDate,
  statusUrl: '/tenants/acme',
  reused: false,
};
const view = (extra: Record<string, unknown> = {}) => ({
  tenantId: 'acme',
  status: 'active',
  steps: {},
  resources: {},
  ...extra,
});
const plan = (action: 'create' | 'update' | 'leave' | 'unknown', problems: unknown[] = []) => ({
  tenantId: 'acme',
  registered: true,
  pending: action === 'create' || action === 'update',
  blocked: action === 'unknown' || problems.length > 0,
  problems,
  steps: [
    {
      step: 'ensure-group',
      action,
      changes: action === 'update' ? [{ field: 'name', current: 'old-group', desired: 'new-group' }] : [],
    },
  ],
  writes: 0,
});

describe('against a tenant API', () => {
  it('status: 0 when the API answers, 1 when it refuses, with its fields named', async () => {
    answers.set('GET /tenants/acme', { status: 200, body: view() });
    expect((await run(['status', 'acme'], { FEDERATION_API: api })).code).toBe(0);
    const missing = await run(['status', 'other'], { FEDERATION_API: api });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('federation list');
  });

  it('provision: a refused spec exits 1 naming each field', async () => {
    answers.set('PUT /tenants/acme', {
      status: 400,
      body: {
        error: 'invalid request',
        fields: { 'spec.authentik.baseUrl': ['host x is not on the allow-list'] },
      },
    });
    const result = await run(['provision', specFile('good.json', good)], { FEDERATION_API: api });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'federation provision failed: 400 invalid request. One field is wrong. spec.authentik.baseUrl: ' +
        'host x is not on the allow-list. Correct these fields and run the command again.',
    );
  });

  it.each([
    ['verified', 0],
    ['drifted', 3],
    ['broken', 3],
  ])('verify: a federation %s exits %i', async (state, code) => {
    answers.set('POST /tenants/acme/verify', { status: 202, body: accepted });
    answers.set('GET /tenants/acme', {
      status: 200,
      body: view({ lastVerification: { at: '2026-01-01T00:00:05.000Z', outcome: 'in-sync', state } }),
    });
    expect((await run(['verify', 'acme'], { FEDERATION_API: api })).code).toBe(code);
  });

  it('verify: a verification that recorded nothing fails the command (1)', async () => {
    answers.set('POST /tenants/acme/verify', { status: 202, body: accepted });
    answers.set('GET /tenants/acme', { status: 200, body: view() });
    expect((await run(['verify', 'acme'], { FEDERATION_API: api })).code).toBe(1);
  });

  it('verify --all runs locally only: a usage error against an API', async () => {
    expect((await run(['verify', '--all'], { FEDERATION_API: api })).code).toBe(2);
  });

  it.each([
    ['leave', 0],
    ['update', 3],
    ['create', 3],
    ['unknown', 1],
  ] as const)('plan: a step to %s exits %i', async (action, code) => {
    answers.set('POST /tenants/acme/plan', { status: 200, body: plan(action) });
    const result = await run(['plan', specFile('plan.json', good)], { FEDERATION_API: api });
    expect(result.code).toBe(code);
    if (action === 'update') expect(result.stdout).toContain('name: old-group → new-group');
  });

  it('plan: provisioning that would fail at the preflight exits 1, naming the field', async () => {
    const problem = {
      field: 'authentik.group',
      message: 'belongs to another tenant',
      errorName: 'ConflictError',
    };
    answers.set('POST /tenants/acme/plan', { status: 200, body: plan('create', [problem]) });
    const result = await run(['plan', specFile('plan.json', good)], { FEDERATION_API: api });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('authentik.group: belongs to another tenant.');
  });

  it('deprovision and list: 0 on success, 1 when the API fails', async () => {
    answers.set('GET /tenants', { status: 200, body: { items: [] } });
    expect((await run(['list'], { FEDERATION_API: api })).code).toBe(0);
    answers.set('DELETE /tenants/acme', { status: 409, body: { error: 'an execution runs' } });
    const result = await run(['deprovision', 'acme'], { FEDERATION_API: api });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Another execution holds the tenant');
  });
});
