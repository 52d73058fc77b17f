// The verification against the local world, on a tenant provisioned by the real steps in the
// workflow's order: every check passes (the test user really signs in through the emulator's flow
// executor and lands on Cognito's idpresponse URL with a code), then drift is injected behind the
// product's back and the right reason code comes out.
import {
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { getProvider, strictRedirectUri, updateProvider } from '#lib/authentik/providers.ts';
import { clientUpdateInput } from '#lib/cognito.ts';
import { PreconditionError } from '#lib/errors.ts';
import { type ResolvedClients, resolveClients } from '#lib/lambda.ts';
import { mergeResources } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import { localDeployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import type { StepModule } from '#lib/workflow-step.ts';
import * as enableIdentityProvider from '../../functions/enable-identity-provider/core.ts';
import * as ensureAccessPolicy from '../../functions/ensure-access-policy/core.ts';
import * as ensureApplication from '../../functions/ensure-application/core.ts';
import * as ensureGroup from '../../functions/ensure-group/core.ts';
import * as ensureIdentityProvider from '../../functions/ensure-identity-provider/core.ts';
import * as ensureOidcProvider from '../../functions/ensure-oidc-provider/core.ts';
import * as ensureTestUser from '../../functions/ensure-test-user/core.ts';
import * as ensureUserPool from '../../functions/ensure-user-pool/core.ts';
import * as validateTenant from '../../functions/validate-tenant/core.ts';
import { apply, check, type VerificationReport, verify } from '../../functions/verify-federation/core.ts';
import { dropIssuerSlashInMoto } from '../support/drift.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();

/** The provisioning state machine's Tasks, in its order. */
const steps: [string, StepModule<ResolvedClients>][] = [
  ['validate-tenant', validateTenant],
  ['ensure-group', ensureGroup],
  ['ensure-test-user', ensureTestUser],
  ['ensure-user-pool', ensureUserPool],
  ['ensure-oidc-provider', ensureOidcProvider],
  ['ensure-application', ensureApplication],
  ['ensure-access-policy', ensureAccessPolicy],
  ['ensure-identity-provider', ensureIdentityProvider],
  ['enable-identity-provider', enableIdentityProvider],
];

let spec: TenantSpec;
let clients: ResolvedClients;
let resources: Resources = {};

async function provision(): Promise<void> {
  for (const [name, step] of steps) {
    const result = await retrying(() => step.apply(spec, resources, clients)).catch((error: unknown) => {
      throw new Error(`${name} failed while provisioning the tenant: ${(error as Error).message}`);
    });
    resources = mergeResources(resources, result.resources);
  }
}

const EXECUTOR = '/api/v3/flows/executor/';

/** Writes to Authentik's objects and Cognito's; a login's answers to the flow executor are not. */
function writes() {
  return {
    authentik: fixture.world.authentik.requests.filter((r) => r.write && !r.path.startsWith(EXECUTOR)).length,
    cognito: fixture.world.cognito.requests.filter((r) => r.write).length,
  };
}

function executorPosts(): number {
  return fixture.world.authentik.requests.filter((r) => r.write && r.path.startsWith(EXECUTOR)).length;
}

function byId(report: VerificationReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

async function secretValues(): Promise<string[]> {
  const values: string[] = [];
  for (const arn of [
    resources.testUserPasswordSecretArn,
    resources.oidcClientSecretArn,
    spec.authentik.tokenSecretArn,
  ]) {
    const read = await fixture.clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const parsed = JSON.parse(read.SecretString ?? '{}') as Record<string, string>;
    values.push(
      ...Object.entries(parsed)
        .filter(([key]) => key !== 'username')
        .map(([, value]) => value),
    );
  }
  return values;
}

const THROTTLED = new Set(['TransientError', 'TooManyRequestsException']);

/**
 * Retries a throttled call after a pause, as the state machine's Retry does: the strict layer
 * enforces Cognito's real quotas (5 reads per second per pool for app clients), which this file's
 * back-to-back verifications exceed.
 */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 5 || !THROTTLED.has((error as Error).name)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    }
  }
}

beforeAll(async () => {
  spec = parseTenantSpec(await fixture.tenant('verify-a'), localDeployment);
  clients = await resolveClients(fixture.clients, true)(spec);
  await provision();
}, 60_000);

describe('verify-federation on a provisioned tenant', () => {
  it('passes every check: the test user signs in and Authentik sends a code to idpresponse', async () => {
    const report = await retrying(() => verify(spec, resources, clients));
    expect(report.checks.map((c) => [c.id, c.status, c.reason])).toEqual([
      ['identity-provider', 'pass', undefined],
      ['discovery', 'pass', undefined],
      ['issuer', 'pass', undefined],
      ['app-client', 'pass', undefined],
      // Provisioning chose managed login for the domain and applied Cognito's default style.
      ['managed-login', 'pass', undefined],
      ['login-url', 'pass', undefined],
      ['redirect-uri', 'pass', undefined],
      ['test-login', 'pass', undefined],
      ['hosted-ui-login', 'not-applicable', 'NOT_AUTOMATED'],
    ]);
    expect(report.status).toBe('pass');
    const domain = `verify-a-login.auth.${fixture.world.endpoints.region}.amazoncognito.com`;
    expect(report.loginUrl).toBe(
      `https://${domain}/oauth2/authorize?identity_provider=authentik-verify-a` +
        `&redirect_uri=${encodeURIComponent('https://verify-a.app.example/callback')}` +
        `&response_type=code&client_id=${resources.appClientId}&scope=openid+email+profile`,
    );
    expect(byId(report, 'test-login').message).toContain(`https://${domain}/oauth2/idpresponse`);
    // The login went through the emulator's authorize endpoint and flow executor.
    const paths = fixture.world.authentik.requests.map((r) => r.path);
    expect(paths).toContain('/application/o/authorize/');
    expect(paths.some((p) => p.startsWith('/api/v3/flows/executor/'))).toBe(true);

    const text = JSON.stringify(report);
    for (const secret of await secretValues()) expect(text).not.toContain(secret);
  });

  it('apply answers unchanged and changes nothing on either side', async () => {
    const before = writes();
    const logins = executorPosts();
    await expect(retrying(() => apply(spec, resources, clients))).resolves.toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { loginUrl: expect.stringContaining('/oauth2/authorize?identity_provider=') },
    });
    // The only POSTs are the login's own answers to the flow executor.
    expect(executorPosts()).toBeGreaterThan(logins);
    expect(writes()).toEqual(before);
    await expect(retrying(() => check(spec, resources, clients))).resolves.toEqual({
      outcome: 'in-sync',
      drift: [],
    });
  });
});

