import {
  type CognitoIdentityProviderClient,
  CreateIdentityProviderCommand,
  type CreateIdentityProviderCommandInput,
  CreateUserPoolCommand,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CognitoTestWorld,
  type CognitoWorldWithIssuer,
  rejectionOf,
  startCognitoWorldWithIssuer,
} from '../support/moto.ts';

// Identity-provider rules moto lacks: the issuer's scheme and port, attribute mappings to
// attributes the pool has, and the identity-provider quota per pool.

let world: CognitoTestWorld;
let issuer: string;
let poolId: string;
let pools = 0;

let started: CognitoWorldWithIssuer | undefined;
beforeAll(async () => {
  started = await startCognitoWorldWithIssuer({
    quotas: false,
    discoveryTimeoutMs: 1_000,
    resourceLimits: { identityProvidersPerPool: 2 },
  });
  ({ world, issuer } = started);
});

afterAll(async () => {
  await started?.stop();
});

beforeEach(async () => {
  // A pool with one custom attribute, as `custom:tier`.
  const { UserPool } = await world.direct.send(
    new CreateUserPoolCommand({
      PoolName: `idp-rules-${process.pid}-${++pools}`,
      Schema: [{ Name: 'tier', AttributeDataType: 'String', Mutable: true }],
    }),
  );
  poolId = UserPool?.Id as string;
});

const createOidc = (
  client: CognitoIdentityProviderClient,
  overrides: Partial<CreateIdentityProviderCommandInput> = {},
  detailOverrides: Record<string, string> = {},
) =>
  client.send(
    new CreateIdentityProviderCommand({
      UserPoolId: poolId,
      ProviderName: 'authentik',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: 'client-id',
        client_secret: 'client-secret-value',
        authorize_scopes: 'openid email',
        oidc_issuer: issuer,
        attributes_request_method: 'GET',
        ...detailOverrides,
      },
      AttributeMapping: { email: 'email' },
      ...overrides,
    }),
  );

describe('the issuer', () => {
  it.each([
    ['https on port 8443', 'https://auth.example.com:8443/application/o/tenant-a/', 'port 443'],
    ['plain http off loopback', 'http://auth.example.com/application/o/tenant-a/', 'https'],
    ['plain http on port 80 off loopback', 'http://auth.example.com:80/application/o/tenant-a/', 'https'],
  ])('%s: moto accepts it, the layer refuses it without fetching', async (_, url, message) => {
    await expect(
      createOidc(world.direct, { ProviderName: 'lenient' }, { oidc_issuer: url }),
    ).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, {}, { oidc_issuer: url }));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('discovery document');
  });

  it('https on the default port passes the rule (and fails later, at discovery, being unreachable)', async () => {
    const error = await rejectionOf(
      createOidc(world.strict, {}, { oidc_issuer: 'https://auth.invalid/application/o/tenant-a/' }),
    );
    expect(error.message).toContain('Unable to read the OIDC discovery document');
  });

  it('loopback http on its own port stays allowed: the local world lives there', async () => {
    const { IdentityProvider } = await createOidc(world.strict);
    expect(IdentityProvider?.ProviderDetails?.oidc_issuer).toBe(issuer);
  });
});

describe('attribute mappings', () => {
  it('to a custom attribute the pool lacks: moto accepts it, the layer refuses it', async () => {
    const mapping = { AttributeMapping: { email: 'email', 'custom:groups': 'groups' } };
    await expect(createOidc(world.direct, { ProviderName: 'lenient', ...mapping })).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, mapping));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('AttributeMapping contains invalid mapping: [custom:groups]');
  });

  it('to standard attributes, a custom attribute the pool has, and username is accepted', async () => {
    const mapping = { email: 'email', name: 'name', 'custom:tier': 'tier', username: 'sub' };
    const { IdentityProvider } = await createOidc(world.strict, { AttributeMapping: mapping });
    expect(IdentityProvider?.AttributeMapping).toMatchObject(mapping);
  });

  it('UpdateIdentityProvider is checked too', async () => {
    await createOidc(world.strict);
    const error = await rejectionOf(
      world.strict.send(
        new UpdateIdentityProviderCommand({
          UserPoolId: poolId,
          ProviderName: 'authentik',
          AttributeMapping: { email: 'email', emial: 'email' },
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('[emial]');
  });
});

describe('identity providers per user pool', () => {
  it('the create past the quota is LimitExceededException; moto has no quota', async () => {
    await createOidc(world.strict, { ProviderName: 'first' });
    await createOidc(world.strict, { ProviderName: 'second' });
    const error = await rejectionOf(createOidc(world.strict, { ProviderName: 'third' }));
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toContain('2 identity providers');
    await expect(createOidc(world.direct, { ProviderName: 'third' })).resolves.toBeDefined();
  });
});
