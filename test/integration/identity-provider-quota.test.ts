// The identity-provider quota per pool is adjustable, so the product does not count against the
// default: ensure-identity-provider lets Cognito's LimitExceededException (here the strict layer's,
// with its quota lowered to one) decide, and adds what to do about it.
import { CreateIdentityProviderCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitExceededError } from '#lib/errors.ts';
import { putSecret } from '#lib/secrets.ts';
import { localDeployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { apply } from '../../functions/ensure-identity-provider/core.ts';
import {
  type CognitoTestWorld,
  createUserPool,
  discoveryDocument,
  startCognitoTestWorld,
  startDiscoveryServer,
} from '../support/moto.ts';

let world: CognitoTestWorld;
let discovery: Awaited<ReturnType<typeof startDiscoveryServer>>;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  [world, discovery] = await Promise.all([
    startCognitoTestWorld({ quotas: false, resourceLimits: { identityProvidersPerPool: 1 } }),
    startDiscoveryServer(),
  ]);
  secrets = new SecretsManagerClient({
    endpoint: world.moto.endpoint,
    region: world.moto.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  secrets?.destroy();
  await Promise.all([world?.stop(), discovery?.stop()]);
});

describe('ensure-identity-provider on a pool at its identity-provider quota', () => {
  it("fails with Cognito's LimitExceededException and says how to make room", async () => {
    const issuer = `${discovery.origin}/application/o/cognito-quota/`;
    discovery.documents.set(
      '/application/o/cognito-quota/.well-known/openid-configuration',
      discoveryDocument(issuer),
    );
    const userPoolId = await createUserPool(world.direct);
    // The pool's one allowed identity provider is someone else's.
    await world.direct.send(
      new CreateIdentityProviderCommand({
        UserPoolId: userPoolId,
        ProviderName: 'someone-else',
        ProviderType: 'OIDC',
        ProviderDetails: {
          client_id: 'x',
          authorize_scopes: 'openid',
          oidc_issuer: 'https://elsewhere.example/',
          attributes_request_method: 'GET',
        },
      }),
    );
    const spec = parseTenantSpec(
      {
        tenantId: 'quota',
        authentik: {
          baseUrl: discovery.origin,
          tokenSecretArn: `arn:aws:secretsmanager:${world.moto.region}:123456789012:secret:federation/quota/authentik-token`,
        },
        cognito: { callbackUrls: ['https://app.quota.example/cb'] },
      },
      localDeployment,
    );
    const { arn } = await putSecret(secrets, {
      prefix: 'federation',
      tenantId: 'quota',
      kind: 'oidc-client',
      value: { client_id: 'quota-client', client_secret: 'quota-secret-value' },
    });
    const resources = { userPoolId, issuer, oidcClientSecretArn: arn };

    const error = await apply(spec, resources, { cognito: world.strict, secrets }).then(
      () => new Error('expected the quota to refuse the identity provider'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toContain('CreateIdentityProvider: LimitExceededException');
    expect(error.message).toContain('raise the quota "Identity providers per user pool"');
    expect(error.message).not.toContain('quota-secret-value');
  });
});
