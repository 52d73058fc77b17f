// The local world runs the deployed code path for secrets: each tenant's secrets through a session of
// the tenant-secrets role (moto's STS), assumed once per tenant, in the account the world's secrets
// are in.
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { localCredentials } from '#local/world.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld({ quotas: false });

describe('tenant secrets in the local world', () => {
  it('are read through an assumed session of the tenant-secrets role, one per tenant', async () => {
    await fixture.tenant('ts-acme');
    const scoped = fixture.clients.secretsFor('ts-acme');
    const session = await scoped.config.credentials();
    expect(session.accessKeyId).not.toBe(localCredentials.accessKeyId);
    expect(session.sessionToken).toBeTruthy();
    // The same session for the next request and for the next client asked for the tenant.
    expect(fixture.clients.secretsFor('ts-acme')).toBe(scoped);
    expect((await scoped.config.credentials()).accessKeyId).toBe(session.accessKeyId);
    expect((await fixture.clients.secretsFor('ts-beta').config.credentials()).accessKeyId).not.toBe(
      session.accessKeyId,
    );

    const sts = new STSClient({
      region: fixture.world.endpoints.region,
      endpoint: fixture.world.endpoints.secretsManager,
      credentials: session,
    });
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toMatch(
        /^arn:aws:sts::123456789012:assumed-role\/federation-tenant-secrets\/.*ts-acme$/,
      );
    } finally {
      sts.destroy();
    }

    // The token the world stored with its own credentials is there for the tenant's session.
    const read = await scoped.send(
      new GetSecretValueCommand({ SecretId: 'federation/ts-acme/authentik-token' }),
    );
    expect(JSON.parse(read.SecretString ?? '{}')).toEqual({ token: fixture.world.endpoints.authentikToken });
  });
});
