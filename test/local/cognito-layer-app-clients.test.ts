import {
  type CognitoIdentityProviderClient,
  CreateIdentityProviderCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  DescribeUserPoolClientCommand,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUserPool, rejectionOf, useCognitoTestWorld } from '../support/moto.ts';

// Same SDK call against moto (wrongly accepted, asserted so a moto change gets noticed) and
// through the layer (refused or handled as Cognito does).

const world = useCognitoTestWorld({ quotas: false });
let poolId: string;

beforeEach(async () => {
  poolId = await createUserPool(world.direct);
});

const createClient = (
  client: CognitoIdentityProviderClient,
  input: Partial<CreateUserPoolClientCommandInput> = {},
) => client.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ...input }));

const oauthClient: Partial<CreateUserPoolClientCommandInput> = {
  GenerateSecret: true,
  AllowedOAuthFlowsUserPoolClient: true,
  AllowedOAuthFlows: ['code'],
  AllowedOAuthScopes: ['openid', 'email'],
  CallbackURLs: ['https://app.example.com/callback'],
};

describe('UpdateUserPoolClient replaces the whole app client', () => {
  const configured: Partial<CreateUserPoolClientCommandInput> = {
    ...oauthClient,
    AllowedOAuthFlows: ['code', 'implicit'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
    CallbackURLs: ['https://app.example.com/callback', 'http://localhost:3000/callback'],
    LogoutURLs: ['https://app.example.com/bye'],
    DefaultRedirectURI: 'https://app.example.com/callback',
    SupportedIdentityProviders: ['COGNITO'],
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
    AccessTokenValidity: 15,
    IdTokenValidity: 20,
    RefreshTokenValidity: 7,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    ReadAttributes: ['email'],
    WriteAttributes: ['email'],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: false,
    AuthSessionValidity: 10,
  };

  const renameOnly = async (client: CognitoIdentityProviderClient): Promise<UserPoolClientType> => {
    const { UserPoolClient } = await createClient(world.direct, configured);
    const clientId = UserPoolClient?.ClientId;
    await client.send(
      new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId, ClientName: 'renamed' }),
    );
    const described = await client.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    if (!described.UserPoolClient) throw new Error('no client described');
    return described.UserPoolClient;
  };

  it('moto keeps every setting the update leaves out', async () => {
    const client = await renameOnly(world.direct);
    const { GenerateSecret: _, ...settings } = configured;
    expect(client).toMatchObject({ ...settings, ClientName: 'renamed' });
  });

  it('through the layer every omitted setting is back to its default', async () => {
    const client = await renameOnly(world.strict);
    expect(client.ClientName).toBe('renamed');
    expect(client).toMatchObject({
      RefreshTokenValidity: 30,
      AllowedOAuthFlowsUserPoolClient: false,
      EnableTokenRevocation: true,
      EnablePropagateAdditionalUserContextData: false,
      AuthSessionValidity: 3,
      // The UpdateUserPoolClient reference: without ExplicitAuthFlows the client supports these
      // three, and PreventUserExistenceErrors defaults to LEGACY.
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'],
      PreventUserExistenceErrors: 'LEGACY',
    });
    for (const omitted of [
      'AllowedOAuthFlows',
      'AllowedOAuthScopes',
      'CallbackURLs',
      'LogoutURLs',
      'DefaultRedirectURI',
      'SupportedIdentityProviders',
      'AccessTokenValidity',
      'IdTokenValidity',
      'TokenValidityUnits',
      'ReadAttributes',
      'WriteAttributes',
    ] as const) {
      expect(client[omitted], omitted).toBeUndefined();
    }
    // The secret is not a setting: it stays.
    expect(client.ClientSecret).toEqual(expect.any(String));
  });

  it('keeps the name when the update leaves it out, and sets what the update gives', async () => {
    const { UserPoolClient } = await createClient(world.strict, { ClientName: 'named' });
    await world.strict.send(
      new UpdateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientId: UserPoolClient?.ClientId,
        RefreshTokenValidity: 5,
      }),
    );
    const described = await world.strict.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: UserPoolClient?.ClientId }),
    );
    expect(described.UserPoolClient).toMatchObject({ ClientName: 'named', RefreshTokenValidity: 5 });
  });

  it('an unknown app client is ResourceNotFoundException', async () => {
    const error = await rejectionOf(
      world.strict.send(
        new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'nope', ClientName: 'x' }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('SupportedIdentityProviders', () => {
  it('naming an identity provider the pool lacks: moto accepts it, the layer refuses as Cognito does', async () => {
    const input = { ...oauthClient, SupportedIdentityProviders: ['COGNITO', 'authentik'] };
    await expect(createClient(world.direct, input)).resolves.toBeDefined();
    const error = await rejectionOf(createClient(world.strict, input));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe(`The provider authentik does not exist for User Pool ${poolId}`);
  });

  it('on update as well', async () => {
    const { UserPoolClient } = await createClient(world.direct, oauthClient);
    const update = (client: CognitoIdentityProviderClient) =>
      client.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientId: UserPoolClient?.ClientId,
          ...oauthClient,
          SupportedIdentityProviders: ['COGNITO', 'Google'],
        }),
      );
    await expect(update(world.direct)).resolves.toBeDefined();
    const error = await rejectionOf(update(world.strict));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('The provider Google does not exist');
  });

  it('accepts COGNITO and providers that exist in the pool', async () => {
    await world.direct.send(
      new CreateIdentityProviderCommand({
        UserPoolId: poolId,
        ProviderName: 'authentik',
        ProviderType: 'OIDC',
        ProviderDetails: {
          client_id: 'x',
          authorize_scopes: 'openid',
          oidc_issuer: 'https://x/',
          attributes_request_method: 'GET',
        },
      }),
    );
    const { UserPoolClient } = await createClient(world.strict, {
      ...oauthClient,
      SupportedIdentityProviders: ['COGNITO', 'authentik'],
    });
    expect(UserPoolClient?.SupportedIdentityProviders).toEqual(['COGNITO', 'authentik']);
  });
});

