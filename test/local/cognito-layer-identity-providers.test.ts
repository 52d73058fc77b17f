import {
  type CognitoIdentityProviderClient,
  CreateIdentityProviderCommand,
  type CreateIdentityProviderCommandInput,
  DescribeIdentityProviderCommand,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CognitoTestWorld,
  type CognitoWorldWithIssuer,
  createUserPool,
  discoveryDocument,
  rejectionOf,
  startCognitoWorldWithIssuer,
} from '../support/moto.ts';

// Each rule runs the same SDK call twice: against moto, which wrongly accepts it (asserted, so a
// moto upgrade that fixes it gets noticed), and through the layer, which refuses it as Cognito does.

let world: CognitoTestWorld;
let discovery: CognitoWorldWithIssuer['discovery'];
let issuer: string;
let poolId: string;

let started: CognitoWorldWithIssuer | undefined;
beforeAll(async () => {
  started = await startCognitoWorldWithIssuer({ quotas: false, discoveryTimeoutMs: 1_000 });
  ({ world, discovery, issuer } = started);
});

afterAll(async () => {
  await started?.stop();
});

beforeEach(async () => {
  poolId = await createUserPool(world.direct);
});

const oidcDetails = (overrides: Record<string, string> = {}) => ({
  client_id: 'client-id',
  client_secret: 'client-secret-value',
  authorize_scopes: 'openid email profile',
  oidc_issuer: issuer,
  attributes_request_method: 'GET',
  ...overrides,
});

const createOidc = (
  client: CognitoIdentityProviderClient,
  overrides: Partial<CreateIdentityProviderCommandInput> = {},
) =>
  client.send(
    new CreateIdentityProviderCommand({
      UserPoolId: poolId,
      ProviderName: 'authentik',
      ProviderType: 'OIDC',
      ProviderDetails: oidcDetails(),
      AttributeMapping: { email: 'email' },
      ...overrides,
    }),
  );

