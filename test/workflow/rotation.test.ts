// Rotation of a tenant's OIDC client secret and test-user password in the local world, the local
// session playing Secrets Manager's part (local/rotation.ts): the new value everywhere, the
// verification passing, the old value refused; a crash after each step (and between the Cognito and
// the Authentik write) converging on the retry; no secret in logs, answers, events or the registry.
// Tenants are provisioned by the real provision machine.
import { DescribeIdentityProviderCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getProvider } from '#lib/authentik/providers.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import { type FederationEvent, memoryEventSink } from '../../functions/report-verification/events.ts';
import { ROTATED_EVENT, ROTATION_FAILED_EVENT } from '../../functions/rotate-secret/core.ts';
import type { RotationStep } from '../../functions/rotate-secret/event.ts';
import { openApiResponseChecker } from '../../local/api-openapi.ts';
import { startLocalApi } from '../../local/api-server.ts';
import { localHandlers } from '../../local/handlers.ts';
import { localRotation, type RotationFunction } from '../../local/rotation.ts';
import { runStateMachine } from '../../local/runner.ts';
import { hostedUiBaseUrl } from '../../local/world.ts';
import { runCli } from '../support/cli.ts';
import { capturingOutput } from '../support/output.ts';
import { registeredTenants } from '../support/tenants.ts';
import { afterQuotaWindow } from '../support/verification-reads.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
// rot-crash sets its own schedule in its spec; rot-e2e has the deployment's.
const TENANTS = { 'rot-e2e': {}, 'rot-crash': { rotation: { automaticallyAfterDays: 30 } } } as const;

beforeAll(async () => {
  const handlers = await localHandlers(fixture.clients);
  for (const [id, overrides] of Object.entries(TENANTS)) {
    const input = await fixture.tenant(id, overrides);
    const result = await runStateMachine('provision-tenant', input, { handlers });
    if (result.status !== 'SUCCEEDED') throw new Error(`provisioning ${id} failed: ${result.cause}`);
  }
}, 180_000);
afterEach(() => {
  vi.restoreAllMocks();
});

const { record } = registeredTenants(fixture);

async function current(arn: string): Promise<Record<string, string>> {
  const read = await fixture.clients.secrets.send(
    new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }),
  );
  return JSON.parse(read.SecretString ?? '{}') as Record<string, string>;
}

/** The OIDC client secret as the secret, Authentik's provider and Cognito's identity provider hold it. */
async function clientSecrets(tenantId: string) {
  const { spec, resources } = await record(tenantId);
  const authentik = await fixture.clients.authentik(parseTenantSpec(spec, fixture.clients.deployment));
  const provider = await getProvider(authentik, resources.providerPk as number);
  const idp = await fixture.observer.send(
    new DescribeIdentityProviderCommand({
      UserPoolId: resources.userPoolId,
      ProviderName: resources.identityProviderName,
    }),
  );
  return {
    stored: (await current(resources.oidcClientSecretArn as string)).client_secret as string,
    authentik: provider?.client_secret,
    cognito: idp.IdentityProvider?.ProviderDetails?.client_secret,
    clientId: provider?.client_id as string,
    details: idp.IdentityProvider?.ProviderDetails ?? {},
  };
}

