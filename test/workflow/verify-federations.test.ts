// The verification machine (statemachine/verify-federations.asl.json) against the local world:
// every registered tenant verified, one event per state change, a broken tenant or one that cannot
// be verified does not fail the run, and repair mode provisions drifted tenants again, fixes each
// drift provisioning can fix and says which it cannot.
import {
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DeleteUserPoolCommand,
  DeleteUserPoolDomainCommand,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { deleteProvider, strictRedirectUri, updateProvider } from '#lib/authentik/providers.ts';
import { updateUser } from '#lib/authentik/users.ts';
import { clientUpdateInput } from '#lib/cognito.ts';
import { MemoryMetrics } from '#lib/metrics.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import type { RunSummary } from '../../functions/report-verification/core.ts';
import { memoryEventSink } from '../../functions/report-verification/events.ts';
import type { TenantResult } from '../../functions/verify-tenant/core.ts';
import { localHandlers } from '../../local/handlers.ts';
import {
  type ExecutionResult,
  everyExecution,
  type HandlersByPlaceholder,
  runStateMachine,
} from '../../local/runner.ts';
import { dropIssuerSlashInMoto } from '../support/drift.ts';
import { registeredTenants } from '../support/tenants.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const events = memoryEventSink();
// Every Lambda's metrics as Powertools serializes them (on Lambda, the EMF lines on stdout).
const emitted = new MemoryMetrics();
const metrics = emitted.documents;
let handlers: HandlersByPlaceholder;

/** Each kind of drift on its own tenant, and what the repair should make of it. */
const DRIFTS = {
  'wf-v-provider': 'provider deleted',
  'wf-v-redirect': 'redirect URI changed',
  'wf-v-secret': 'secret rotated in Authentik only',
  'wf-v-idp': 'IdP removed from the app client',
  'wf-v-issuer': 'issuer slash dropped',
  'wf-v-user': 'test user disabled',
  'wf-v-policy': 'policy binding negated',
} as const;
const HEALTHY = 'wf-v-ok';
/** The tenant's own pool, deleted: provisioning never recreates what a tenant brought. */
const BROUGHT = 'wf-v-brought';
/** Its own signing key, deleted from Authentik: provisioning stops at its preflight. */
const KEYLESS = 'wf-v-keyless';
const KEY_NAME = 'wf-v-keyless signing key';

async function provision(input: Record<string, unknown>): Promise<void> {
  const result = await runStateMachine('provision-tenant', input, { handlers });
  if (result.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${result.cause}`);
}

async function broughtPool(): Promise<{ userPoolId: string; appClientId: string }> {
  const { cognito } = fixture.clients;
  const pool = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: 'wf-v-brought-pool',
      // What an operator does to a pool a tenant brings (README, Security model).
      UserPoolTags: { tenant: BROUGHT },
      Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
    }),
  );
  const userPoolId = pool.UserPool?.Id as string;
  await cognito.send(
    new CreateUserPoolDomainCommand({ UserPoolId: userPoolId, Domain: 'wf-v-brought-login' }),
  );
  const client = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'brought-client',
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: ['https://brought.example/callback'],
      SupportedIdentityProviders: ['COGNITO'],
    }),
  );
  return { userPoolId, appClientId: client.UserPoolClient?.ClientId as string };
}

/** A second signing key pair in Authentik (a copy of the default one under another name). */
async function tenantSigningKey(authentik: AuthentikClient): Promise<string> {
  const seeded = [...fixture.world.authentik.store.certificateKeyPairs.values()][0];
  if (!seeded) throw new Error('the emulator has no key pair');
  const { data } = await authentik.api.POST('/crypto/certificatekeypairs/', {
    body: { name: KEY_NAME, certificate_data: seeded.certificate_data, key_data: seeded.key_data },
  });
  return data?.pk as string;
}

const { record, authentikFor } = registeredTenants(fixture);

function run(input: unknown): Promise<ExecutionResult> {
  return runStateMachine('verify-federations', input, { handlers, retryIntervalMs: 50 });
}

type ItemEnd = Partial<TenantResult> & { tenantId: string; caught?: { Error: string } };

/** The events of the run's executions: the machine's, and those of the page executions it started. */
const eventsOf = (execution: ExecutionResult) => everyExecution(execution).flatMap((e) => e.events);

/**
 * Every tenant's whole answer, from the exit of its Map item's last state (the Map keeps only a
 * summary of each, which this checks too): the verification, or the error the item was caught with.
 */
function resultsOf(execution: ExecutionResult): Map<string, ItemEnd> {
  const results = new Map<string, ItemEnd>();
  const kept = new Map<string, unknown>();
  for (const event of eventsOf(execution)) {
    if (event.type !== 'StateExited') continue;
    const state = (event as { state?: { name: string; input?: unknown; output?: unknown } }).state;
    if (state?.name === 'Tenant verified') {
      const { verification } = state.input as { verification: TenantResult };
      results.set(verification.tenantId, verification);
    }
    if (state?.name === 'Tenant not verified') {
      const input = state.input as { tenantId: string; caught: { Error: string } };
      results.set(input.tenantId, { ...(state.output as ItemEnd), caught: input.caught });
    }
    if (state?.name === 'Verify tenants') {
      for (const item of (state.output as { results: { tenantId: string }[] }).results) {
        kept.set(item.tenantId, item);
      }
    }
  }
  expect([...kept.keys()].sort()).toEqual([...results.keys()].sort());
  for (const [tenantId, item] of kept) {
    const result = results.get(tenantId);
    expect(item).toEqual({
      tenantId,
      state: result?.state,
      changed: result?.changed ?? false,
      durationMs: result?.durationMs ?? 0,
      reasons: (result?.failing ?? []).map((check) => check.reason),
      repairAttempted: Boolean(result?.repair),
    });
  }
  return results;
}

let keyPk: string;
let brought: { userPoolId: string; appClientId: string };

beforeAll(async () => {
  handlers = await localHandlers(fixture.clients, { events, metrics: emitted });
  const ids = [...Object.keys(DRIFTS), HEALTHY];
  await Promise.all(
    [0, 1, 2].map(async (lane) => {
      for (const id of ids.filter((_, i) => i % 3 === lane)) await provision(await fixture.tenant(id));
    }),
  );
  brought = await broughtPool();
  await provision(await fixture.tenant(BROUGHT, { cognito: { ...brought } }));
  const input = await fixture.tenant(KEYLESS);
  keyPk = await tenantSigningKey(
    await fixture.clients.authentik(parseTenantSpec(input, fixture.clients.deployment)),
  );
  await provision({ ...input, authentik: { ...(input.authentik as object), signingKeyName: KEY_NAME } });
}, 240_000);

describe('verify-federations', () => {
  it('verifies every tenant, announces each first state, and a second run announces nothing', async () => {
    const first = await run({});
    expect(first.cause).toBeUndefined();
    expect(first.status).toBe('SUCCEEDED');
    const summary = first.output as RunSummary;
    expect(summary).toMatchObject({
      tenants: 10,
      verified: 10,
      drifted: 0,
      broken: 0,
      errors: 0,
      events: 10,
    });
    expect(events.events.map((e) => e.detailType)).toEqual(Array(10).fill('Federation Verified'));
    expect(events.events[0]?.detail).toMatchObject({
      state: 'verified',
      previousState: 'unknown',
      failing: [],
    });
    // The page's metrics: counts by state and the verifications' durations, in EMF.
    const page = metrics.find((m) => 'TenantsVerified' in m);
    expect(page).toMatchObject({
      TenantsVerified: 10,
      StateChanges: 10,
      service: 'authentik-cognito-federation',
    });
    expect(page?.VerificationDuration).toHaveLength(10);
    // The run's end: tenants by state, as a gauge.
    expect(metrics.findLast((m) => m.State === 'verified')).toMatchObject({ Tenants: 10 });
    // The provisioning before it: every execution's outcome and duration, every step's outcome.
    const provisioned = metrics.filter((m) => m.Operation === 'provision' && 'ExecutionSucceeded' in m);
    expect(provisioned).toHaveLength(10);
    expect(metrics.filter((m) => m.Operation === 'provision' && 'ExecutionDuration' in m)).toHaveLength(10);
    expect(
      metrics.filter((m) => m.Step === 'ensure-group' && m.Action === 'apply' && m.Outcome === 'created'),
    ).toHaveLength(10);

    // As an EventBridge schedule starts it: its input is the scheduled event, read as "every tenant".
    const second = await run({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toMatchObject({ tenants: 10, verified: 10, events: 0, changed: 0 });
    expect(events.events).toHaveLength(10);
  });

  it('verifies only the tenant named in the input (the API’s POST /tenants/{id}/verify)', async () => {
    const one = await run({ tenantId: HEALTHY });
    expect(one.output).toMatchObject({ tenants: 1, verified: 1 });
    expect([...resultsOf(one).keys()]).toEqual([HEALTHY]);
  });

  it('reports drift as Federation Broken without failing the run, and keeps secrets out of the history', async () => {
    await injectDrift();
    const before = events.events.length;
    const execution = await run({});
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      tenants: 10,
      verified: 1,
      broken: 9,
      errors: 0,
      repairsAttempted: 0,
    });
    const announced = events.events.slice(before);
    expect(announced.map((e) => e.detailType)).toEqual(Array(9).fill('Federation Broken'));
    expect(announced.map((e) => e.detail.tenantId).sort()).toEqual(
      [...Object.keys(DRIFTS), BROUGHT, KEYLESS].sort(),
    );
    const results = resultsOf(execution);
    expect(results.get(BROUGHT)?.repairable).toBe(false);
    expect(results.get('wf-v-user')?.repairable).toBe(true);
    expect(metrics.some((m) => m.Reason === 'USER_DISABLED' && m.FailingChecks === 2)).toBe(true);

    const history = JSON.stringify(eventsOf(execution));
    for (const secret of await secretValues()) expect(history).not.toContain(secret);
  });

  it('repair mode fixes each drift provisioning can fix, and says which it cannot and why', async () => {
    const before = events.events.length;
    const execution = await runStateMachine('verify-federations', { repair: true }, { handlers });
    expect(execution.cause).toBeUndefined();
    const results = resultsOf(execution);

    for (const tenantId of Object.keys(DRIFTS)) {
      const result = results.get(tenantId);
      expect(result?.state, `${tenantId}: ${JSON.stringify(result?.repair)}`).toBe('verified');
      expect(result?.repair).toMatchObject({ provisioning: 'SUCCEEDED', remaining: [] });
      expect(result?.repair?.fixed.length, tenantId).toBeGreaterThan(0);
      expect(result).toMatchObject({ previousState: 'broken', changed: true });
    }
    expect(results.get('wf-v-user')?.repair?.fixed).toEqual(
      expect.arrayContaining(['ensure-test-user', 'test-user']),
    );
    expect(results.get('wf-v-secret')?.repair?.fixed).toEqual(
      expect.arrayContaining(['client-credentials', 'token-endpoint']),
    );

    // The tenant's own pool is gone: no repair is attempted, and each failure says it cannot be repaired.
    const gone = results.get(BROUGHT);
    expect(gone).toMatchObject({ state: 'broken', repairable: false, repair: null, changed: false });
    expect(gone?.failing).toContainEqual({
      check: 'ensure-user-pool',
      reason: 'USER_POOL_MISSING',
      repairable: false,
    });

    // The signing key is gone: provisioning was tried, failed at its preflight, and says so.
    const keyless = results.get(KEYLESS);
    expect(keyless?.state).toBe('broken');
    expect(keyless?.repair?.provisioning).toBe('FAILED');
    expect(keyless?.repair?.cause).toContain(KEY_NAME);
    expect(keyless?.repair?.remaining).toContainEqual(
      expect.objectContaining({ check: 'jwks', reason: 'JWKS_NO_RS256_KEY' }),
    );

    expect(execution.output).toMatchObject({ verified: 8, broken: 2, repairsAttempted: 8, repaired: 7 });
    const announced = events.events.slice(before);
    expect(announced.map((e) => e.detailType)).toEqual(Array(7).fill('Federation Verified'));
    expect(
      announced.every((e) => (e.detail.repair as { provisioning?: string })?.provisioning === 'SUCCEEDED'),
    ).toBe(true);
    expect((await record('wf-v-user')).lastVerification).toMatchObject({ outcome: 'in-sync' });
  }, 240_000);

  it('a tenant that cannot be verified is an error of the run, not its failure', async () => {
    const current = await record(HEALTHY);
    const { version, updatedAt: _, ...rest } = current;
    // A record an operator broke by hand: its spec no longer parses.
    await fixture.clients.registry.put(
      { ...rest, spec: { ...rest.spec, cognito: { ...rest.spec.cognito, callbackUrls: ['not a URL'] } } },
      version,
    );
    const execution = await run({ tenantId: HEALTHY });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ tenants: 1, errors: 1, attention: [HEALTHY] });
    expect(resultsOf(execution).get(HEALTHY)).toMatchObject({
      state: 'error',
      caught: { Error: 'ValidationError' },
    });
  });
});

async function injectDrift(): Promise<void> {
  const { cognito } = fixture.clients;
  const provider = async (id: string) => (await record(id)).resources;

  const p = await provider('wf-v-provider');
  await deleteProvider(await authentikFor('wf-v-provider'), p.providerPk as number);

  const r = await provider('wf-v-redirect');
  await updateProvider(await authentikFor('wf-v-redirect'), r.providerPk as number, {
    redirect_uris: [strictRedirectUri('https://elsewhere.example/oauth2/idpresponse')],
  });

  const s = await provider('wf-v-secret');
  const stored = fixture.world.authentik.store.providers.get(s.providerPk as number);
  if (stored) stored.client_secret = 'rotated-in-authentik-0123456789abcdefghijklmnopqrstuvwxyz';

  const i = await provider('wf-v-idp');
  const client = await fixture.observer.send(
    new DescribeUserPoolClientCommand({ UserPoolId: i.userPoolId, ClientId: i.appClientId }),
  );
  await cognito.send(
    new UpdateUserPoolClientCommand(
      clientUpdateInput(client.UserPoolClient ?? {}, { SupportedIdentityProviders: ['COGNITO'] }),
    ),
  );

  // Cognito itself refuses an issuer whose discovery URL does not resolve: made in moto directly.
  const iss = await provider('wf-v-issuer');
  await dropIssuerSlashInMoto(fixture.observer, iss.userPoolId, iss.identityProviderName as string);

  const u = await provider('wf-v-user');
  await updateUser(await authentikFor('wf-v-user'), u.testUserPk as number, { is_active: false });

  const b = await provider('wf-v-policy');
  await (await authentikFor('wf-v-policy')).api.PATCH('/policies/bindings/{policy_binding_uuid}/', {
    params: { path: { policy_binding_uuid: b.policyBindingPk as string } },
    body: { negate: true },
  });

  await cognito.send(
    new DeleteUserPoolDomainCommand({ UserPoolId: brought.userPoolId, Domain: 'wf-v-brought-login' }),
  );
  await cognito.send(new DeleteUserPoolCommand({ UserPoolId: brought.userPoolId }));

  await (await authentikFor(KEYLESS)).api.DELETE('/crypto/certificatekeypairs/{kp_uuid}/', {
    params: { path: { kp_uuid: keyPk } },
  });
}

async function secretValues(): Promise<string[]> {
  const values: string[] = [];
  for (const tenantId of [...Object.keys(DRIFTS), HEALTHY]) {
    const { spec, resources } = await record(tenantId);
    for (const id of [
      spec.authentik.tokenSecretArn,
      resources.oidcClientSecretArn,
      resources.testUserPasswordSecretArn,
    ]) {
      const read = await fixture.clients.secrets.send(new GetSecretValueCommand({ SecretId: id }));
      const parsed = JSON.parse(read.SecretString ?? '{}') as Record<string, string>;
      values.push(
        ...Object.entries(parsed)
          .filter(([key]) => key !== 'username' && key !== 'client_id')
          .map(([, value]) => value),
      );
    }
  }
  return values;
}