describe('CreateIdentityProvider with a name that exists', () => {
  it('moto overwrites the provider; the layer raises DuplicateProviderException', async () => {
    await createOidc(world.direct);
    await expect(createOidc(world.direct, { AttributeMapping: { name: 'name' } })).resolves.toBeDefined();

    const error = await rejectionOf(createOidc(world.strict));
    expect(error.name).toBe('DuplicateProviderException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('provider names', () => {
  it.each([
    ['too short for the pattern', 'ab'],
    ['longer than 32 characters', 'a'.repeat(33)],
    ['starting with an underscore', '_authentik'],
    ['with a space at the start', ' authentik'],
    ['with an underscore after its second character', 'tenant_a'],
    ['with a space inside', 'tenant a'],
  ])('a name %s is accepted by moto and refused by the layer', async (_, name) => {
    await expect(createOidc(world.direct, { ProviderName: name })).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, { ProviderName: name }));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('accepts a name of 32 characters with dashes, dots and an underscore second', async () => {
    const name = `a_tenant-a.${'x'.repeat(21)}`;
    expect(name).toHaveLength(32);
    const { IdentityProvider } = await createOidc(world.strict, { ProviderName: name });
    expect(IdentityProvider?.ProviderName).toBe(name);
  });
});

describe('provider types', () => {
  it('a type outside Cognito’s list is accepted by moto and refused by the layer', async () => {
    const input = { ProviderType: 'OpenIDConnect' as never };
    await expect(createOidc(world.direct, input)).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, input));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('providerType');
  });
});

describe('OIDC provider details', () => {
  it.each(['client_id', 'authorize_scopes', 'oidc_issuer', 'attributes_request_method'])(
    'without %s: accepted by moto, refused by the layer',
    async (missing) => {
      const details: Record<string, string> = oidcDetails();
      delete details[missing];
      await expect(
        createOidc(world.direct, { ProviderName: 'lenient', ProviderDetails: details }),
      ).resolves.toBeDefined();
      const error = await rejectionOf(createOidc(world.strict, { ProviderDetails: details }));
      expect(error.name).toBe('InvalidParameterException');
      expect(error.message).toContain(missing);
    },
  );

  it('an attributes_request_method other than GET or POST is refused', async () => {
    const details = oidcDetails({ attributes_request_method: 'PUT' });
    await expect(
      createOidc(world.direct, { ProviderName: 'lenient', ProviderDetails: details }),
    ).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, { ProviderDetails: details }));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('never puts the client secret in an error message', async () => {
    const error = await rejectionOf(
      createOidc(world.strict, { ProviderDetails: oidcDetails({ attributes_request_method: 'PUT' }) }),
    );
    expect(error.message).not.toContain('client-secret-value');
  });
});

describe('OIDC discovery', () => {
  it('adds the discovered endpoints to ProviderDetails, which moto never does', async () => {
    await createOidc(world.direct, { ProviderName: 'direct' });
    const direct = await world.direct.send(
      new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'direct' }),
    );
    expect(direct.IdentityProvider?.ProviderDetails?.authorize_url).toBeUndefined();

    await createOidc(world.strict);
    const { IdentityProvider } = await world.strict.send(
      new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'authentik' }),
    );
    const document = discoveryDocument(issuer);
    expect(IdentityProvider?.ProviderDetails).toMatchObject({
      ...oidcDetails(),
      authorize_url: document.authorization_endpoint,
      token_url: document.token_endpoint,
      attributes_url: document.userinfo_endpoint,
      jwks_uri: document.jwks_uri,
      attributes_url_add_attributes: 'false',
    });
  });

  it('keeps endpoints the request gives itself', async () => {
    const details = oidcDetails({ authorize_url: 'https://login.example.com/authorize' });
    await createOidc(world.strict, { ProviderDetails: details });
    const { IdentityProvider } = await world.strict.send(
      new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'authentik' }),
    );
    expect(IdentityProvider?.ProviderDetails?.authorize_url).toBe('https://login.example.com/authorize');
    expect(IdentityProvider?.ProviderDetails?.token_url).toBe(discoveryDocument(issuer).token_endpoint);
  });

  it('an issuer without its trailing slash: moto accepts it, the layer finds no discovery document', async () => {
    const details = oidcDetails({ oidc_issuer: issuer.slice(0, -1) });
    await expect(
      createOidc(world.direct, { ProviderName: 'lenient', ProviderDetails: details }),
    ).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, { ProviderDetails: details }));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('tenant-a.well-known/openid-configuration');
  });

  it('a discovery document naming another issuer is refused', async () => {
    const other = `${discovery.origin}/application/o/tenant-b/`;
    discovery.documents.set('/application/o/tenant-b/.well-known/openid-configuration', {
      ...discoveryDocument(other),
      issuer: `${discovery.origin}/application/o/someone-else/`,
    });
    const details = oidcDetails({ oidc_issuer: other });
    await expect(
      createOidc(world.direct, { ProviderName: 'lenient', ProviderDetails: details }),
    ).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, { ProviderDetails: details }));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('does not match oidc_issuer');
  });

  it('an unreachable issuer is refused', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const details = oidcDetails({ oidc_issuer: 'http://127.0.0.1:9/application/o/tenant-a/' });
    await expect(
      createOidc(world.direct, { ProviderName: 'lenient', ProviderDetails: details }),
    ).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, { ProviderDetails: details }));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('Unable to read the OIDC discovery document');
  });

  it('a plain-http issuer off loopback is refused without being fetched', async () => {
    const details = oidcDetails({ oidc_issuer: 'http://auth.example.com/application/o/tenant-a/' });
    await expect(
      createOidc(world.direct, { ProviderName: 'lenient', ProviderDetails: details }),
    ).resolves.toBeDefined();
    const error = await rejectionOf(createOidc(world.strict, { ProviderDetails: details }));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('https');
  });

  it('UpdateIdentityProvider discovers again and refuses an issuer that does not match', async () => {
    await createOidc(world.strict);
    const update = (client: CognitoIdentityProviderClient) =>
      client.send(
        new UpdateIdentityProviderCommand({
          UserPoolId: poolId,
          ProviderName: 'authentik',
          ProviderDetails: oidcDetails({ oidc_issuer: issuer.slice(0, -1) }),
        }),
      );
    await expect(update(world.direct)).resolves.toBeDefined();
    // Put the provider back as the layer created it before updating through the layer.
    await world.direct.send(
      new UpdateIdentityProviderCommand({
        UserPoolId: poolId,
        ProviderName: 'authentik',
        ProviderDetails: oidcDetails(),
      }),
    );
    const error = await rejectionOf(update(world.strict));
    expect(error.name).toBe('InvalidParameterException');

    await world.strict.send(
      new UpdateIdentityProviderCommand({
        UserPoolId: poolId,
        ProviderName: 'authentik',
        ProviderDetails: oidcDetails({ authorize_scopes: 'openid email' }),
      }),
    );
    const { IdentityProvider } = await world.strict.send(
      new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'authentik' }),
    );
    expect(IdentityProvider?.ProviderDetails).toMatchObject({
      authorize_scopes: 'openid email',
      jwks_uri: discoveryDocument(issuer).jwks_uri,
    });
  });

  it('UpdateIdentityProvider on a provider that does not exist is ResourceNotFoundException', async () => {
    const error = await rejectionOf(
      world.strict.send(
        new UpdateIdentityProviderCommand({
          UserPoolId: poolId,
          ProviderName: 'nobody',
          ProviderDetails: oidcDetails(),
        }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});
