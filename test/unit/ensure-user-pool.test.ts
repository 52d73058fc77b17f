import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  CreateManagedLoginBrandingCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DeleteManagedLoginBrandingCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DeleteUserPoolDomainCommand,
  DescribeManagedLoginBrandingByClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  InvalidParameterException,
  LimitExceededException,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UPDATABLE_CLIENT_FIELDS } from '#lib/cognito.ts';
import {
  ConflictError,
  LimitExceededError,
  PreconditionError,
  TransientError,
  ValidationError,
} from '#lib/errors.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import type { Resources } from '#lib/step.ts';
import { type Deployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy } from '../../functions/ensure-user-pool/core.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const clients = { cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }) };
const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };

const POOL_ID = 'eu-west-1_Pool1';
const CLIENT_ID = 'client1';
const HOST = 'acme-login.auth.eu-west-1.amazoncognito.com';
const CALLBACKS = ['https://app.acme.example/callback'];

function specWith(cognitoPart: Record<string, unknown> = {}): TenantSpec {
  return parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: 'https://authentik.example.com',
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
      },
      cognito: { callbackUrls: CALLBACKS, ...cognitoPart },
    },
    deployment,
  );
}
const spec = specWith();

const ourTags = { tenant: 'acme', 'managed-by': SERVICE_NAME };
/** How an operator tags a pool a tenant brings. */
const operatorTags = { tenant: 'acme' };
const untaggedMessage = (field: string) =>
  `user pool ${POOL_ID} is not tagged for this tenant: an operator who brings a pool tags it tenant=acme ` +
  `(aws cognito-idp tag-resource) before provisioning (${field})`;
const otherTenantMessage = (field: string) =>
  `user pool ${POOL_ID} is tagged for another tenant and cannot serve this one (${field})`;

function commandsSent(): string[] {
  return cognito.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''));
}
const STYLE_ID = 'style1';
const provisioned: Resources = {
  userPoolId: POOL_ID,
  userPoolDomain: HOST,
  redirectUri: `https://${HOST}/oauth2/idpresponse`,
  managedLoginVersion: 2,
  appClientId: CLIENT_ID,
  managedLoginBrandingId: STYLE_ID,
  created: ['userPoolId', 'userPoolDomain', 'appClientId', 'managedLoginBrandingId'],
};

/** A client with every field Cognito describes, as ensure-user-pool would have created it. */
function describedClient(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: POOL_ID,
    ClientId: CLIENT_ID,
    ClientName: 'federation-acme',
    ClientSecret: 'never-copied-client-secret',
    ClientType: 'public' as UserPoolClientType['ClientType'],
    CreationDate: new Date('2026-01-01T00:00:00Z'),
    LastModifiedDate: new Date('2026-01-02T00:00:00Z'),
    RefreshTokenValidity: 30,
    AccessTokenValidity: 60,
    IdTokenValidity: 60,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    ReadAttributes: ['email', 'name'],
    WriteAttributes: ['email'],
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    SupportedIdentityProviders: ['COGNITO', 'authentik-acme'],
    CallbackURLs: CALLBACKS,
    LogoutURLs: [],
    DefaultRedirectURI: CALLBACKS[0],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile'],
    AllowedOAuthFlowsUserPoolClient: true,
    AnalyticsConfiguration: {
      ApplicationId: 'pinpoint-app',
      RoleArn: 'arn:aws:iam::123456789012:role/a',
      UserDataShared: false,
    },
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    EnablePropagateAdditionalUserContextData: false,
    AuthSessionValidity: 5,
    RefreshTokenRotation: { Feature: 'DISABLED' },
    ...overrides,
  };
}

const WRITE_COMMAND = /^(Create|Update|Delete)/;
function writeCommandsSent(): string[] {
  return cognito
    .calls()
    .map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''))
    .filter((name) => WRITE_COMMAND.test(name));
}

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

