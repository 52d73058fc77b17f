// `federation plan` in a local world: it names every change provisioning would make, field by field,
// makes zero writes anywhere (Cognito through the strict layer's request log, Authentik's store,
// Secrets Manager, the registry), and never shows a secret. With it, the local exit codes of
// provision, plan, verify and verify --all.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { TenantPlan } from '../../functions/lib/plan/types.ts';
import { readSecretJson } from '../../functions/lib/secrets.ts';
import { runCli } from '../support/cli.ts';
import { authentikSnapshot, cognitoSnapshot } from '../support/snapshots.ts';
import { configWrites, useWorld } from '../support/world.ts';

const fixture = useWorld();
const dir = mkdtempSync(join(tmpdir(), 'federation-plan-'));
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = { FEDERATION_WORLD: JSON.stringify(fixture.world.endpoints) };
});

const TENANT = 'cli-plan';
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/${TENANT}/authentik-token`;
// A spec as written for a deployment: local mode validates it so, then runs it on the emulator.
const spec = {
  tenantId: TENANT,
  authentik: { baseUrl: 'https://auth.cli-plan.example', tokenSecretArn: ARN },
  cognito: { domainPrefix: 'cli-plan-login', callbackUrls: ['https://app.cli-plan.example/cb'] },
};
const changed = {
  ...spec,
  authentik: {
    ...spec.authentik,
    applicationName: 'Plan portal',
    testUser: { email: 'qa@cli-plan.example' },
  },
  access: { template: 'everyone' },
  cognito: {
    ...spec.cognito,
    callbackUrls: ['https://app.cli-plan.example/cb', 'https://admin.cli-plan.example/cb'],
  },
};
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

/** Everything a write could change, in a form two moments compare by. */
async function worldState() {
  const secrets = await fixture.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  return {
    configWrites: configWrites(fixture.world),
    authentik: authentikSnapshot(fixture.world),
    cognito: await cognitoSnapshot(fixture.observer),
    secrets: (secrets.SecretList ?? []).map((s) => `${s.Name} ${s.LastChangedDate?.toISOString()}`).sort(),
    registry: await fixture.clients.registry.get(TENANT),
  };
}

async function planOf(path: string) {
  const before = await worldState();
  const result = await runCli(['plan', path, '--json'], env);
  expect(await worldState()).toEqual(before);
  return { code: result.code, plan: JSON.parse(result.stdout) as TenantPlan, stderr: result.stderr };
}

const actions = (plan: TenantPlan) => Object.fromEntries(plan.steps.map((s) => [s.step, s.action]));

describe('federation plan', () => {
  it('a new tenant: every step would create, nothing is written, exit 3', async () => {
    const { code, plan } = await planOf(file('spec.json', spec));
    expect(code).toBe(3);
    expect(plan).toMatchObject({
      tenantId: TENANT,
      registered: false,
      pending: true,
      blocked: false,
      writes: 0,
    });
    expect(new Set(Object.values(actions(plan)))).toEqual(new Set(['create']));
    expect(plan.steps.find((s) => s.step === 'ensure-group')?.changes).toEqual([
      { field: 'group', current: null, desired: `cognito-users-${TENANT}` },
    ]);
  });

  it('provisions the same spec (exit 0), saying it substitutes the emulator; then nothing to change (exit 0)', async () => {
    const provisioned = await runCli(['provision', file('spec.json', spec)], env);
    expect(provisioned.stderr).not.toContain('failed');
    expect(provisioned.code).toBe(0);
    expect(provisioned.stderr).toContain(
      `authentik.baseUrl https://auth.cli-plan.example → the local emulator at ${fixture.world.endpoints.authentik}`,
    );
    const { code, plan } = await planOf(file('spec.json', spec));
    expect(code).toBe(0);
    expect(plan).toMatchObject({ registered: true, pending: false, blocked: false });
    expect(new Set(Object.values(actions(plan)))).toEqual(new Set(['leave']));
    const text = await runCli(['plan', file('spec.json', spec)], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Nothing to change');
  });

  it('a changed spec: names each change, current → desired, writing nothing (exit 3)', async () => {
    const { code, plan } = await planOf(file('changed.json', changed));
    expect(code).toBe(3);
    expect(actions(plan)).toMatchObject({
      'ensure-group': 'leave',
      'ensure-test-user': 'update',
      'ensure-user-pool': 'update',
      'ensure-application': 'update',
      'ensure-access-policy': 'update',
      'enable-identity-provider': 'leave',
    });
    const changes = Object.fromEntries(
      plan.steps.flatMap((s) => s.changes.map((c) => [`${s.step} ${c.field}`, c])),
    );
    expect(changes['ensure-test-user email']).toEqual({
      field: 'email',
      current: `cognito-test-${TENANT}@example.com`,
      desired: 'qa@cli-plan.example',
    });
    expect(changes['ensure-application name']).toMatchObject({ desired: 'Plan portal' });
    expect(changes['ensure-user-pool CallbackURLs']).toEqual({
      field: 'CallbackURLs',
      current: ['https://app.cli-plan.example/cb'],
      desired: ['https://app.cli-plan.example/cb', 'https://admin.cli-plan.example/cb'],
    });
    expect(changes['ensure-access-policy expression']).toMatchObject({ desired: 'return True' });

    const text = await runCli(['plan', file('changed.json', changed)], env);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`      email: cognito-test-${TENANT}@example.com → qa@cli-plan.example`);
    expect(text.stdout).toMatch(/ensure-application +update\n {6}name: .+ → Plan portal/);
    expect(text.stdout).toContain('0 to create, 4 to update, 4 to leave.');
  });

  it('shows a secret that differs as (secret), never its value; verify then exits 3, verify --all too', async () => {
    const provider = [...fixture.world.authentik.store.providers.values()].find(
      (p) => p.name === `Cognito ${TENANT} (OIDC)`,
    );
    if (!provider) throw new Error('the provider was not provisioned');
    const stored = await readSecretJson(
      fixture.clients.secretsFor(TENANT),
      `federation/${TENANT}/oidc-client`,
      z.object({ client_secret: z.string() }),
    );
    // Someone rotates the client secret in Authentik behind the product's back.
    provider.client_secret = 'rotated-by-hand-0123456789';

    const { code, plan, stderr } = await planOf(file('spec.json', spec));
    expect(code, stderr).toBe(3);
    const change = plan.steps.find((s) => s.step === 'ensure-oidc-provider')?.changes;
    expect(change).toContainEqual({ field: 'client_secret', current: '(secret)', desired: '(secret)' });
    const text = await runCli(['plan', file('spec.json', spec)], env);
    for (const output of [JSON.stringify(plan), stderr, text.stdout, text.stderr]) {
      expect(output).not.toContain('rotated-by-hand');
      expect(output).not.toContain(stored.client_secret);
      expect(output).not.toContain(fixture.world.endpoints.authentikToken);
      expect(output).not.toContain(':secret:federation/');
    }

    expect((await runCli(['verify', TENANT], env)).code).toBe(3);
    expect((await runCli(['verify', '--all'], env)).code).toBe(3);
  });

  it('provisioning again repairs it: verify exits 0, and so does plan', async () => {
    expect((await runCli(['provision', file('spec.json', spec)], env)).code).toBe(0);
    expect((await runCli(['verify', TENANT], env)).code).toBe(0);
    expect((await planOf(file('spec.json', spec))).code).toBe(0);
  });

  it('a tenant that is not registered: status and verify exit 1', async () => {
    expect((await runCli(['status', 'nobody-here'], env)).code).toBe(1);
    expect((await runCli(['verify', 'nobody-here'], env)).code).toBe(1);
  });
});
