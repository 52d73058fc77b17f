// Drift injected into the local world behind the product's back, one kind per tenant, each seen by
// the in-depth verification with the reason code a machine acts on. The tenants are provisioned by
// the real provision machine; the drift is made the way it happens in real life: through
// Authentik's API (an admin in the UI), through Cognito's API, or (for what Cognito's own checks
// would refuse) in moto directly.
import {
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  UpdateIdentityProviderCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteProvider, strictRedirectUri, updateProvider } from '#lib/authentik/providers.ts';
import { updateUser } from '#lib/authentik/users.ts';
import { clientUpdateInput } from '#lib/cognito.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import type { StoredVerification, TenantVerification } from '#lib/verification/types.ts';
import { dropIssuerSlashInMoto } from '../support/drift.ts';
import { provisionTenants, registeredTenants } from '../support/tenants.ts';
import { afterQuotaWindow } from '../support/verification-reads.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();

const TENANTS = [
  'dr-control',
  'dr-provider',
  'dr-redirect',
  'dr-secret-ak',
  'dr-secret-cg',
  'dr-idp',
  'dr-issuer',
  'dr-user',
  'dr-policy',
  'dr-token',
] as const;

beforeAll(async () => {
  // Three at a time, with the machine's real retry intervals: Cognito's real quotas apply.
  await provisionTenants(fixture, TENANTS, 3);
}, 180_000);

const { record, authentikFor } = registeredTenants(fixture);

/** Every secret value the tenant has: none may appear in a report or the registry. */
async function secretsOf(tenantId: string): Promise<string[]> {
  const { spec, resources } = await record(tenantId);
  const values: string[] = [];
  for (const id of [
    spec.authentik.tokenSecretArn,
    resources.oidcClientSecretArn,
    resources.testUserPasswordSecretArn,
  ]) {
    const read = await fixture.clients.secrets.send(new GetSecretValueCommand({ SecretId: id }));
    const parsed = JSON.parse(read.SecretString ?? '{}') as Record<string, string>;
    values.push(
      ...Object.entries(parsed)
        .filter(([k]) => k !== 'username' && k !== 'client_id')
        .map(([, v]) => v),
    );
  }
  return values;
}

async function verified(tenantId: string, extraSecrets: string[] = []): Promise<TenantVerification> {
  const result = await verifyTenant(tenantId, fixture.clients);
  const stored = JSON.stringify(await record(tenantId));
  for (const secret of [...(await secretsOf(tenantId)), ...extraSecrets]) {
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(stored).not.toContain(secret);
  }
  return result;
}

function reasonsOf(result: TenantVerification): Record<string, string> {
  return Object.fromEntries(result.failing.map((f) => [f.check, f.reason]));
}

