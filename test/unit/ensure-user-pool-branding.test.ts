import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  CreateManagedLoginBrandingCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DeleteManagedLoginBrandingCommand,
  DescribeManagedLoginBrandingByClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  ManagedLoginBrandingExistsException,
  ResourceNotFoundException,
  UpdateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SERVICE_NAME } from '#lib/logger.ts';
import { type Deployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { apply, destroy } from '../../functions/ensure-user-pool/core.ts';

// The domain's ManagedLoginVersion, chosen explicitly, and the app client's branding style, which
// managed login needs before it shows any page.

const cognito = mockClient(CognitoIdentityProviderClient);
const clients = { cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }) };
const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const POOL_ID = 'eu-west-1_Pool1';
const CLIENT_ID = 'client1';

const specWith = (cognitoPart: Record<string, unknown> = {}) =>
  parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: 'https://authentik.example.com',
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
      },
      cognito: { callbackUrls: ['https://app.acme.example/cb'], ...cognitoPart },
    },
    deployment,
  );
const brought = specWith({ userPoolId: POOL_ID, appClientId: CLIENT_ID });
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });
const writes = () =>
  cognito
    .calls()
    .map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''))
    .filter((name) => /^(Create|Update|Delete)/.test(name));

beforeEach(() => {
  cognito.reset();
  cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: CLIENT_ID } });
  cognito.on(DescribeManagedLoginBrandingByClientCommand).rejects(notFound());
  cognito
    .on(CreateManagedLoginBrandingCommand)
    .resolves({ ManagedLoginBranding: { ManagedLoginBrandingId: 'style1' } });
});

describe('a new pool', () => {
  beforeEach(() => {
    cognito.on(ListUserPoolsCommand).resolves({ UserPools: [] });
    cognito.on(DescribeUserPoolDomainCommand).resolves({ DomainDescription: {} });
    cognito.on(CreateUserPoolDomainCommand).resolves({});
    cognito.on(ListUserPoolClientsCommand).resolves({ UserPoolClients: [] });
    cognito.on(CreateUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: CLIENT_ID } });
  });

  it('on the Lite plan gets the classic hosted UI, which needs no style', async () => {
    cognito.on(CreateUserPoolCommand).resolves({ UserPool: { Id: POOL_ID, UserPoolTier: 'LITE' } });
    const result = await apply(specWith(), {}, clients);
    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolDomainCommand, { ManagedLoginVersion: 1 });
    expect(cognito).not.toHaveReceivedCommand(DescribeManagedLoginBrandingByClientCommand);
    expect(result.resources).toMatchObject({ managedLoginVersion: 1 });
    expect(result.resources.managedLoginBrandingId).toBeUndefined();
  });
});

describe("the tenant's pool and app client", () => {
  const pool = (domain: string) => ({
    UserPool: { Id: POOL_ID, Domain: domain, UserPoolTags: { tenant: 'acme' } },
  });

  it('on managed login: the client without a style gets Cognito’s default one, recorded as ours', async () => {
    cognito.on(DescribeUserPoolCommand).resolves(pool('tenant-prefix'));
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: POOL_ID, ManagedLoginVersion: 2 } });
    const result = await apply(brought, {}, clients);
    expect(result).toMatchObject({ outcome: 'created', writes: 1 });
    expect(writes()).toEqual(['CreateManagedLoginBranding']);
    expect(result.resources).toMatchObject({
      managedLoginBrandingId: 'style1',
      created: ['managedLoginBrandingId'],
    });

    // Deprovisioning removes the style it applied, and nothing else of the tenant's.
    cognito.on(DeleteManagedLoginBrandingCommand).resolves({});
    const undone = await destroy(brought, result.resources, clients);
    expect(cognito).toHaveReceivedCommandWith(DeleteManagedLoginBrandingCommand, {
      UserPoolId: POOL_ID,
      ManagedLoginBrandingId: 'style1',
    });
    expect(undone.resources.managedLoginBrandingId).toBeUndefined();
    expect(writes()).toEqual(['CreateManagedLoginBranding', 'DeleteManagedLoginBranding']);
  });

  it('a second run finds the style and changes nothing', async () => {
    cognito.on(DescribeUserPoolCommand).resolves(pool('tenant-prefix'));
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: POOL_ID, ManagedLoginVersion: 2 } });
    cognito
      .on(DescribeManagedLoginBrandingByClientCommand)
      .resolves({ ManagedLoginBranding: { ManagedLoginBrandingId: 'style1' } });
    const recorded = { managedLoginBrandingId: 'style1', created: ['managedLoginBrandingId' as const] };
    const result = await apply(brought, recorded, clients);
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0 });
    expect(result.resources.created).toEqual(['managedLoginBrandingId']);
  });

  it('a style applied meanwhile by someone else is theirs', async () => {
    cognito.on(DescribeUserPoolCommand).resolves(pool('tenant-prefix'));
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: POOL_ID, ManagedLoginVersion: 2 } });
    cognito
      .on(CreateManagedLoginBrandingCommand)
      .rejects(new ManagedLoginBrandingExistsException({ message: 'exists', $metadata: {} }));
    cognito
      .on(DescribeManagedLoginBrandingByClientCommand)
      .rejectsOnce(notFound())
      .resolves({ ManagedLoginBranding: { ManagedLoginBrandingId: 'theirs' } });
    const result = await apply(brought, {}, clients);
    expect(result.resources).toMatchObject({ managedLoginBrandingId: 'theirs', created: [] });
  });

  it('on the classic hosted UI the tenant chose: no style, and the version is left alone', async () => {
    cognito.on(DescribeUserPoolCommand).resolves(pool('tenant-prefix'));
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: POOL_ID, ManagedLoginVersion: 1 } });
    const result = await apply(brought, {}, clients);
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0, resources: { managedLoginVersion: 1 } });
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolDomainCommand);
    expect(cognito).not.toHaveReceivedCommand(DescribeManagedLoginBrandingByClientCommand);
  });
});

describe('a domain this system made earlier', () => {
  it('is converged to managed login when it is on the classic hosted UI', async () => {
    const ours = { tenant: 'acme', 'managed-by': SERVICE_NAME };
    cognito
      .on(DescribeUserPoolCommand)
      .resolves({ UserPool: { Id: POOL_ID, Domain: 'acme-login', UserPoolTags: ours } });
    cognito
      .on(DescribeUserPoolDomainCommand)
      .resolves({ DomainDescription: { UserPoolId: POOL_ID, ManagedLoginVersion: 1 } });
    cognito.on(UpdateUserPoolDomainCommand).resolves({ ManagedLoginVersion: 2 });
    const recorded = {
      userPoolId: POOL_ID,
      appClientId: CLIENT_ID,
      created: ['userPoolId' as const, 'userPoolDomain' as const, 'appClientId' as const],
    };
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: {
        ClientId: CLIENT_ID,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email', 'profile'],
        CallbackURLs: ['https://app.acme.example/cb'],
        LogoutURLs: [],
      },
    });
    const result = await apply(specWith(), recorded, clients);
    expect(cognito).toHaveReceivedCommandWith(UpdateUserPoolDomainCommand, {
      Domain: 'acme-login',
      UserPoolId: POOL_ID,
      ManagedLoginVersion: 2,
    });
    expect(writes()).toEqual(['UpdateUserPoolDomain', 'CreateManagedLoginBranding']);
    expect(result.resources).toMatchObject({ managedLoginVersion: 2, managedLoginBrandingId: 'style1' });
  });
});
