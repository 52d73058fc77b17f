// What the checks look at, read once per verification however many checks need it: the Cognito
// user pool, identity provider and app client (and its managed login branding style), the Authentik provider and test user, the discovery
// document and the key set. Names come from the recorded resources first (what provisioning made),
// then from the spec.
import {
  DescribeIdentityProviderCommand,
  DescribeManagedLoginBrandingByClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  type IdentityProviderType,
  type ManagedLoginBrandingType,
  type UserPoolClientType,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { authentikFetch } from '#lib/authentik/pinned-transport.ts';
import { findProviderByName, getProvider, type OAuth2Provider } from '#lib/authentik/providers.ts';
import { findUserByUsername, getUser, type User } from '#lib/authentik/users.ts';
import { cognitoFind } from '#lib/cognito.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { fetchDiscovery } from './discovery.ts';
import { fetchKeySet } from './key-set.ts';
import { targetOf } from './target.ts';
import type { CheckContext, DiscoveryResult, KeySetResult, Target, VerifyClients } from './types.ts';

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

export class VerificationContext implements CheckContext {
  readonly target: Target;

  constructor(
    readonly spec: TenantSpec,
    readonly resources: Resources,
    readonly clients: VerifyClients,
  ) {
    this.target = targetOf(spec, resources);
    this.http = clients.fetch ?? authentikFetch(clients.deployment);
  }

  /** Every HTTP request of the checks goes through this (see `VerifyClients.fetch`). */
  readonly http: typeof fetch;

  readonly identityProvider = once(async (): Promise<IdentityProviderType | undefined> => {
    const { userPoolId, identityProviderName } = this.target;
    if (!userPoolId) return undefined;
    const found = await cognitoFind('DescribeIdentityProvider', () =>
      this.clients.cognito.send(
        new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: identityProviderName }),
      ),
    );
    return found?.IdentityProvider;
  });

  readonly userPool = once(async (): Promise<UserPoolType | undefined> => {
    const { userPoolId } = this.target;
    if (!userPoolId) return undefined;
    const found = await cognitoFind('DescribeUserPool', () =>
      this.clients.cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })),
    );
    return found?.UserPool;
  });

  readonly appClient = once(async (): Promise<UserPoolClientType | undefined> => {
    const { userPoolId, appClientId } = this.target;
    if (!userPoolId || !appClientId) return undefined;
    const found = await cognitoFind('DescribeUserPoolClient', () =>
      this.clients.cognito.send(
        new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: appClientId }),
      ),
    );
    return found?.UserPoolClient;
  });

  readonly managedLoginBranding = once(async (): Promise<ManagedLoginBrandingType | undefined> => {
    const { userPoolId, appClientId } = this.target;
    if (!userPoolId || !appClientId) return undefined;
    const found = await cognitoFind('DescribeManagedLoginBrandingByClient', () =>
      this.clients.cognito.send(
        new DescribeManagedLoginBrandingByClientCommand({ UserPoolId: userPoolId, ClientId: appClientId }),
      ),
    );
    return found?.ManagedLoginBranding;
  });

  /** Carries `client_secret`: read fields from it, never log or return it. */
  readonly provider = once(async (): Promise<OAuth2Provider | undefined> => {
    const pk = this.resources.providerPk;
    if (pk !== undefined) return getProvider(this.clients.authentik, pk);
    return findProviderByName(this.clients.authentik, this.spec.authentik.providerName);
  });

  readonly testUser = once(async (): Promise<User | undefined> => {
    const pk = this.resources.testUserPk;
    if (pk !== undefined) return getUser(this.clients.authentik, pk);
    return findUserByUsername(this.clients.authentik, this.spec.authentik.testUser.username);
  });

  /** The authorization code the test user's login ended with, for the ID token check (set by test-login). */
  loginCode?: string;

  readonly discovery = once(
    (): Promise<DiscoveryResult> =>
      fetchDiscovery(this.target.issuer, this.spec.authentik.baseUrl, {
        fetch: this.http,
        ...(this.clients.timeoutMs ? { timeoutMs: this.clients.timeoutMs } : {}),
      }),
  );

  readonly keySet = once((): Promise<KeySetResult> => fetchKeySet(this));
}