/** What Authentik's token endpoint says to these credentials (a made-up code: invalid_grant = accepted). */
async function tokenEndpoint(
  tenantId: string,
  clientId: string,
  clientSecret: string,
): Promise<string | undefined> {
  // The redirect URI is checked before the code (a mismatch is invalid_client too).
  const { resources } = await record(tenantId);
  const answer = await fetch(`${fixture.world.endpoints.authentik}/application/o/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-code',
      redirect_uri: resources.redirectUri as string,
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
  return ((await answer.json()) as { error?: string }).error;
}

// Cognito's per-pool quota counts a rotation's reads of the identity provider (setSecret's,
// testSecret's verification) and a verification's. Back to back, a crashed rotation, its retry and
// the verification after it pass it within one second, and a throttled read that the SDK's own
// retries did not get through failed the test. On AWS, Secrets Manager tries a failed rotation
// again later and the verification is the schedule's; here each waits out the window instead
// (afterQuotaWindow).

async function verified(tenantId: string) {
  await afterQuotaWindow();
  return verifyTenant(tenantId, {
    ...fixture.clients,
    hostedUiBaseUrl: hostedUiBaseUrl(fixture.world.endpoints),
  });
}

async function stagesOf(arn: string): Promise<Record<string, string[]>> {
  const described = await fixture.clients.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
  return described.VersionIdsToStages ?? {};
}

describe('turning rotation on', () => {
  it("schedules each secret as provisioning stores it: the deployment's 90 days, or the spec's", async () => {
    for (const [tenantId, days] of [
      ['rot-e2e', 90],
      ['rot-crash', 30],
    ] as const) {
      const { resources } = await record(tenantId);
      for (const arn of [resources.oidcClientSecretArn, resources.testUserPasswordSecretArn]) {
        const described = await fixture.clients.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
        expect(described.RotationEnabled, `${tenantId} ${arn}`).toBe(true);
        expect(described.RotationRules?.AutomaticallyAfterDays, `${tenantId} ${arn}`).toBe(days);
      }
    }
  });
});

describe('rotation', () => {
  it('puts a new client secret and password everywhere, verifies, refuses the old, and never shows a value', async () => {
    const before = await clientSecrets('rot-e2e');
    const { resources } = await record('rot-e2e');
    const oldPassword = (await current(resources.testUserPasswordSecretArn as string)).password as string;
    expect(before.authentik).toBe(before.stored);
    expect(before.cognito).toBe(before.stored);
    const sink = memoryEventSink();
    const rotation = localRotation(fixture.clients, {
      // Every line the function can write, so the search for values covers them all.
      logLevel: 'DEBUG',
      events: sink,
      hostedUiBaseUrl: hostedUiBaseUrl(fixture.world.endpoints),
    });

    const { result, output } = await capturingOutput(async () => ({
      client: await rotation.rotate('rot-e2e', 'oidc-client'),
      user: await rotation.rotate('rot-e2e', 'test-user'),
    }));
    expect(result.client.steps.map((s) => s.outcome)).toEqual(['created', 'set', 'tested', 'finished']);
    // Cognito first, then Authentik (kinds.ts says why).
    expect(result.client.steps[1]?.written).toEqual(['cognito', 'authentik']);
    expect(result.user.steps.map((s) => s.outcome)).toEqual(['created', 'set', 'tested', 'finished']);

    const after = await clientSecrets('rot-e2e');
    expect(after.stored).not.toBe(before.stored);
    expect(after.stored).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(after.authentik).toBe(after.stored);
    expect(after.cognito).toBe(after.stored);
    // Read, merge, write: the other details are as they were.
    for (const key of ['client_id', 'authorize_scopes', 'oidc_issuer', 'attributes_request_method']) {
      expect(after.details[key], key).toBe(before.details[key]);
    }
    const newPassword = (await current(resources.testUserPasswordSecretArn as string)).password as string;
    expect(newPassword).not.toBe(oldPassword);

    // The verification in depth (the test user's login with the new password, the hosted UI with
    // the new client secret) passes; the token endpoint takes the new secret and refuses the old.
    const verification = await verified('rot-e2e');
    expect(verification.failing).toEqual([]);
    expect(verification.state).toBe('verified');
    expect(await tokenEndpoint('rot-e2e', after.clientId, after.stored)).toBe('invalid_grant');
    expect(await tokenEndpoint('rot-e2e', before.clientId, before.stored)).toBe('invalid_client');

    // The labels: the new version current, nothing left pending.
    const stages = await stagesOf(resources.oidcClientSecretArn as string);
    expect(stages[result.client.versionId]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).some((labels) => labels.includes('AWSPENDING'))).toBe(false);

    // Announced once per secret, and recorded.
    expect(sink.events.map((e: FederationEvent) => [e.detailType, e.detail.kind])).toEqual([
      [ROTATED_EVENT, 'oidc-client'],
      [ROTATED_EVENT, 'test-user'],
    ]);
    const rotated = await record('rot-e2e');
    expect(rotated.rotations?.['oidc-client']?.versionId).toBe(result.client.versionId);
    expect(rotated.rotations?.['test-user']?.versionId).toBe(result.user.versionId);

    // The run logged each step (so the search below searched something), and no value anywhere.
    expect(output).toContain('rotate-secret rot-e2e oidc-client setSecret');
    const places = {
      logs: output,
      answers: JSON.stringify(result),
      events: JSON.stringify(sink.events),
      registry: JSON.stringify(rotated),
    };
    const values = { oldSecret: before.stored, newSecret: after.stored, oldPassword, newPassword };
    for (const [place, text] of Object.entries(places)) {
      for (const [name, value] of Object.entries(values)) {
        expect(text.includes(value), `${name} in ${place}`).toBe(false);
      }
    }
  }, 120_000);

  const crashAfter =
    (step: RotationStep) =>
    (fn: RotationFunction): RotationFunction =>
    async (event) => {
      const answer = await fn(event);
      if ((event as { Step: string }).Step === step) throw new Error(`crashed after ${step}`);
      return answer;
    };

  it.each(['createSecret', 'setSecret', 'testSecret'] as const)(
    'converges when the function crashes after %s and Secrets Manager tries again',
    async (step) => {
      await afterQuotaWindow();
      const before = await clientSecrets('rot-crash');
      const crashing = localRotation(fixture.clients, { wrap: crashAfter(step) });
      await expect(crashing.rotate('rot-crash', 'oidc-client')).rejects.toThrow(`crashed after ${step}`);
      // AWSCURRENT has not moved.
      expect((await clientSecrets('rot-crash')).stored).toBe(before.stored);

      await afterQuotaWindow();
      const retry = await localRotation(fixture.clients, {
        hostedUiBaseUrl: hostedUiBaseUrl(fixture.world.endpoints),
      }).rotate('rot-crash', 'oidc-client');
      expect(retry.resumed).toBe(true);
      const after = await clientSecrets('rot-crash');
      expect(after.stored).not.toBe(before.stored);
      expect(after.authentik).toBe(after.stored);
      expect(after.cognito).toBe(after.stored);
      // The steps already done say so: a second run changes nothing.
      if (step !== 'createSecret') expect(retry.steps[0]?.outcome).toBe('done');
      if (step === 'testSecret') expect(retry.steps[1]?.outcome).toBe('done');
      expect((await verified('rot-crash')).state).toBe('verified');
    },
    120_000,
  );

  it('converges when the function dies between the Cognito and the Authentik write', async () => {
    await afterQuotaWindow();
    const before = await clientSecrets('rot-crash');
    const failedSink = memoryEventSink();
    const dying = localRotation(fixture.clients, {
      events: failedSink,
      onWrite: (side) => {
        if (side === 'cognito') throw new Error('died after the Cognito write');
      },
    });
    await expect(dying.rotate('rot-crash', 'oidc-client')).rejects.toThrow('died after the Cognito write');
    const torn = await clientSecrets('rot-crash');
    // The failure is announced and recorded, by step and error name, with no value in either.
    expect(failedSink.events.map((e) => [e.detailType, e.detail.step, e.detail.kind])).toEqual([
      [ROTATION_FAILED_EVENT, 'setSecret', 'oidc-client'],
    ]);
    const failure = (await record('rot-crash')).rotations?.['oidc-client']?.lastFailure;
    expect(failure?.step).toBe('setSecret');
    for (const text of [JSON.stringify(failedSink.events), JSON.stringify(failure)]) {
      expect(text.includes(before.stored)).toBe(false);
      expect(text.includes(torn.cognito as string)).toBe(false);
    }
    // Cognito holds the pending secret, Authentik still the current one: sign-ins fail until the
    // retry, and Authentik refuses what Cognito now sends.
    expect(torn.cognito).not.toBe(before.stored);
    expect(torn.authentik).toBe(before.stored);
    expect(await tokenEndpoint('rot-crash', torn.clientId, torn.cognito as string)).toBe('invalid_client');

    const sink = memoryEventSink();
    await afterQuotaWindow();
    const retry = await localRotation(fixture.clients, {
      events: sink,
      hostedUiBaseUrl: hostedUiBaseUrl(fixture.world.endpoints),
    }).rotate('rot-crash', 'oidc-client');
    expect(retry.resumed).toBe(true);
    // Only Authentik is written on the retry.
    expect(retry.steps[1]?.written).toEqual(['authentik']);
    const after = await clientSecrets('rot-crash');
    expect(after.stored).toBe(torn.cognito);
    expect(after.authentik).toBe(after.stored);
    expect((await verified('rot-crash')).state).toBe('verified');
    expect(sink.events.map((e) => e.detailType)).toEqual([ROTATED_EVENT]);
  }, 120_000);

  it('converges when the function crashes after finishSecret: the retry finds it done and announces once', async () => {
    await afterQuotaWindow();
    const sink = memoryEventSink();
    let crashed: Record<string, unknown> | undefined;
    const crashing = localRotation(fixture.clients, {
      events: sink,
      wrap: (fn) => async (event) => {
        const answer = await fn(event);
        if ((event as { Step: string }).Step === 'finishSecret') {
          crashed = event as Record<string, unknown>;
          throw new Error('crashed after finishSecret');
        }
        return answer;
      },
    });
    await expect(crashing.rotate('rot-crash', 'oidc-client')).rejects.toThrow('crashed after finishSecret');
    expect(crashed).toBeDefined();
    // Secrets Manager calls finishSecret again with the same token.
    const retried = await localRotation(fixture.clients, { events: sink }).invoke(crashed);
    expect(retried.outcome).toBe('done');
    const after = await clientSecrets('rot-crash');
    expect(after.authentik).toBe(after.stored);
    expect(after.cognito).toBe(after.stored);
    expect(sink.events.filter((e) => e.detailType === ROTATED_EVENT)).toHaveLength(1);
  }, 120_000);

  it('runs from the command line in the local world, the session playing Secrets Manager', async () => {
    const before = (await current((await record('rot-e2e')).resources.testUserPasswordSecretArn as string))
      .password as string;
    const run = await runCli(['rotate', 'rot-e2e', 'test-user', '--json'], {
      FEDERATION_WORLD: JSON.stringify(fixture.world.endpoints),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('finishSecret: finished');
    const after = (await current((await record('rot-e2e')).resources.testUserPasswordSecretArn as string))
      .password as string;
    expect(after).not.toBe(before);
    for (const value of [before, after]) {
      expect(run.stdout.includes(value)).toBe(false);
      expect(run.stderr.includes(value)).toBe(false);
    }
  }, 120_000);

  it('runs through the local API: POST /tenants/{id}/rotate answers the versions, never a value', async () => {
    const handlers = await localHandlers(fixture.clients);
    const api = await startLocalApi({
      clients: fixture.clients,
      handlers,
      region: fixture.world.endpoints.region,
      hostedUiBaseUrl: hostedUiBaseUrl(fixture.world.endpoints),
    });
    try {
      const before = await clientSecrets('rot-e2e');
      const answer = await fetch(`${api.url}/tenants/rot-e2e/rotate?kind=oidc-client`, { method: 'POST' });
      const text = await answer.text();
      expect(answer.status, text).toBe(202);
      const body = JSON.parse(text) as { rotations: { kind: string; versionId: string }[] };
      expect(body.rotations.map((r) => r.kind)).toEqual(['oidc-client']);
      const after = await clientSecrets('rot-e2e');
      expect(after.stored).not.toBe(before.stored);
      expect(after.authentik).toBe(after.stored);
      expect(after.cognito).toBe(after.stored);
      const stages = await stagesOf((await record('rot-e2e')).resources.oidcClientSecretArn as string);
      expect(stages[body.rotations[0]?.versionId as string]).toEqual(['AWSCURRENT']);
      for (const value of [before.stored, after.stored]) expect(text.includes(value)).toBe(false);
      // Both answers as openapi.yaml describes them; the tenant shows its last rotation.
      const check = openApiResponseChecker();
      expect(check('POST', '/tenants/rot-e2e/rotate', 202, body)).toEqual([]);
      const view = (await (await fetch(`${api.url}/tenants/rot-e2e`)).json()) as {
        rotations?: Record<string, { versionId?: string }>;
      };
      expect(check('GET', '/tenants/rot-e2e', 200, view)).toEqual([]);
      expect(view.rotations?.['oidc-client']?.versionId).toBe(body.rotations[0]?.versionId);
      const unknown = await fetch(`${api.url}/tenants/rot-nobody/rotate`, { method: 'POST' });
      expect(unknown.status).toBe(404);
    } finally {
      await api.close();
    }
  }, 120_000);
});