beforeEach(() => {
  cognito.reset();
  // An existing domain is on managed login, and the app client has its style (branding.ts).
  cognito.on(DescribeUserPoolDomainCommand).resolves({
    DomainDescription: { UserPoolId: POOL_ID, Domain: 'acme-login', ManagedLoginVersion: 2 },
  });
  cognito
    .on(DescribeManagedLoginBrandingByClientCommand)
    .resolves({ ManagedLoginBranding: { ManagedLoginBrandingId: STYLE_ID } });
  cognito
    .on(CreateManagedLoginBrandingCommand)
    .resolves({ ManagedLoginBranding: { ManagedLoginBrandingId: STYLE_ID } });
});

describe('ensure-user-pool apply, nothing brought', () => {
  beforeEach(() => {
    cognito.on(ListUserPoolsCommand).resolves({ UserPools: [] });
    cognito.on(CreateUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, Name: 'federation-acme' } });
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: {} });
    cognito.on(CreateUserPoolDomainCommand).resolves({});
    cognito.on(ListUserPoolClientsCommand).resolves({ UserPoolClients: [] });
    cognito.on(CreateUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: CLIENT_ID } });
    cognito.on(DescribeManagedLoginBrandingByClientCommand).rejects(notFound());
  });

  it('creates a pool with email required, a managed-login prefix domain, a code-flow app client and its style', async () => {
    const result = await apply(spec, {}, clients);
    expect(result).toEqual({ outcome: 'created', writes: 4, resources: provisioned });

    expect(cognito).toHaveReceivedCommandWith(ListUserPoolsCommand, { MaxResults: 60 });
    const pool = cognito.commandCalls(CreateUserPoolCommand)[0]?.args[0].input;
    expect(pool).toEqual({
      PoolName: 'federation-acme',
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      DeletionProtection: 'INACTIVE',
      UserPoolTags: ourTags,
    });
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolDomainCommand, { Domain: 'acme-login' });
    // The version is chosen, not left to a default: managed login on a pool that is not Lite.
    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolDomainCommand, {
      Domain: 'acme-login',
      UserPoolId: POOL_ID,
      ManagedLoginVersion: 2,
    });
    // Cognito's default style, so the new client's managed login pages exist.
    expect(cognito).toHaveReceivedCommandWith(CreateManagedLoginBrandingCommand, {
      UserPoolId: POOL_ID,
      ClientId: CLIENT_ID,
      UseCognitoProvidedValues: true,
    });
    expect(cognito).toHaveReceivedCommandWith(ListUserPoolClientsCommand, {
      UserPoolId: POOL_ID,
      MaxResults: 60,
    });
    const client = cognito.commandCalls(CreateUserPoolClientCommand)[0]?.args[0].input;
    expect(client).toEqual({
      UserPoolId: POOL_ID,
      ClientName: 'federation-acme',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: CALLBACKS,
      LogoutURLs: [],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
  });

  it('maps throttling, quotas and invalid parameters to our errors', async () => {
    cognito
      .on(CreateUserPoolCommand)
      .rejects(new TooManyRequestsException({ message: 'slow down', $metadata: {} }));
    await expect(apply(spec, {}, clients)).rejects.toThrow(TransientError);
    cognito
      .on(CreateUserPoolCommand)
      .rejects(new LimitExceededException({ message: 'too many pools', $metadata: {} }));
    await expect(apply(spec, {}, clients)).rejects.toThrow(LimitExceededError);
    cognito
      .on(CreateUserPoolCommand)
      .rejects(new InvalidParameterException({ message: 'Invalid pool name', $metadata: {} }));
    const error = await apply(spec, {}, clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('Invalid pool name');
  });

  it('treats a network failure as transient', async () => {
    cognito
      .on(ListUserPoolsCommand)
      .rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(apply(spec, {}, clients)).rejects.toThrow(TransientError);
  });

  it('refuses a domain prefix another pool holds, before writing a domain', async () => {
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: 'eu-west-1_Other' } });
    await expect(apply(spec, {}, clients)).rejects.toThrow(ConflictError);
    expect(cognito).not.toHaveReceivedCommand(CreateUserPoolDomainCommand);
  });
});

