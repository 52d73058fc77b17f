import {
  type CognitoIdentityProviderClient,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUserPool, rejectionOf, useCognitoTestWorld } from '../support/moto.ts';

// OAuth rules of CreateUserPoolClient / UpdateUserPoolClient that moto lacks, and the app-client
// quota. Each sends the request as the SDK does, to moto (wrongly accepted, asserted so a moto
// change gets noticed) and through the layer (refused with Cognito's exception and message).

const world = useCognitoTestWorld({ quotas: false, resourceLimits: { appClientsPerPool: 3 } });
let poolId: string;

beforeEach(async () => {
  poolId = await createUserPool(world.direct);
});

const createClient = (
  client: CognitoIdentityProviderClient,
  input: Partial<CreateUserPoolClientCommandInput> = {},
) => client.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ...input }));

const codeClient: Partial<CreateUserPoolClientCommandInput> = {
  AllowedOAuthFlowsUserPoolClient: true,
  AllowedOAuthFlows: ['code'],
  AllowedOAuthScopes: ['openid', 'email'],
  CallbackURLs: ['https://app.example.com/callback'],
};

async function refusedAsCognito(
  input: Partial<CreateUserPoolClientCommandInput>,
  name: string,
  message: string,
) {
  await expect(createClient(world.direct, input)).resolves.toBeDefined();
  const error = await rejectionOf(createClient(world.strict, input));
  expect(error.name).toBe(name);
  expect(error.message).toBe(message);
  expect(error.$metadata?.httpStatusCode).toBe(400);
}

describe('client_credentials', () => {
  it('together with code is InvalidOAuthFlowException', async () => {
    await refusedAsCognito(
      { ...codeClient, GenerateSecret: true, AllowedOAuthFlows: ['code', 'client_credentials'] },
      'InvalidOAuthFlowException',
      'client_credentials flow can not be selected along with code flow or implicit flow.',
    );
  });

  it('together with implicit is InvalidOAuthFlowException', async () => {
    await refusedAsCognito(
      { ...codeClient, GenerateSecret: true, AllowedOAuthFlows: ['client_credentials', 'implicit'] },
      'InvalidOAuthFlowException',
      'client_credentials flow can not be selected along with code flow or implicit flow.',
    );
  });

  it('on a client without a secret is InvalidOAuthFlowException', async () => {
    await refusedAsCognito(
      {
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: ['email'],
      },
      'InvalidOAuthFlowException',
      'client_credentials flow can not be selected if client does not have a client secret.',
    );
  });

  it('alone on a client with a secret is accepted', async () => {
    const { UserPoolClient } = await createClient(world.strict, {
      GenerateSecret: true,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: ['email'],
    });
    expect(UserPoolClient?.AllowedOAuthFlows).toEqual(['client_credentials']);
  });

  it('an update that adds it to a public client is refused as well', async () => {
    const { UserPoolClient } = await createClient(world.strict, codeClient);
    const error = await rejectionOf(
      world.strict.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientId: UserPoolClient?.ClientId,
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthFlows: ['client_credentials'],
          AllowedOAuthScopes: ['email'],
        }),
      ),
    );
    expect(error.name).toBe('InvalidOAuthFlowException');
  });
});

describe('OAuth switched on', () => {
  const message =
    'AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.';

  it('without flows is refused', async () => {
    await refusedAsCognito({ ...codeClient, AllowedOAuthFlows: [] }, 'InvalidOAuthFlowException', message);
  });

  it('without scopes is refused', async () => {
    const { AllowedOAuthScopes: _, ...withoutScopes } = codeClient;
    await refusedAsCognito(withoutScopes, 'InvalidOAuthFlowException', message);
  });
});

describe('scopes', () => {
  it('a scope no resource server defines is ScopeDoesNotExistException', async () => {
    await refusedAsCognito(
      { ...codeClient, AllowedOAuthScopes: ['openid', 'https://api.example.com/read'] },
      'ScopeDoesNotExistException',
      'Invalid scope requested: https://api.example.com/read',
    );
  });

  it("a resource server's scope is accepted, and so are the standard ones", async () => {
    await world.direct.send(
      new CreateResourceServerCommand({
        UserPoolId: poolId,
        Identifier: 'https://api.example.com',
        Name: 'api',
        Scopes: [{ ScopeName: 'read', ScopeDescription: 'read' }],
      }),
    );
    const scopes = [
      'openid',
      'email',
      'phone',
      'profile',
      'aws.cognito.signin.user.admin',
      'https://api.example.com/read',
    ];
    const { UserPoolClient } = await createClient(world.strict, {
      ...codeClient,
      AllowedOAuthScopes: scopes,
    });
    expect(UserPoolClient?.AllowedOAuthScopes).toEqual(scopes);
  });

  it('an update naming a missing scope is refused', async () => {
    const { UserPoolClient } = await createClient(world.strict, codeClient);
    const error = await rejectionOf(
      world.strict.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientId: UserPoolClient?.ClientId,
          ...codeClient,
          AllowedOAuthScopes: ['openid', 'admin'],
        }),
      ),
    );
    expect(error.name).toBe('ScopeDoesNotExistException');
  });
});

describe('WriteAttributes', () => {
  it('naming an attribute the pool lacks: moto accepts it, the layer refuses it as Cognito does', async () => {
    await refusedAsCognito(
      { WriteAttributes: ['email', 'custom:tier'] },
      'InvalidParameterException',
      'Invalid write attributes specified while creating a client',
    );
  });

  it('standard attributes are writable on any pool', async () => {
    const { UserPoolClient } = await createClient(world.strict, {
      WriteAttributes: ['email', 'name', 'given_name'],
    });
    expect(UserPoolClient?.WriteAttributes).toEqual(['email', 'name', 'given_name']);
  });

  it('an update naming a missing attribute is refused', async () => {
    const { UserPoolClient } = await createClient(world.strict);
    const error = await rejectionOf(
      world.strict.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientId: UserPoolClient?.ClientId,
          WriteAttributes: ['custom:plan'],
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Invalid write attributes specified while updating a client');
  });
});

describe('app clients per user pool', () => {
  it('the create past the quota is LimitExceededException; moto has no quota', async () => {
    for (let n = 0; n < 3; n++) await createClient(world.strict, { ClientName: `app-${n}` });
    const error = await rejectionOf(createClient(world.strict, { ClientName: 'one-too-many' }));
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toContain('3 app clients');
    await expect(createClient(world.direct, { ClientName: 'one-too-many' })).resolves.toBeDefined();
  });
});
