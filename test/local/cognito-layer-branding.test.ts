import {
  CreateManagedLoginBrandingCommand,
  CreateUserPoolClientCommand,
  DeleteManagedLoginBrandingCommand,
  DescribeManagedLoginBrandingByClientCommand,
  DescribeManagedLoginBrandingCommand,
  UpdateManagedLoginBrandingCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUserPool, rejectionOf, useCognitoTestWorld } from '../support/moto.ts';

// Managed login branding styles: moto lacks the operations (an HTML 500), the layer answers them
// as the API reference describes.

const world = useCognitoTestWorld({ quotas: false, resourceLimits: { brandingStylesPerPool: 2 } });
let poolId: string;
let clientId: string;

const newClient = async (name = 'app') => {
  const { UserPoolClient } = await world.direct.send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: name }),
  );
  return UserPoolClient?.ClientId as string;
};

beforeEach(async () => {
  poolId = await createUserPool(world.direct);
  clientId = await newClient();
});

const applyDefaultStyle = (client = clientId) =>
  world.strict.send(
    new CreateManagedLoginBrandingCommand({
      UserPoolId: poolId,
      ClientId: client,
      UseCognitoProvidedValues: true,
    }),
  );

describe('managed login branding', () => {
  it('moto does not implement it', async () => {
    const error = await rejectionOf(
      world.direct.send(
        new CreateManagedLoginBrandingCommand({
          UserPoolId: poolId,
          ClientId: clientId,
          UseCognitoProvidedValues: true,
        }),
      ),
    );
    expect(error.$metadata?.httpStatusCode).toBe(500);
  });

  it('a new app client has no style; once applied, it is described by client and by id', async () => {
    const before = await rejectionOf(
      world.strict.send(
        new DescribeManagedLoginBrandingByClientCommand({ UserPoolId: poolId, ClientId: clientId }),
      ),
    );
    expect(before.name).toBe('ResourceNotFoundException');

    const { ManagedLoginBranding } = await applyDefaultStyle();
    expect(ManagedLoginBranding).toMatchObject({ UserPoolId: poolId, UseCognitoProvidedValues: true });
    expect(ManagedLoginBranding?.CreationDate).toBeInstanceOf(Date);
    const id = ManagedLoginBranding?.ManagedLoginBrandingId;

    const byClient = await world.strict.send(
      new DescribeManagedLoginBrandingByClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(byClient.ManagedLoginBranding?.ManagedLoginBrandingId).toBe(id);
    const byId = await world.strict.send(
      new DescribeManagedLoginBrandingCommand({ UserPoolId: poolId, ManagedLoginBrandingId: id }),
    );
    expect(byId.ManagedLoginBranding?.ManagedLoginBrandingId).toBe(id);
  });

  it('a second style for the same client is ManagedLoginBrandingExistsException', async () => {
    await applyDefaultStyle();
    const error = await rejectionOf(applyDefaultStyle());
    expect(error.name).toBe('ManagedLoginBrandingExistsException');
  });

  it('Cognito-provided values together with Settings are refused', async () => {
    const error = await rejectionOf(
      world.strict.send(
        new CreateManagedLoginBrandingCommand({
          UserPoolId: poolId,
          ClientId: clientId,
          UseCognitoProvidedValues: true,
          Settings: { categories: {} },
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterException');
  });

  it('an app client that does not exist is ResourceNotFoundException', async () => {
    const error = await rejectionOf(applyDefaultStyle('nope'));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('styles per pool are limited (LimitExceededException)', async () => {
    await applyDefaultStyle();
    await applyDefaultStyle(await newClient('second'));
    const error = await rejectionOf(applyDefaultStyle(await newClient('third')));
    expect(error.name).toBe('LimitExceededException');
  });

  it('update keeps what it is not given, delete removes the style', async () => {
    const { ManagedLoginBranding } = await applyDefaultStyle();
    const id = ManagedLoginBranding?.ManagedLoginBrandingId;
    const updated = await world.strict.send(
      new UpdateManagedLoginBrandingCommand({ UserPoolId: poolId, ManagedLoginBrandingId: id }),
    );
    expect(updated.ManagedLoginBranding?.UseCognitoProvidedValues).toBe(true);
    await world.strict.send(
      new DeleteManagedLoginBrandingCommand({ UserPoolId: poolId, ManagedLoginBrandingId: id }),
    );
    const error = await rejectionOf(
      world.strict.send(
        new DescribeManagedLoginBrandingByClientCommand({ UserPoolId: poolId, ClientId: clientId }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});