describe('ensure-user-pool apply, a second run', () => {
  it('finds everything by the recorded ids and writes nothing', async () => {
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login', UserPoolTags: ourTags } });
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    const result = await apply(spec, provisioned, clients);
    expect(result).toEqual({ outcome: 'unchanged', writes: 0, resources: provisioned });
    expect(writeCommandsSent()).toEqual([]);
    expect(cognito).not.toHaveReceivedCommand(ListUserPoolsCommand);
  });

  it('converges a drifted app client it created by writing the whole client back', async () => {
    const drifted = describedClient({
      CallbackURLs: ['https://old.acme.example/cb'],
      AllowedOAuthScopes: ['openid'],
    });
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login', UserPoolTags: ourTags } });
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: drifted });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
    const result = await apply(spec, provisioned, clients);
    expect(result.outcome).toBe('updated');
    expect(result.writes).toBe(1);
    const input = cognito.commandCalls(UpdateUserPoolClientCommand)[0]?.args[0].input;
    expect(input).toEqual({
      UserPoolId: POOL_ID,
      ClientId: CLIENT_ID,
      ClientName: 'federation-acme',
      RefreshTokenValidity: 30,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
      ReadAttributes: ['email', 'name'],
      WriteAttributes: ['email'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      SupportedIdentityProviders: ['COGNITO', 'authentik-acme'],
      CallbackURLs: CALLBACKS,
      LogoutURLs: [],
      DefaultRedirectURI: CALLBACKS[0],
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      AllowedOAuthFlowsUserPoolClient: true,
      AnalyticsConfiguration: {
        ApplicationId: 'pinpoint-app',
        RoleArn: 'arn:aws:iam::123456789012:role/a',
        UserDataShared: false,
      },
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      EnablePropagateAdditionalUserContextData: false,
      AuthSessionValidity: 5,
      RefreshTokenRotation: { Feature: 'DISABLED' },
    });
  });

  it('recreates a domain deleted behind its back', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTags: ourTags } });
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: {} });
    cognito.on(CreateUserPoolDomainCommand).resolves({});
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    const result = await apply(spec, provisioned, clients);
    expect(result).toMatchObject({ outcome: 'created', writes: 1 });
    expect(writeCommandsSent()).toEqual(['CreateUserPoolDomain']);
  });
});

describe('ensure-user-pool apply, after a crash', () => {
  it('adopts a pool it tagged, pages through the pool list, and takes the domain that is already its', async () => {
    cognito
      .on(ListUserPoolsCommand)
      .resolvesOnce({ UserPools: [{ Id: 'eu-west-1_Else', Name: 'other' }], NextToken: 'page-2' })
      .resolves({ UserPools: [{ Id: POOL_ID, Name: 'federation-acme' }] });
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTags: ourTags } });
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: POOL_ID, ManagedLoginVersion: 2 } });
    cognito
      .on(ListUserPoolClientsCommand)
      .resolves({ UserPoolClients: [{ ClientId: CLIENT_ID, ClientName: 'federation-acme' }] });
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    const result = await apply(spec, {}, clients);
    expect(result).toEqual({ outcome: 'unchanged', writes: 0, resources: provisioned });
    expect(cognito).toHaveReceivedNthCommandWith(ListUserPoolsCommand, 2, {
      MaxResults: 60,
      NextToken: 'page-2',
    });
    expect(writeCommandsSent()).toEqual([]);
  });

  it.each([
    ['without tags', undefined, untaggedMessage],
    ['tagged by nobody for the tenant', { 'managed-by': SERVICE_NAME }, untaggedMessage],
    ['tagged for another tenant', { tenant: 'globex', 'managed-by': SERVICE_NAME }, otherTenantMessage],
  ])('refuses a same-named pool %s, writing nothing', async (_what, tags, message) => {
    cognito.on(ListUserPoolsCommand).resolves({ UserPools: [{ Id: POOL_ID, Name: 'federation-acme' }] });
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login', UserPoolTags: tags } });
    const error = await apply(spec, {}, clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(message('cognito.userPoolName'));
    expect(commandsSent()).toEqual(['ListUserPools', 'DescribeUserPool']);
  });

  it('uses a same-named pool an operator tagged for the tenant, but never as its own', async () => {
    cognito.on(ListUserPoolsCommand).resolves({ UserPools: [{ Id: POOL_ID, Name: 'federation-acme' }] });
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login', UserPoolTags: operatorTags } });
    cognito
      .on(ListUserPoolClientsCommand)
      .resolves({ UserPoolClients: [{ ClientId: CLIENT_ID, ClientName: 'federation-acme' }] });
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    const result = await apply(spec, {}, clients);
    expect(result.resources.created).toEqual([]);
    expect(writeCommandsSent()).toEqual([]);
  });

  it('refuses the pool it recorded once its tag names another tenant', async () => {
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login', UserPoolTags: { tenant: 'globex' } } });
    const error = await apply(spec, provisioned, clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(otherTenantMessage('cognito.userPoolName'));
    expect(commandsSent()).toEqual(['DescribeUserPool']);
  });

  it('refuses to guess between two pools of the same name', async () => {
    cognito.on(ListUserPoolsCommand).resolves({
      UserPools: [
        { Id: 'eu-west-1_A', Name: 'federation-acme' },
        { Id: 'eu-west-1_B', Name: 'federation-acme' },
      ],
    });
    await expect(apply(spec, {}, clients)).rejects.toThrow(ConflictError);
    expect(writeCommandsSent()).toEqual([]);
  });
});