describe('OAuth settings', () => {
  it('a flow outside code/implicit/client_credentials is refused', async () => {
    const input = { ...oauthClient, AllowedOAuthFlows: ['password' as never] };
    await expect(createClient(world.direct, input)).resolves.toBeDefined();
    const error = await rejectionOf(createClient(world.strict, input));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('the code flow without a callback URL is refused', async () => {
    const input = { ...oauthClient, CallbackURLs: [] };
    await expect(createClient(world.direct, input)).resolves.toBeDefined();
    const error = await rejectionOf(createClient(world.strict, input));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain('CallbackURLs');
  });

  it('an update that drops the callback URLs of a code-flow client is refused', async () => {
    const { UserPoolClient } = await createClient(world.strict, oauthClient);
    const error = await rejectionOf(
      world.strict.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientId: UserPoolClient?.ClientId,
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: ['openid'],
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterException');
  });

  it.each([
    ['plain http off localhost', { CallbackURLs: ['http://app.example.com/callback'] }],
    [
      'plain http on 127.0.0.1 (Cognito allows only http://localhost)',
      { CallbackURLs: ['http://127.0.0.1:3000/cb'] },
    ],
    ['a fragment', { CallbackURLs: ['https://app.example.com/callback#x'] }],
    ['a relative URL', { CallbackURLs: ['/callback'] }],
    ['a plain-http logout URL', { LogoutURLs: ['http://app.example.com/bye'] }],
    [
      'a default redirect outside the callback URLs',
      { DefaultRedirectURI: 'https://elsewhere.example.com/' },
    ],
  ])('a client with %s is refused', async (_, urls) => {
    const input = { ...oauthClient, ...urls };
    await expect(createClient(world.direct, input)).resolves.toBeDefined();
    const error = await rejectionOf(createClient(world.strict, input));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('accepts https, http://localhost and app schemes', async () => {
    const { UserPoolClient } = await createClient(world.strict, {
      ...oauthClient,
      CallbackURLs: ['https://app.example.com/cb', 'http://localhost:3000/cb', 'myapp://callback'],
      LogoutURLs: ['http://localhost:3000/'],
    });
    expect(UserPoolClient?.CallbackURLs).toHaveLength(3);
  });
});
