// What the checks look at, read once per verification however many checks need it: the Cognito
// user pool, identity provider and app client, the Authentik provider and test user, the discovery
// document and the key set. Names come from the recorded resources first (what provisioning made),
// then from the spec.
import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  type IdentityProviderType,
  type UserPoolClientType,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { authentikFetch } from '#lib/authentik/pinned-transport.ts';
import { findProviderByName, getProvider, type OAuth2Provider } from '#lib/authentik/providers.ts';
import { findUserByUsername, getUser, type User } from '#lib/authentik/users.ts';
import type { Deployment } from '#lib/authentik-address.ts';
import { cognitoFind, redirectUriFor } from '#lib/cognito.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { type DiscoveryResult, fetchDiscovery } from './discovery.ts';
import { fetchKeySet, type KeySetResult } from './key-set.ts';

export interface VerifyClients {
  cognito: CognitoIdentityProviderClient;
  secrets: SecretsManagerClient;
  authentik: AuthentikClient;
  /** Finds the test user's password secret when its ARN was not recorded. */
  secretPrefix?: string;
  /**
   * Discovery, key set, token endpoint and the logins (default: the pinned transport of
   * `deployment`, which connects only to addresses the deployment allows).
   */
  fetch?: typeof fetch;
  /** The SSRF boundary of the default transport (default: public addresses only). */
  deployment?: Deployment;
  /** Per HTTP request of the discovery and the headless login (default 5 s). */
  timeoutMs?: number;
  /** The pool's domain serves Cognito's hosted UI (a deployment; the local world has none). */
  hostedUi?: boolean;
}

/** The names of what provisioning made, as far as they are known. */
export interface Target {
  userPoolId?: string;
  appClientId?: string;
  identityProviderName: string;
  domain?: string;
  /** `https://<domain>/oauth2/idpresponse`: where Authentik sends the browser back to Cognito. */
  redirectUri?: string;
  /** The Authentik application's issuer, `https://<host>/application/o/<slug>/`. */
  issuer: string;
}

type CognitoNameFields = 'userPoolId' | 'appClientId' | 'identityProviderName';

/**
 * The Cognito names a tenant's federation lives under: what provisioning recorded, else what the
 * spec brought. Partial inputs are enough (the listing reads only these fields).
 */
export function cognitoNamesOf(
  spec: { cognito?: Partial<Pick<TenantSpec['cognito'], CognitoNameFields>> } | undefined,
  resources: Partial<Pick<Resources, CognitoNameFields>> | undefined,
): Partial<Pick<Target, CognitoNameFields>> {
  const userPoolId = resources?.userPoolId ?? spec?.cognito?.userPoolId;
  const appClientId = resources?.appClientId ?? spec?.cognito?.appClientId;
  const identityProviderName = resources?.identityProviderName ?? spec?.cognito?.identityProviderName;
  return {
    ...(userPoolId ? { userPoolId } : {}),
    ...(appClientId ? { appClientId } : {}),
    ...(identityProviderName ? { identityProviderName } : {}),
  };
}

export function targetOf(spec: TenantSpec, resources: Resources): Target {
  const { userPoolId, appClientId } = cognitoNamesOf(spec, resources);
  const domain = resources.userPoolDomain ?? spec.cognito.customDomain;
  const redirectUri = resources.redirectUri ?? (domain ? redirectUriFor(domain) : undefined);
  return {
    ...(userPoolId ? { userPoolId } : {}),
    ...(appClientId ? { appClientId } : {}),
    identityProviderName: resources.identityProviderName ?? spec.cognito.identityProviderName,
    ...(domain ? { domain } : {}),
    ...(redirectUri ? { redirectUri } : {}),
    issuer: resources.issuer ?? `${spec.authentik.baseUrl}/application/o/${spec.authentik.applicationSlug}/`,
  };
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

export class VerificationContext {
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