describe('ensure-user-pool apply, a pool and client brought by the tenant', () => {
  const brought = specWith({ userPoolId: POOL_ID, appClientId: CLIENT_ID, callbackUrls: [] });

  it('records them without creating or changing anything', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({
      UserPool: {
        Id: POOL_ID,
        Domain: 'tenant-prefix',
        CustomDomain: 'login.acme.example',
        UserPoolTags: operatorTags,
      },
    });
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: describedClient({ CallbackURLs: ['https://tenant.example/cb'] }) });
    const result = await apply(brought, {}, clients);
    expect(result).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: {
        userPoolId: POOL_ID,
        userPoolDomain: 'login.acme.example',
        redirectUri: 'https://login.acme.example/oauth2/idpresponse',
        managedLoginVersion: 2,
        appClientId: CLIENT_ID,
        // The tenant's client has a style already: it stays the tenant's.
        managedLoginBrandingId: STYLE_ID,
        created: [],
      },
    });
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolCommand, { UserPoolId: POOL_ID });
    expect(cognito).not.toHaveReceivedCommand(ListUserPoolsCommand);
    expect(writeCommandsSent()).toEqual([]);
  });

  it('gives a brought pool without a domain the prefix domain of the spec', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTags: operatorTags } });
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: {} });
    cognito.on(CreateUserPoolDomainCommand).resolves({});
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    const result = await apply(brought, {}, clients);
    expect(result.resources).toMatchObject({ userPoolDomain: HOST, created: ['userPoolDomain'] });
  });

  it('says so when the brought pool does not exist', async () => {
    cognito.on(DescribeUserPoolCommand).rejects(notFound());
    await expect(apply(brought, {}, clients)).rejects.toThrow(PreconditionError);
  });

  it.each([
    ['without tags', undefined, untaggedMessage],
    ['without the tenant tag', { 'managed-by': SERVICE_NAME, owner: 'acme' }, untaggedMessage],
    ['tagged for another tenant', { tenant: 'globex' }, otherTenantMessage],
  ])('refuses a brought pool %s before anything else', async (_what, tags, message) => {
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'tenant-prefix', UserPoolTags: tags } });
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    const error = await apply(brought, {}, clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(message('cognito.userPoolId'));
    expect(commandsSent()).toEqual(['DescribeUserPool']);
  });

  it('says so when the spec names a custom domain the pool does not have', async () => {
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'tenant-prefix', UserPoolTags: operatorTags } });
    const custom = specWith({
      userPoolId: POOL_ID,
      appClientId: CLIENT_ID,
      customDomain: 'login.acme.example',
    });
    await expect(apply(custom, {}, clients)).rejects.toThrow(/custom domain login\.acme\.example/);
    expect(writeCommandsSent()).toEqual([]);
  });
});

