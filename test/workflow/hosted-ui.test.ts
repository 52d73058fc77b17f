// The hosted-UI leg of the in-depth verification in the local world: authorize → Authentik login
// as the test user → idpresponse → the app's callback with a code → /oauth2/token → the ID token's
// email is the test user's. Then drift that only this leg catches in Cognito's own words: a client
// secret rotated in Authentik only, an issuer that differs by a slash, a mapping to an attribute the
// IdP does not send. Tenants are provisioned by the real provision machine.
import {
  DescribeIdentityProviderCommand,
  ListUsersCommand,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyTenant } from '#lib/verification/tenant.ts';
import type { TenantVerification } from '#lib/verification/types.ts';
import { hostedUiBaseUrl } from '../../local/world.ts';
import { dropIssuerSlashInMoto } from '../support/drift.ts';
import { provisionTenants, registeredTenants } from '../support/tenants.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
const TENANTS = ['hu-control', 'hu-secret', 'hu-issuer', 'hu-mapping'] as const;

beforeAll(async () => {
  await provisionTenants(fixture, TENANTS, 2);
}, 180_000);

const { record } = registeredTenants(fixture);

async function secretsOf(tenantId: string): Promise<string[]> {
  const { resources } = await record(tenantId);
  const values: string[] = [];
  for (const id of [resources.oidcClientSecretArn, resources.testUserPasswordSecretArn]) {
    const read = await fixture.clients.secrets.send(new GetSecretValueCommand({ SecretId: id }));
    const parsed = JSON.parse(read.SecretString ?? '{}') as Record<string, string>;
    values.push(parsed.client_secret ?? parsed.password ?? '');
  }
  return values.filter(Boolean);
}

async function verified(tenantId: string, extraSecrets: string[] = []): Promise<TenantVerification> {
  const result = await verifyTenant(tenantId, {
    ...fixture.clients,
    hostedUiBaseUrl: hostedUiBaseUrl(fixture.world.endpoints),
  });
  for (const secret of [...(await secretsOf(tenantId)), ...extraSecrets]) {
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(await record(tenantId))).not.toContain(secret);
  }
  return result;
}

/**
 * The pool's users (provisioning makes none: the test user lives in Authentik), with their email,
 * read from moto.
 */
async function federatedUsers(tenantId: string) {
  const { resources } = await record(tenantId);
  const listed = await fixture.observer.send(new ListUsersCommand({ UserPoolId: resources.userPoolId }));
  return (listed.Users ?? []).map((user) => ({
    email: user.Attributes?.find((a) => a.Name === 'email')?.Value,
  }));
}

const hostedUiCheckOf = (result: TenantVerification) =>
  result.report?.checks.find((check) => check.id === 'hosted-ui-login');

describe('the hosted-UI leg in the local world', () => {
  it('signs the test user in through the hosted UI: every check passes, none is not-applicable', async () => {
    const result = await verified('hu-control');
    expect(result.failing).toEqual([]);
    expect(hostedUiCheckOf(result)).toMatchObject({ status: 'pass' });
    const { spec } = await record('hu-control');
    const email = (spec as { authentik: { testUser: { email: string } } }).authentik.testUser.email;
    expect(hostedUiCheckOf(result)?.message).toContain(email);
    expect(result.report?.checks.filter((c) => c.status === 'not-applicable')).toEqual([]);
    const served = fixture.world.hostedUi.requests.map(
      (r) => `${r.method} ${r.endpoint.split('/').slice(2).join('/')} ${r.status}`,
    );
    expect(served).toEqual(
      expect.arrayContaining([
        'GET oauth2/authorize 302',
        'GET oauth2/idpresponse 302',
        'POST oauth2/token 200',
      ]),
    );
    // The federated user Cognito made, with the mapped email; its ID token names it
    // <ProviderName>_<Authentik's sub> (asserted in test/local/hosted-ui.test.ts).
    expect(await federatedUsers('hu-control')).toEqual([{ email }]);
  });

  it('a second sign-in updates the same federated user, and still passes', async () => {
    const result = await verified('hu-control');
    expect(hostedUiCheckOf(result)).toMatchObject({ status: 'pass' });
    expect(await federatedUsers('hu-control')).toHaveLength(1);
  });
});

describe('drift only the hosted-UI leg catches, with the reason Cognito’s error points to', () => {
  it("client secret rotated in Authentik only: Authentik refuses Cognito's exchange (invalid_client)", async () => {
    const { resources } = await record('hu-secret');
    const provider = fixture.world.authentik.store.providers.get(resources.providerPk as number);
    if (!provider) throw new Error('no provider');
    const rotated = 'rotated-in-authentik-hu-0123456789abcdefghijklmnopqrstuvwxyz';
    provider.client_secret = rotated;
    const result = await verified('hu-secret', [rotated]);
    expect(hostedUiCheckOf(result)).toMatchObject({ status: 'fail', reason: 'CLIENT_CREDENTIALS_REJECTED' });
    expect(JSON.stringify(hostedUiCheckOf(result)?.actual)).toMatch(/invalid_client/);
  });

  it("an issuer that differs by a slash: Cognito refuses the ID token's issuer", async () => {
    const { resources } = await record('hu-issuer');
    await dropIssuerSlashInMoto(
      fixture.observer,
      resources.userPoolId,
      resources.identityProviderName as string,
    );
    const result = await verified('hu-issuer');
    expect(hostedUiCheckOf(result)).toMatchObject({ status: 'fail', reason: 'ISSUER_MISMATCH' });
    expect(JSON.stringify(hostedUiCheckOf(result)?.actual)).toMatch(/Bad id_token issuer/);
  });

  it('email mapped to a claim Authentik does not send: the required attribute is missing', async () => {
    const { resources } = await record('hu-mapping');
    const current = await fixture.observer.send(
      new DescribeIdentityProviderCommand({
        UserPoolId: resources.userPoolId,
        ProviderName: resources.identityProviderName,
      }),
    );
    await fixture.observer.send(
      new UpdateIdentityProviderCommand({
        UserPoolId: resources.userPoolId,
        ProviderName: resources.identityProviderName,
        AttributeMapping: { ...current.IdentityProvider?.AttributeMapping, email: 'mail' },
      }),
    );
    const result = await verified('hu-mapping');
    expect(hostedUiCheckOf(result)).toMatchObject({ status: 'fail', reason: 'ATTRIBUTE_MAPPING_CHANGED' });
    expect(JSON.stringify(hostedUiCheckOf(result)?.actual)).toMatch(/email/);
    expect(await federatedUsers('hu-mapping')).toEqual([]);
  });
});
