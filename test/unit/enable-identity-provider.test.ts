import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  InvalidParameterException,
  LimitExceededException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientUpdateInput, UPDATABLE_CLIENT_FIELDS } from '#lib/cognito.ts';
import { LimitExceededError, PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy, withProvider } from '../../functions/enable-identity-provider/core.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const clients = { cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }) };
const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };

const POOL_ID = 'eu-west-1_Pool1';
const CLIENT_ID = 'tenantclient1';
const NAME = 'authentik-acme';

const spec = parseTenantSpec(
  {
    tenantId: 'acme',
    authentik: {
      baseUrl: 'https://authentik.example.com',
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { userPoolId: POOL_ID, appClientId: CLIENT_ID },
  },
  deployment,
);
const resources: Resources = { userPoolId: POOL_ID, appClientId: CLIENT_ID, identityProviderName: NAME };

/** A tenant's app client with a non-default value in every field, and another IdP already listed. */
function tenantClient(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: POOL_ID,
    ClientId: CLIENT_ID,
    ClientName: 'acme-web',
    ClientSecret: 'tenant-client-secret-never-sent',
    ClientType: 'confidential' as UserPoolClientType['ClientType'],
    CreationDate: new Date('2025-01-01T00:00:00Z'),
    LastModifiedDate: new Date('2025-06-01T00:00:00Z'),
    RefreshTokenValidity: 7,
    AccessTokenValidity: 2,
    IdTokenValidity: 3,
    TokenValidityUnits: { AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'days' },
    ReadAttributes: ['email', 'name', 'custom:plan'],
    WriteAttributes: ['name'],
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
    SupportedIdentityProviders: ['COGNITO', 'Google'],
    CallbackURLs: ['https://app.acme.example/cb', 'http://localhost:3000/cb'],
    LogoutURLs: ['https://app.acme.example/'],
    DefaultRedirectURI: 'https://app.acme.example/cb',
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
    AllowedOAuthFlowsUserPoolClient: true,
    AnalyticsConfiguration: {
      ApplicationArn: 'arn:aws:mobiletargeting:eu-west-1:123456789012:apps/abc',
      RoleArn: 'arn:aws:iam::123456789012:role/analytics',
      UserDataShared: true,
    },
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    EnablePropagateAdditionalUserContextData: true,
    AuthSessionValidity: 10,
    RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 30 },
    ...overrides,
  };
}

/** Everything the tenant set, written back as it was: the UpdateUserPoolClient payload minus the providers. */
const carriedOver = {
  UserPoolId: POOL_ID,
  ClientId: CLIENT_ID,
  ClientName: 'acme-web',
  RefreshTokenValidity: 7,
  AccessTokenValidity: 2,
  IdTokenValidity: 3,
  TokenValidityUnits: { AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'days' },
  ReadAttributes: ['email', 'name', 'custom:plan'],
  WriteAttributes: ['name'],
  ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
  CallbackURLs: ['https://app.acme.example/cb', 'http://localhost:3000/cb'],
  LogoutURLs: ['https://app.acme.example/'],
  DefaultRedirectURI: 'https://app.acme.example/cb',
  AllowedOAuthFlows: ['code'],
  AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
  AllowedOAuthFlowsUserPoolClient: true,
  AnalyticsConfiguration: {
    ApplicationArn: 'arn:aws:mobiletargeting:eu-west-1:123456789012:apps/abc',
    RoleArn: 'arn:aws:iam::123456789012:role/analytics',
    UserDataShared: true,
  },
  PreventUserExistenceErrors: 'ENABLED',
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: true,
  AuthSessionValidity: 10,
  RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 30 },
};

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

beforeEach(() => {
  cognito.reset();
});

