// The preflight against the local world: the Authentik emulator and the strict Cognito layer in
// front of moto. Every case proves it wrote nothing on either side, by the servers' own request logs.
import {
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { AuthentikAuthError, ConflictError, PreconditionError } from '#lib/errors.ts';
import { putSecret } from '#lib/secrets.ts';
import { localDeployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { createApiToken } from '#local/authentik/server.ts';
import { LOCAL_SECRET_PREFIX } from '#local/world-clients.ts';
import { apply, check } from '../../functions/validate-tenant/core.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();

function writes() {
  return {
    authentik: fixture.world.authentik.requests.filter((r) => r.write).length,
    cognito: fixture.world.cognito.requests.filter((r) => r.write).length,
  };
}

function requestCount() {
  return fixture.world.authentik.requests.length + fixture.world.cognito.requests.length;
}

async function specFor(tenantId: string, overrides: Record<string, unknown> = {}): Promise<TenantSpec> {
  const input = await fixture.tenant(tenantId);
  const { authentik = {}, cognito = {} } = overrides as Record<string, Record<string, unknown>>;
  return parseTenantSpec(
    {
      ...input,
      authentik: { ...(input.authentik as object), ...authentik },
      cognito: { ...(input.cognito as object), ...cognito },
    },
    localDeployment,
  );
}

async function preflightClients(spec: TenantSpec) {
  return { cognito: fixture.clients.cognito, authentik: await fixture.clients.authentik(spec) };
}

/** Runs the preflight and returns its error, checking that it wrote nothing but did ask. */
async function failingPreflight(spec: TenantSpec): Promise<Error> {
  const before = writes();
  const asked = requestCount();
  const clients = await preflightClients(spec);
  const error = await apply(spec, {}, clients).then(
    () => {
      throw new Error('expected the preflight to fail');
    },
    (e: unknown) => e as Error,
  );
  expect(writes()).toEqual(before);
  expect(requestCount()).toBeGreaterThan(asked);
  return error;
}

async function withStoredToken(tenantId: string, token: string): Promise<TenantSpec> {
  const spec = await specFor(tenantId);
  const { arn } = await putSecret(fixture.clients.secrets, {
    prefix: LOCAL_SECRET_PREFIX,
    tenantId,
    kind: 'authentik-token',
    value: { token },
  });
  return { ...spec, authentik: { ...spec.authentik, tokenSecretArn: arn } };
}

describe('validate-tenant against the local world', () => {
  it('passes a good spec, resolves the domain and redirect URI, and writes nothing anywhere', async () => {
    const spec = await specFor('preflight-good');
    const before = writes();
    const asked = requestCount();
    const result = await apply(spec, {}, await preflightClients(spec));
    const host = `preflight-good-login.auth.${fixture.world.endpoints.region}.amazoncognito.com`;
    expect(result).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { userPoolDomain: host, redirectUri: `https://${host}/oauth2/idpresponse` },
    });
    expect(writes()).toEqual(before);
    // It did look: the version, two flows, the key, the mappings, the domain.
    expect(requestCount() - asked).toBeGreaterThanOrEqual(6);
    await expect(check(spec, {}, await preflightClients(spec))).resolves.toEqual({
      outcome: 'in-sync',
      drift: [],
    });
  });

  it("names the guide's missing flow and the flows to use instead", async () => {
    const spec = await specFor('preflight-flow', {
      authentik: { authorizationFlow: 'default-authentication-flow-explicit' },
    });
    const error = await failingPreflight(spec);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(
      'Authentik has no flow with the slug "default-authentication-flow-explicit"',
    );
    expect(error.message).toContain('default-provider-authorization-explicit-consent');
    expect(error.message).toContain('default-provider-authorization-implicit-consent');
  });

  it('refuses a wrong token with AuthentikAuthError, never quoting it', async () => {
    const wrong = 'not-a-real-token-6f1d2c3b4a5e';
    const error = await failingPreflight(await withStoredToken('preflight-badtoken', wrong));
    expect(error).toBeInstanceOf(AuthentikAuthError);
    expect(error.message).toContain('refused (403');
    expect(error.message).not.toContain(wrong);
  });

  it('refuses a token whose user has no rights (it sees empty lists) with AuthentikAuthError', async () => {
    const token = createApiToken(fixture.world.authentik);
    const error = await failingPreflight(await withStoredToken('preflight-norights', token));
    expect(error).toBeInstanceOf(AuthentikAuthError);
    expect(error.message).toContain('sees no flows at all');
    expect(error.message).not.toContain(token);
  });

  it('refuses a brought user pool that does not exist', async () => {
    const missing = `${fixture.world.endpoints.region}_NoSuchPool1`;
    const spec = await specFor('preflight-nopool', { cognito: { userPoolId: missing } });
    const error = await failingPreflight(spec);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain(`user pool ${missing} (cognito.userPoolId) does not exist`);
    await expect(check(spec, {}, await preflightClients(spec))).resolves.toMatchObject({
      outcome: 'missing',
    });
  });

  it('refuses a prefix domain taken by another pool with ConflictError', async () => {
    const cognito = fixture.clients.cognito;
    const other = await cognito.send(new CreateUserPoolCommand({ PoolName: 'someone-else' }));
    const otherId = other.UserPool?.Id as string;
    await cognito.send(new CreateUserPoolDomainCommand({ Domain: 'taken-login', UserPoolId: otherId }));

    const spec = await specFor('preflight-taken', { cognito: { domainPrefix: 'taken-login' } });
    const error = await failingPreflight(spec);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain(
      `domain prefix taken-login (cognito.domainPrefix) belongs to another user pool (${otherId})`,
    );
  });

  it("resolves a brought pool's own domain, whatever prefix the spec derives", async () => {
    const cognito = fixture.clients.cognito;
    const brought = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: 'tenant-brought',
        UserPoolTags: { tenant: 'preflight-brought' },
      }),
    );
    const poolId = brought.UserPool?.Id as string;
    await cognito.send(new CreateUserPoolDomainCommand({ Domain: 'brought-login', UserPoolId: poolId }));

    const spec = await specFor('preflight-brought', { cognito: { userPoolId: poolId } });
    const before = writes();
    const result = await apply(spec, {}, await preflightClients(spec));
    const host = `brought-login.auth.${fixture.world.endpoints.region}.amazoncognito.com`;
    expect(result.resources).toEqual({
      userPoolId: poolId,
      userPoolDomain: host,
      redirectUri: `https://${host}/oauth2/idpresponse`,
    });
    expect(writes()).toEqual(before);
  });

  it('refuses a mapping to a custom attribute the pool it would create lacks, naming the field', async () => {
    const spec = await specFor('preflight-mapping', {
      cognito: { attributeMapping: { email: 'email', 'custom:tier': 'tier' } },
    });
    const error = await failingPreflight(spec);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('(cognito.attributeMapping.custom:tier)');
  });
});