describe('a provisioned tenant', () => {
  it('passes every check, with its four Cognito reads and no write anywhere', async () => {
    const before = fixture.world.cognito.requests.length;
    const authentikWrites = fixture.world.authentik.requests.filter((r) => r.write).length;
    const result = await verified('dr-control');
    expect(result.failing).toEqual([]);
    expect(result.state).toBe('verified');
    expect(result.previousState).toBe('unknown');
    expect(result.changed).toBe(true);
    const checks = result.report?.checks ?? [];
    expect(checks.filter((c) => c.status !== 'pass').map((c) => [c.id, c.reason])).toEqual([
      ['hosted-ui-login', 'NO_HOSTED_UI'],
    ]);
    for (const id of [
      'ensure-oidc-provider',
      'jwks',
      'token-endpoint',
      'client-credentials',
      'access',
      'id-token',
    ]) {
      expect(checks.find((c) => c.id === id)?.status, id).toBe('pass');
    }
    // Admitted calls: right after provisioning, the pool's per-operation quota may still be spent,
    // and the SDK then sends a throttled read once more.
    const calls = fixture.world.cognito.requests.slice(before).filter((c) => c.error === undefined);
    expect(calls.map((c) => c.operation).sort()).toEqual([
      'DescribeIdentityProvider',
      'DescribeManagedLoginBrandingByClient',
      'DescribeUserPool',
      'DescribeUserPoolClient',
    ]);
    // The login posts to the flow executor and the token endpoint; nothing else is written.
    const writes = fixture.world.authentik.requests
      .filter((r) => r.write)
      .slice(authentikWrites)
      .filter((r) => !/^\/api\/v3\/flows\/executor\/|^\/application\/o\/token\/$/.test(r.path));
    expect(writes).toEqual([]);

    const stored = (await record('dr-control')).lastVerification as StoredVerification;
    expect(stored).toMatchObject({ outcome: 'in-sync', state: 'verified' });
    expect(stored.checks?.length).toBe(checks.length);
  });

  it('paced: it returns no sooner than paceMs after Cognito answered its reads', async () => {
    // The test before read this pool within the same second; a throttled read sent again would be
    // counted twice.
    await afterQuotaWindow();
    const before = fixture.world.cognito.requests.length;
    // A pace longer than a verification takes even on a busy machine, so that the wait is there to
    // be left out of the duration.
    const result = await verifyTenant('dr-control', fixture.clients, { paceMs: 4_000 });
    const returned = Date.now();
    const reads = fixture.world.cognito.requests.slice(before);
    // The pool, its app client, its identity provider and the client's branding style.
    expect(reads).toHaveLength(4);
    expect(returned - Math.max(...reads.map((r) => r.at))).toBeGreaterThanOrEqual(4_000);
    // Its own duration leaves the wait out.
    expect(result.durationMs).toBeLessThan(returned - Math.min(...reads.map((r) => r.at)));
  });

  it('paced on a failure too: the machine may retry at once, so the wait is not skipped', async () => {
    const { resources } = await record('dr-control');
    const started = Date.now();
    // Its listing named the pool, so its reads went out before the registry said it is gone.
    const where = {
      userPoolId: resources.userPoolId as string,
      appClientId: resources.appClientId as string,
      identityProviderName: resources.identityProviderName as string,
    };
    await expect(verifyTenant('dr-unregistered', fixture.clients, { paceMs: 1_200, where })).rejects.toThrow(
      /not registered/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
  });

  it('a second verification finds nothing changed', async () => {
    const result = await verified('dr-control');
    expect(result).toMatchObject({ state: 'verified', previousState: 'verified', changed: false });
  });
});

describe('drift injected behind the product’s back', () => {
  it('provider deleted in Authentik: PROVIDER_MISSING, broken', async () => {
    const { resources } = await record('dr-provider');
    await deleteProvider(await authentikFor('dr-provider'), resources.providerPk as number);
    const result = await verified('dr-provider');
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-oidc-provider': 'PROVIDER_MISSING',
      'redirect-uri': 'PROVIDER_MISSING',
    });
    expect(result.repairable).toBe(true);
  });

  it('redirect URI changed in Authentik: REDIRECT_URI_MISSING, and the login is not attempted', async () => {
    const { resources } = await record('dr-redirect');
    await updateProvider(await authentikFor('dr-redirect'), resources.providerPk as number, {
      redirect_uris: [strictRedirectUri('https://elsewhere.example/oauth2/idpresponse')],
    });
    const result = await verified('dr-redirect');
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-oidc-provider': 'REDIRECT_URI_MISSING',
      'redirect-uri': 'REDIRECT_URI_MISSING',
    });
    expect(result.report?.checks.find((c) => c.id === 'test-login')).toMatchObject({
      status: 'not-applicable',
      reason: 'BLOCKED',
    });
  });

  it("client secret rotated in Authentik only: SECRET_MISMATCH, and the token endpoint refuses Cognito's", async () => {
    const { resources } = await record('dr-secret-ak');
    const provider = fixture.world.authentik.store.providers.get(resources.providerPk as number);
    if (!provider) throw new Error('no provider');
    const rotated = 'rotated-in-authentik-0123456789abcdefghijklmnopqrstuvwxyz';
    provider.client_secret = rotated;
    const result = await verified('dr-secret-ak', [rotated]);
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-oidc-provider': 'SECRET_MISMATCH',
      'client-credentials': 'SECRET_MISMATCH',
      'token-endpoint': 'CLIENT_CREDENTIALS_REJECTED',
    });
  });

  it('client secret rotated in Cognito only: SECRET_MISMATCH, and Authentik refuses what Cognito sends', async () => {
    const { resources } = await record('dr-secret-cg');
    const cognito = fixture.clients.cognito;
    const name = resources.identityProviderName as string;
    const current = await fixture.observer.send(
      new DescribeIdentityProviderCommand({ UserPoolId: resources.userPoolId, ProviderName: name }),
    );
    const { authorize_url, token_url, attributes_url, jwks_uri, ...details } =
      current.IdentityProvider?.ProviderDetails ?? {};
    const rotated = 'rotated-in-cognito-0123456789abcdefghijklmnopqrstuvwxyz';
    await cognito.send(
      new UpdateIdentityProviderCommand({
        UserPoolId: resources.userPoolId,
        ProviderName: name,
        ProviderDetails: { ...details, client_secret: rotated },
      }),
    );
    const result = await verified('dr-secret-cg', [rotated]);
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-identity-provider': 'SECRET_MISMATCH',
      'client-credentials': 'SECRET_MISMATCH',
      'token-endpoint': 'CLIENT_CREDENTIALS_REJECTED',
    });
  });

  it('identity provider removed from the app client: IDP_NOT_ENABLED', async () => {
    const { resources } = await record('dr-idp');
    const cognito = fixture.clients.cognito;
    const described = await fixture.observer.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: resources.userPoolId,
        ClientId: resources.appClientId,
      }),
    );
    await cognito.send(
      new UpdateUserPoolClientCommand(
        clientUpdateInput(described.UserPoolClient ?? {}, { SupportedIdentityProviders: ['COGNITO'] }),
      ),
    );
    const result = await verified('dr-idp');
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'enable-identity-provider': 'IDP_NOT_ENABLED',
      'app-client': 'IDP_NOT_ENABLED',
    });
  });

  it('issuer without its trailing slash in Cognito (made in moto: Cognito itself refuses it): ISSUER_MISMATCH', async () => {
    const { resources } = await record('dr-issuer');
    await dropIssuerSlashInMoto(
      fixture.observer,
      resources.userPoolId,
      resources.identityProviderName as string,
    );
    const result = await verified('dr-issuer');
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-identity-provider': 'ISSUER_MISMATCH',
      issuer: 'ISSUER_MISMATCH',
    });
    expect(result.report?.checks.find((c) => c.id === 'issuer')?.message).toContain('trailing slash');
  });

  it('test user disabled in Authentik: USER_DISABLED, and the login is not attempted', async () => {
    const { resources } = await record('dr-user');
    await updateUser(await authentikFor('dr-user'), resources.testUserPk as number, { is_active: false });
    const result = await verified('dr-user');
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-test-user': 'USER_DISABLED',
      'test-user': 'USER_DISABLED',
    });
    expect(result.report?.checks.find((c) => c.id === 'test-login')?.reason).toBe('BLOCKED');
  });

  it('policy binding negated (the policy now denies): LOGIN_DENIED and POLICY_CHANGED', async () => {
    const { resources } = await record('dr-policy');
    const authentik = await authentikFor('dr-policy');
    await authentik.api.PATCH('/policies/bindings/{policy_binding_uuid}/', {
      params: { path: { policy_binding_uuid: resources.policyBindingPk as string } },
      body: { negate: true },
    });
    const result = await verified('dr-policy');
    expect(result.state).toBe('broken');
    expect(reasonsOf(result)).toMatchObject({
      'ensure-access-policy': 'POLICY_CHANGED',
      access: 'LOGIN_DENIED',
      'test-login': 'LOGIN_DENIED',
    });
  });

  it('an Authentik token that no longer works: the verification reports an error and keeps the tenant’s state', async () => {
    expect((await verified('dr-token')).state).toBe('verified');
    const { spec } = await record('dr-token');
    const wrong = 'not-the-token-0123456789abcdef';
    await fixture.clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: spec.authentik.tokenSecretArn,
        SecretString: JSON.stringify({ token: wrong }),
      }),
    );
    // The clients keep a token for a while, as a warm Lambda does: a fresh set reads the new one.
    const { worldStepClients } = await import('#local/world-clients.ts');
    const fresh = worldStepClients(fixture.world.endpoints);
    try {
      const result = await verifyTenant('dr-token', fresh);
      expect(result).toMatchObject({ state: 'error', previousState: 'verified', changed: false });
      expect(result.error?.name).toBe('AuthentikAuthError');
      expect(JSON.stringify(result)).not.toContain(wrong);
      const stored = (await record('dr-token')).lastVerification as StoredVerification;
      expect(stored).toMatchObject({ outcome: 'failed', state: 'verified' });
    } finally {
      fresh.cognito.destroy();
      fresh.secrets.destroy();
    }
  });
});
