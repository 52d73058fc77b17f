// What the local hosted UI reads from and writes to the user pool, straight on moto (the strict
// layer is the API's front; the hosted UI is Cognito's own service behind it, so it needs none of
// the layer's request checks or quotas). In a world, calls wait their turn in the strict layer's
// MotoUpstream queue, so moto serves them one at a time with the layer's.

import type { MotoUpstream } from '../cognito/moto-upstream.ts';
import { CognitoError } from '../cognito/protocol.ts';

export interface AppClient {
  ClientId: string;
  ClientSecret?: string;
  CallbackURLs?: string[];
  AllowedOAuthFlows?: string[];
  AllowedOAuthScopes?: string[];
  AllowedOAuthFlowsUserPoolClient?: boolean;
  SupportedIdentityProviders?: string[];
}

export interface IdentityProvider {
  ProviderName: string;
  ProviderType: string;
  ProviderDetails: Record<string, string>;
  AttributeMapping?: Record<string, string>;
}

export type Attributes = Record<string, string>;

/** A prefix domain's host (`<prefix>.auth.<region>.amazoncognito.com`) names the prefix. */
const PREFIX_HOST = /^([a-z0-9-]+)\.auth\.[a-z0-9-]+\.amazoncognito\.com$/;

export class PoolReads {
  private readonly authorization: string;
  /** Federated name → moto's name for the user, where moto could not take the federated one. */
  private readonly links = new Map<string, string>();

  constructor(
    private readonly moto: MotoUpstream,
    region: string,
  ) {
    // moto keys its state by the region of the credential scope and checks no signature.
    this.authorization = `AWS4-HMAC-SHA256 Credential=local-world/20260101/${region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0`;
  }

  private call<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    return this.moto.call<T>(operation, input, this.authorization);
  }

  private async orMissing<T>(work: Promise<T>): Promise<T | undefined> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof CognitoError && /NotFound/.test(error.type)) return undefined;
      throw error;
    }
  }

  /** The pool a domain host serves: a prefix domain by its prefix, a custom domain by its name. */
  async poolOfDomain(host: string): Promise<string | undefined> {
    const domain = PREFIX_HOST.exec(host)?.[1] ?? host;
    const described = await this.call<{ DomainDescription?: { UserPoolId?: string } }>(
      'DescribeUserPoolDomain',
      { Domain: domain },
    );
    return described.DomainDescription?.UserPoolId || undefined;
  }

  async appClient(userPoolId: string, clientId: string): Promise<AppClient | undefined> {
    const described = await this.orMissing(
      this.call<{ UserPoolClient?: AppClient }>('DescribeUserPoolClient', {
        UserPoolId: userPoolId,
        ClientId: clientId,
      }),
    );
    return described?.UserPoolClient;
  }

  async identityProvider(userPoolId: string, name: string): Promise<IdentityProvider | undefined> {
    const described = await this.orMissing(
      this.call<{ IdentityProvider?: IdentityProvider }>('DescribeIdentityProvider', {
        UserPoolId: userPoolId,
        ProviderName: name,
      }),
    );
    return described?.IdentityProvider;
  }

  /** The attributes the pool's schema marks required, and those that stand in for a username. */
  async poolFacts(userPoolId: string): Promise<{ required: string[]; usernameAttributes: string[] }> {
    const described = await this.call<{
      UserPool?: {
        SchemaAttributes?: { Name?: string; Required?: boolean }[];
        UsernameAttributes?: string[];
      };
    }>('DescribeUserPool', { UserPoolId: userPoolId });
    const required = (described.UserPool?.SchemaAttributes ?? [])
      .filter((attribute) => attribute.Required === true && attribute.Name && attribute.Name !== 'sub')
      .map((attribute) => attribute.Name as string);
    return { required, usernameAttributes: described.UserPool?.UsernameAttributes ?? [] };
  }

  /** A user's attributes, by the name Cognito gives it (a federated user's `<ProviderName>_<sub>`). */
  async user(userPoolId: string, username: string): Promise<Attributes | undefined> {
    const found = await this.orMissing(
      this.call<{ UserAttributes?: { Name: string; Value?: string }[] }>('AdminGetUser', {
        UserPoolId: userPoolId,
        Username: this.links.get(`${userPoolId}/${username}`) ?? username,
      }),
    );
    if (!found) return undefined;
    return Object.fromEntries((found.UserAttributes ?? []).map((a) => [a.Name, a.Value ?? '']));
  }

  /**
   * Creates the federated user `<ProviderName>_<sub>`, or brings its attributes up to what the IdP
   * sent this time. In a pool whose users sign in with their email (UsernameAttributes), moto's
   * AdminCreateUser takes only an email or phone number as the username and names the user by a
   * GUID; the user is then created by its email and linked to its federated name here, and the
   * tokens still carry the federated name as Cognito's do.
   */
  async saveFederatedUser(
    userPoolId: string,
    username: string,
    attributes: Attributes,
    usernameAttributes: readonly string[],
  ): Promise<void> {
    const list = Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));
    const existing = await this.user(userPoolId, username);
    if (existing) {
      if (list.some(({ Name, Value }) => existing[Name] !== Value)) {
        await this.call('AdminUpdateUserAttributes', {
          UserPoolId: userPoolId,
          Username: this.links.get(`${userPoolId}/${username}`) ?? username,
          UserAttributes: list,
        });
      }
      return;
    }
    const alias = usernameAttributes.map((name) => attributes[name]).find(Boolean);
    const created = await this.call<{ User?: { Username?: string } }>('AdminCreateUser', {
      UserPoolId: userPoolId,
      Username: usernameAttributes.length > 0 && alias ? alias : username,
      UserAttributes: list,
      MessageAction: 'SUPPRESS',
    });
    const stored = created.User?.Username;
    if (stored && stored !== username) this.links.set(`${userPoolId}/${username}`, stored);
  }
}