describe('ensure-user-pool destroy', () => {
  it('deletes the style, the client, the domain and the pool it created, in that order', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTags: ourTags } });
    cognito.on(DeleteManagedLoginBrandingCommand).resolves({});
    cognito.on(DeleteUserPoolClientCommand).resolves({});
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: { UserPoolId: POOL_ID } });
    cognito.on(DeleteUserPoolDomainCommand).resolves({});
    cognito.on(DeleteUserPoolCommand).resolves({});
    const result = await destroy(spec, { ...provisioned, identityProviderName: 'authentik-acme' }, clients);
    expect(result).toEqual({
      outcome: 'deleted',
      resources: { identityProviderName: 'authentik-acme', created: [] },
    });
    expect(commandsSent()).toEqual([
      'DescribeUserPool',
      'DeleteManagedLoginBranding',
      'DeleteUserPoolClient',
      'DescribeUserPoolDomain',
      'DeleteUserPoolDomain',
      'DeleteUserPool',
    ]);
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolCommand, { UserPoolId: POOL_ID });
    expect(cognito).toHaveReceivedCommandWith(DeleteUserPoolClientCommand, {
      UserPoolId: POOL_ID,
      ClientId: CLIENT_ID,
    });
    expect(cognito).toHaveReceivedCommandWith(DeleteUserPoolDomainCommand, {
      Domain: 'acme-login',
      UserPoolId: POOL_ID,
    });
    expect(cognito).toHaveReceivedCommandWith(DeleteUserPoolCommand, { UserPoolId: POOL_ID });
  });

  it('is absent when everything it created is already gone', async () => {
    cognito.on(DeleteUserPoolClientCommand).rejects(notFound());
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: {} });
    cognito.on(DeleteUserPoolCommand).rejects(notFound());
    const result = await destroy(spec, provisioned, clients);
    expect(result.outcome).toBe('absent');
    expect(cognito).not.toHaveReceivedCommand(DeleteUserPoolDomainCommand);
  });

  it('keeps a pool and client the tenant brought', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTags: operatorTags } });
    const result = await destroy(spec, { ...provisioned, created: [] }, clients);
    expect(result).toEqual({ outcome: 'kept', resources: { ...provisioned, created: [] } });
    // One read, of the pool's tags; nothing else.
    expect(commandsSent()).toEqual(['DescribeUserPool']);
  });

  it.each([
    ['no longer tagged', undefined],
    ['tagged for another tenant now', { tenant: 'globex', 'managed-by': SERVICE_NAME }],
  ])('deletes nothing it recorded creating in a pool %s', async (_what, tags) => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTags: tags } });
    const result = await destroy(spec, provisioned, clients);
    expect(result).toEqual({ outcome: 'kept', resources: provisioned });
    expect(commandsSent()).toEqual(['DescribeUserPool']);
  });
});

describe('ensure-user-pool check', () => {
  beforeEach(() => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login' } });
  });

  it('is in sync when pool, domain and client are as created', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: describedClient() });
    await expect(check(spec, provisioned, clients)).resolves.toEqual({ outcome: 'in-sync', drift: [] });
    expect(writeCommandsSent()).toEqual([]);
  });

  it('reports drift of the created client by field', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: describedClient({
        CallbackURLs: ['https://evil.example/cb'],
        AllowedOAuthFlows: ['implicit'],
        AllowedOAuthFlowsUserPoolClient: false,
      }),
    });
    const result = await check(spec, provisioned, clients);
    expect(result.outcome).toBe('drifted');
    expect(result.drift.map((d) => d.field)).toEqual([
      'CallbackURLs',
      'AllowedOAuthFlows',
      'AllowedOAuthFlowsUserPoolClient',
    ]);
  });

  it('reports a missing domain, client or pool', async () => {
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: POOL_ID } });
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());
    const result = await check(spec, provisioned, clients);
    expect(result.outcome).toBe('missing');
    expect(result.drift.map((d) => d.field)).toEqual(['userPoolDomain', 'appClientId']);
    cognito.on(DescribeUserPoolCommand).rejects(notFound());
    await expect(check(spec, provisioned, clients)).resolves.toMatchObject({ outcome: 'missing' });
  });
});

describe('the client fixture', () => {
  it('carries every field UpdateUserPoolClient accepts, so the write-back assertion covers them all', () => {
    expect(Object.keys(describedClient())).toEqual(expect.arrayContaining(UPDATABLE_CLIENT_FIELDS));
  });
});