describe('enable-identity-provider apply', () => {
  it('writes the whole client back with the provider added, then reads it again', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolvesOnce({ UserPoolClient: tenantClient() })
      .resolves({
        UserPoolClient: tenantClient({ SupportedIdentityProviders: ['COGNITO', 'Google', NAME] }),
      });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
    const result = await apply(spec, resources, clients);
    expect(result).toEqual({ outcome: 'updated', writes: 1, resources: {} });

    expect(cognito).toHaveReceivedCommandTimes(UpdateUserPoolClientCommand, 1);
    const input = cognito.commandCalls(UpdateUserPoolClientCommand)[0]?.args[0].input;
    expect(input).toEqual({ ...carriedOver, SupportedIdentityProviders: ['COGNITO', 'Google', NAME] });
    // Every updatable field is carried over, and nothing that is not updatable (the secret, dates) is sent.
    for (const field of UPDATABLE_CLIENT_FIELDS) expect(input).toHaveProperty(field);
    expect(input).not.toHaveProperty('ClientSecret');
    expect(input).not.toHaveProperty('CreationDate');
    expect(cognito).toHaveReceivedCommandTimes(DescribeUserPoolClientCommand, 2);
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolClientCommand, {
      UserPoolId: POOL_ID,
      ClientId: CLIENT_ID,
    });
  });

  it('sends zero writes when the provider and COGNITO are already listed', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: tenantClient({ SupportedIdentityProviders: [NAME, 'COGNITO'] }) });
    await expect(apply(spec, resources, clients)).resolves.toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: {},
    });
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
    expect(cognito).toHaveReceivedCommandTimes(DescribeUserPoolClientCommand, 1);
  });

  it('puts COGNITO back when the client lost it', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolvesOnce({ UserPoolClient: tenantClient({ SupportedIdentityProviders: [NAME] }) })
      .resolves({ UserPoolClient: tenantClient({ SupportedIdentityProviders: ['COGNITO', NAME] }) });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
    await apply(spec, resources, clients);
    expect(cognito).toHaveReceivedCommandWith(UpdateUserPoolClientCommand, {
      SupportedIdentityProviders: ['COGNITO', NAME],
    });
  });

  it('leaves out fields a minimal client does not have', async () => {
    const minimal: UserPoolClientType = { UserPoolId: POOL_ID, ClientId: CLIENT_ID, ClientName: 'bare' };
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolvesOnce({ UserPoolClient: minimal })
      .resolves({ UserPoolClient: { ...minimal, SupportedIdentityProviders: ['COGNITO', NAME] } });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
    await apply(spec, resources, clients);
    expect(cognito.commandCalls(UpdateUserPoolClientCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL_ID,
      ClientId: CLIENT_ID,
      ClientName: 'bare',
      SupportedIdentityProviders: ['COGNITO', NAME],
    });
  });

  it('fails as transient when the update does not show on the second read', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: tenantClient() });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
    await expect(apply(spec, resources, clients)).rejects.toThrow(TransientError);
  });

  it('says so when the app client does not exist', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());
    await expect(apply(spec, resources, clients)).rejects.toThrow(PreconditionError);
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  it('maps Cognito errors: throttling, quota, a provider Cognito does not know', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: tenantClient() });
    cognito
      .on(UpdateUserPoolClientCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(apply(spec, resources, clients)).rejects.toThrow(TransientError);
    cognito
      .on(UpdateUserPoolClientCommand)
      .rejects(new LimitExceededException({ message: 'limit', $metadata: {} }));
    await expect(apply(spec, resources, clients)).rejects.toThrow(LimitExceededError);
    cognito.on(UpdateUserPoolClientCommand).rejects(
      new InvalidParameterException({
        message: 'The provider authentik-acme does not exist for User Pool',
        $metadata: {},
      }),
    );
    await expect(apply(spec, resources, clients)).rejects.toThrow(ValidationError);
  });
});

describe('enable-identity-provider destroy', () => {
  it('unwires: removes only the provider, writing the rest back', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: tenantClient({ SupportedIdentityProviders: ['COGNITO', NAME, 'Google'] }),
    });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
    const result = await destroy(spec, resources, clients);
    expect(result).toEqual({ outcome: 'unwired', resources });
    expect(cognito.commandCalls(UpdateUserPoolClientCommand)[0]?.args[0].input).toEqual({
      ...carriedOver,
      SupportedIdentityProviders: ['COGNITO', 'Google'],
    });
  });

  it('is absent when the provider is not listed or the client is gone', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: tenantClient() });
    await expect(destroy(spec, resources, clients)).resolves.toMatchObject({ outcome: 'absent' });
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());
    await expect(destroy(spec, resources, clients)).resolves.toMatchObject({ outcome: 'absent' });
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });
});

describe('enable-identity-provider check', () => {
  it('is in sync when both COGNITO and the provider are listed', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: tenantClient({ SupportedIdentityProviders: ['COGNITO', NAME] }) });
    await expect(check(spec, resources, clients)).resolves.toEqual({ outcome: 'in-sync', drift: [] });
  });

  it('is drifted when the provider or COGNITO is missing', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: tenantClient() });
    const lostProvider = await check(spec, resources, clients);
    expect(lostProvider).toEqual({
      outcome: 'drifted',
      drift: [
        { field: 'SupportedIdentityProviders', expected: `includes ${NAME}`, actual: ['COGNITO', 'Google'] },
      ],
    });
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: tenantClient({ SupportedIdentityProviders: [NAME] }) });
    const lostCognito = await check(spec, resources, clients);
    expect(lostCognito.drift).toEqual([
      { field: 'SupportedIdentityProviders', expected: 'includes COGNITO', actual: [NAME] },
    ]);
  });

  it('is missing when the app client is gone', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());
    await expect(check(spec, resources, clients)).resolves.toMatchObject({ outcome: 'missing' });
  });
});

describe('the write-back helpers', () => {
  it('keeps every provider already listed and COGNITO first', () => {
    expect(withProvider(['Google', 'COGNITO', 'SAML1'], NAME)).toEqual(['COGNITO', 'Google', 'SAML1', NAME]);
    expect(withProvider(undefined, NAME)).toEqual(['COGNITO', NAME]);
    expect(withProvider(['COGNITO', NAME], NAME)).toEqual(['COGNITO', NAME]);
  });

  it('copies exactly the updatable fields of a described client', () => {
    const input = clientUpdateInput(tenantClient());
    expect(input).toEqual({ ...carriedOver, SupportedIdentityProviders: ['COGNITO', 'Google'] });
    expect(Object.keys(input).sort()).toEqual(['ClientId', 'UserPoolId', ...UPDATABLE_CLIENT_FIELDS].sort());
  });

  it('refuses a described client without its ids', () => {
    expect(() => clientUpdateInput({ ClientName: 'x' })).toThrow(PreconditionError);
  });
});
