// `federation provision <file.ndjson>` in a local world, under the strict layer's real Cognito
// quotas: the valid specs are provisioned (PROVISIONINGS_AT_ONCE at a time), a Cognito request
// throttled in a burst is sent again until it goes through, each tenant's outcome is printed as it ends with how far the batch is, a spec that
// is not valid is named by its line and field and provisions nothing while the others still go, and
// a tenant whose provisioning fails is recorded in the registry with the failed step and its error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONINGS_AT_ONCE } from '#lib/provision-pace.ts';
import type { BatchResult } from '../../bin/batch.ts';
import { runCli } from '../support/cli.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const dir = mkdtempSync(join(tmpdir(), 'federation-batch-'));
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = { FEDERATION_WORLD: JSON.stringify(fixture.world.endpoints) };
});

/** A spec as written for a deployment; local mode validates it so, then runs it on the emulator. */
const spec = (tenantId: string, cognito: Record<string, unknown> = {}) => ({
  tenantId,
  authentik: {
    baseUrl: `https://auth.${tenantId}.example`,
    tokenSecretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/${tenantId}/authentik-token`,
  },
  cognito: { callbackUrls: [`https://app.${tenantId}.example/cb`], ...cognito },
});

const GOOD = ['wf-batch-a', 'wf-batch-b', 'wf-batch-c', 'wf-batch-d', 'wf-batch-e'];
// Names a pool that does not exist: the preflight fails it, after the tenant is registered.
const FAILING = 'wf-batch-nopool';

describe('federation provision <file.ndjson>', () => {
  it('provisions every valid spec at the quotas’ pace, names each bad line and field, and records each failure', async () => {
    const lines = [
      JSON.stringify(spec(GOOD[0] as string)),
      JSON.stringify(spec(GOOD[1] as string)),
      JSON.stringify(spec('wf-batch-http', { callbackUrls: ['http://app.example/cb'] })),
      '',
      JSON.stringify(spec(GOOD[2] as string)),
      '{"tenantId": "wf-batch-broken",',
      JSON.stringify(
        spec(FAILING, { userPoolId: 'us-east-1_Nowhere00', appClientId: 'abcdefghij0123456789abcdef' }),
      ),
      JSON.stringify(spec(GOOD[3] as string)),
      JSON.stringify(spec(GOOD[0] as string)),
      JSON.stringify(spec(GOOD[4] as string)),
    ];
    const file = join(dir, 'tenants.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const mark = fixture.world.cognito.requests.length;
    const run = await runCli(['provision', file], env);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as BatchResult;
    expect(result).toMatchObject({ provisioned: GOOD.length, failed: 1, invalid: 3 });

    // Bad specs: their line and the field, nothing of theirs registered.
    expect(run.stderr).toContain('tenants.ndjson:3: not provisioned: cognito.callbackUrls');
    expect(run.stderr).toContain('tenants.ndjson:6: not provisioned: not JSON');
    expect(run.stderr).toContain(
      `tenants.ndjson:9: not provisioned: tenantId: ${GOOD[0]} is already in tenants.ndjson:1`,
    );
    expect(await fixture.clients.registry.get('wf-batch-http')).toBeUndefined();
    expect(await fixture.clients.registry.get('wf-batch-broken')).toBeUndefined();

    // Progress: each tenant's outcome as it ends, counted against the whole batch.
    const progress = run.stderr.split('\n').filter((line) => /^\s+\[\d+\/9\] /.test(line));
    expect(progress).toHaveLength(GOOD.length + 1);
    expect(run.stderr).toContain(
      `Provisioning ${GOOD.length + 1} tenants, ${PROVISIONINGS_AT_ONCE} at a time`,
    );
    for (const tenantId of GOOD) {
      expect(progress.some((line) => line.includes(`] ${tenantId} provisioned (`))).toBe(true);
      expect((await fixture.clients.registry.get(tenantId))?.status).toBe('active');
    }

    // The failed tenant: its outcome says why, and the registry holds the error.
    const failed = result.tenants.find((t) => t.tenantId === FAILING);
    expect(failed).toMatchObject({ outcome: 'failed', source: 'tenants.ndjson:7' });
    const record = await fixture.clients.registry.get(FAILING);
    expect(record?.status).toBe('failed');
    expect(record?.lastError).toMatchObject({ step: expect.any(String), errorName: expect.any(String) });
    expect(failed?.reason).toContain(record?.lastError?.errorName as string);

    // The pace: one provisioning reads its own pool in bursts (a step reads what it converges), which
    // Cognito's 5 a second per pool and operation can throttle when the world answers fast; each
    // such request is sent again until it goes through, so no tenant pays for it.
    const calls = fixture.world.cognito.requests.slice(mark);
    for (const [i, call] of calls.entries()) {
      if (call.error !== 'TooManyRequestsException') continue;
      const through = calls
        .slice(i + 1)
        .find(
          (later) =>
            later.operation === call.operation &&
            later.userPoolId === call.userPoolId &&
            later.error === undefined,
        );
      expect(through, `${call.operation} ${call.userPoolId ?? ''} never went through`).toBeDefined();
    }
  }, 600_000);
});
