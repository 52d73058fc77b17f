// Tenant-scoped Secrets Manager: each tenant's secrets through a session of the tenant-secrets role
// tagged with that tenant, assumed once per tenant while it lasts; and the Authentik token read
// only under the spec's own tenant's name, an ARN naming another tenant's refused before any request.
import 'aws-sdk-client-mock-vitest/extend';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStepClients } from '#lib/clients.ts';
import { ValidationError } from '#lib/errors.ts';
import { resolveClients } from '#lib/lambda.ts';
import { REFRESH_BEFORE_EXPIRY_MS, SESSION_SECONDS, tenantSecretsClients } from '#lib/tenant-secrets.ts';
import { parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';

const ROLE = 'arn:aws:iam::123456789012:role/federation-tenant-secrets';
const sts = mockClient(STSClient);
const secrets = mockClient(SecretsManagerClient);
const deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };

let issued = 0;
beforeEach(() => {
  // Only the clock is faked: the SDK's own credential cache and this module's read the same time.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse('2026-01-01T00:00:00Z'));
  sts.reset();
  secrets.reset();
  issued = 0;
  sts.on(AssumeRoleCommand).callsFake(() => {
    issued += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA-SESSION-${issued}`,
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + SESSION_SECONDS * 1000),
      },
    };
  });
});
afterEach(() => {
  vi.useRealTimers();
});

function scoped(functionName?: string) {
  return tenantSecretsClients(new SecretsManagerClient({ region: 'eu-west-1' }), {
    clientConfig: { region: 'eu-west-1' },
    roleArn: ROLE,
    functionName,
    sts: new STSClient({ region: 'eu-west-1' }),
  });
}

/** The credentials a client signs with (resolving them is what assumes the role). */
async function signingKey(client: SecretsManagerClient): Promise<string> {
  const provider = client.config.credentials;
  return (await provider()).accessKeyId;
}

/**
 * A parsed spec whose token ARN is then replaced, as if validation had been skipped: the client
 * code must hold on its own.
 */
function spec(tenantId: string, tokenSecretArn: string): TenantSpec {
  const parsed = parseTenantSpec(
    {
      tenantId,
      authentik: {
        baseUrl: 'https://authentik.example.com',
        tokenSecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/${tenantId}/authentik-token`,
      },
      cognito: { callbackUrls: [`https://app.${tenantId}.example/callback`] },
    },
    deployment,
  );
  return { ...parsed, authentik: { ...parsed.authentik, tokenSecretArn } };
}

describe('tenantSecretsClients', () => {
  it('assumes the tenant-secrets role with the tenant (and the function) as session tags', async () => {
    const forTenant = scoped('ensure-group');
    expect(await signingKey(forTenant('acme'))).toBe('ASIA-SESSION-1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'ensure-group-acme',
      DurationSeconds: SESSION_SECONDS,
      Tags: [
        { Key: 'tenant', Value: 'acme' },
        { Key: 'function', Value: 'ensure-group' },
      ],
    });
  });

  it('gives each tenant its own session, and assumes nothing before a request needs credentials', async () => {
    const forTenant = scoped();
    const acme = forTenant('acme');
    const beta = forTenant('beta');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
    expect(await signingKey(beta)).toBe('ASIA-SESSION-1');
    expect(await signingKey(acme)).toBe('ASIA-SESSION-2');
    const tags = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.Tags);
    expect(tags).toEqual([[{ Key: 'tenant', Value: 'beta' }], [{ Key: 'tenant', Value: 'acme' }]]);
  });

  it('assumes once per tenant until shortly before the session expires, then again', async () => {
    const forTenant = scoped('verify-tenant');
    const keys = await Promise.all([1, 2, 3].map(() => signingKey(forTenant('acme'))));
    expect(keys).toEqual(['ASIA-SESSION-1', 'ASIA-SESSION-1', 'ASIA-SESSION-1']);
    expect(forTenant('acme')).toBe(forTenant('acme'));
    // Late in the session, but before the SDK's own five-minute margin: the cached session.
    vi.setSystemTime(Date.now() + SESSION_SECONDS * 1000 - REFRESH_BEFORE_EXPIRY_MS - 1);
    expect(await signingKey(forTenant('acme'))).toBe('ASIA-SESSION-1');
    vi.setSystemTime(Date.now() + 2);
    expect(await signingKey(forTenant('acme'))).toBe('ASIA-SESSION-2');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('keeps no failed session: the next request assumes again', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({
        Credentials: {
          AccessKeyId: 'ASIA-RETRY',
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(Date.now() + SESSION_SECONDS * 1000),
        },
      });
    const forTenant = scoped();
    await expect(signingKey(forTenant('acme'))).rejects.toThrow('throttled');
    expect(await signingKey(forTenant('acme'))).toBe('ASIA-RETRY');
  });

  it('refuses a tenant id that could not be a tenant, before any request', () => {
    const forTenant = scoped();
    for (const bad of ['', 'ACME', 'acme/other', 'a*', '-acme']) {
      expect(() => forTenant(bad), bad).toThrow(ValidationError);
    }
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });

  it('without a role, every tenant gets the plain client and STS is never asked', async () => {
    const plain = new SecretsManagerClient({ region: 'eu-west-1' });
    const forTenant = tenantSecretsClients(plain, {
      clientConfig: { region: 'eu-west-1' },
      sts: new STSClient({ region: 'eu-west-1' }),
    });
    expect(forTenant('acme')).toBe(plain);
    expect(forTenant('beta')).toBe(plain);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });
});

describe('the clients a step core receives', () => {
  const clients = () =>
    createStepClients({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'function-role', secretAccessKey: 'function-role' },
      secretPrefix: 'federation',
      registryTableName: 'federation-tenants',
      deployment,
      tenantSecretsRoleArn: ROLE,
      functionName: 'ensure-group',
    });

  it('hand the core a Secrets Manager client scoped to the spec’s tenant', async () => {
    const step = clients();
    const resolved = await resolveClients(step, false)(spec('acme', 'federation/acme/authentik-token'));
    expect(resolved.secrets).toBe(step.secretsFor('acme'));
    expect(resolved.secrets).not.toBe(step.secrets);
    expect(resolved.secrets).not.toBe(step.secretsFor('beta'));
  });

  it('read the token under the tenant’s own name, through a session tagged with the tenant', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 'ak-token-1' }) });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbC123';
    await resolveClients(clients(), true)(spec('acme', arn));
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'federation/acme/authentik-token',
    });
    // The client that sent the read signs with the tenant's session, not the function's role.
    const [read] = secrets.commandCalls(GetSecretValueCommand);
    expect(await signingKey(read?.thisValue as SecretsManagerClient)).toBe('ASIA-SESSION-1');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      Tags: [
        { Key: 'tenant', Value: 'acme' },
        { Key: 'function', Value: 'ensure-group' },
      ],
    });
  });

  it('refuse a token ARN naming another tenant’s secret before any request is sent', async () => {
    const step = clients();
    const foreign = [
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token-AbC123',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/beta/oidc-client-AbC123',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/beta/authentik-token-AbC123',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/beta/authentik-token-old-AbC123',
    ];
    for (const arn of foreign) {
      const error = await step.authentik(spec('beta', arn)).catch((e: unknown) => e);
      expect(error, arn).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fields)).toEqual(['authentik.tokenSecretArn']);
    }
    expect(secrets.calls()).toHaveLength(0);
    expect(sts.calls()).toHaveLength(0);
  });
});