describe('validate-tenant on the provisioned tenant (a re-run)', () => {
  it('passes again with the recorded resources, and without them (a run that crashed before recording), writing nothing', async () => {
    const before = writes();
    for (const recorded of [resources, {}]) {
      const result = await retrying(() => validateTenant.apply(spec, recorded, clients));
      expect(result).toMatchObject({
        outcome: 'unchanged',
        writes: 0,
        resources: { userPoolDomain: resources.userPoolDomain, redirectUri: resources.redirectUri },
      });
    }
    expect(writes()).toEqual(before);
  });
});

describe('verify-federation on drift injected behind its back', () => {
  it('IDP_NOT_ENABLED when the identity provider is removed from the app client; enable-identity-provider repairs it', async () => {
    const described = await retrying(() =>
      fixture.clients.cognito.send(
        new DescribeUserPoolClientCommand({
          UserPoolId: resources.userPoolId,
          ClientId: resources.appClientId,
        }),
      ),
    );
    const client = described.UserPoolClient ?? {};
    await retrying(() =>
      fixture.clients.cognito.send(
        new UpdateUserPoolClientCommand(
          clientUpdateInput(client, { SupportedIdentityProviders: ['COGNITO'] }),
        ),
      ),
    );

    const report = await retrying(() => verify(spec, resources, clients));
    expect(byId(report, 'app-client')).toMatchObject({ status: 'fail', reason: 'IDP_NOT_ENABLED' });
    expect(byId(report, 'login-url')).toMatchObject({ status: 'not-applicable', reason: 'BLOCKED' });
    expect(report.status).toBe('fail');
    const error = await retrying(() => apply(spec, resources, clients)).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toContain('IDP_NOT_ENABLED');
    await expect(retrying(() => check(spec, resources, clients))).resolves.toMatchObject({
      outcome: 'drifted',
      drift: [{ field: 'app-client', actual: ['COGNITO'] }],
    });

    await retrying(() => enableIdentityProvider.apply(spec, resources, clients));
    expect((await retrying(() => verify(spec, resources, clients))).status).toBe('pass');
  });

  it('ISSUER_MISMATCH when the issuer loses its trailing slash in Cognito; ensure-identity-provider repairs it', async () => {
    // The strict layer would refuse this issuer (its discovery URL does not resolve), as Cognito
    // would: the change is made in moto directly, as drift that slipped past Cognito's checks.
    const issuer = await dropIssuerSlashInMoto(
      fixture.observer,
      resources.userPoolId,
      resources.identityProviderName as string,
    );
    expect(issuer.endsWith('/')).toBe(true);

    const report = await retrying(() => verify(spec, resources, clients));
    const result = byId(report, 'issuer');
    expect(result).toMatchObject({
      status: 'fail',
      reason: 'ISSUER_MISMATCH',
      expected: issuer,
      actual: issuer.slice(0, -1),
    });
    expect(result.message).toContain('trailing slash');
    const text = JSON.stringify(report);
    for (const secret of await secretValues()) expect(text).not.toContain(secret);

    await retrying(() => ensureIdentityProvider.apply(spec, resources, clients));
    expect((await retrying(() => verify(spec, resources, clients))).status).toBe('pass');
  });

  it("REDIRECT_URI_MISSING when Authentik's provider no longer allows idpresponse, and the login is not attempted", async () => {
    const authentik = clients.authentik;
    const pk = resources.providerPk as number;
    const original = (await getProvider(authentik, pk))?.redirect_uris ?? [];
    await updateProvider(authentik, pk, {
      redirect_uris: [strictRedirectUri('https://elsewhere.example/oauth2/idpresponse')],
    });
    const executorCalls = () =>
      fixture.world.authentik.requests.filter((r) => r.path.startsWith('/api/v3/flows/executor/')).length;
    const before = executorCalls();

    const report = await retrying(() => verify(spec, resources, clients));
    expect(byId(report, 'redirect-uri')).toMatchObject({ status: 'fail', reason: 'REDIRECT_URI_MISSING' });
    expect(byId(report, 'test-login')).toMatchObject({ status: 'not-applicable', reason: 'BLOCKED' });
    expect(executorCalls()).toBe(before);

    await updateProvider(authentik, pk, { redirect_uris: original });
    expect((await retrying(() => verify(spec, resources, clients))).status).toBe('pass');
  });
});
