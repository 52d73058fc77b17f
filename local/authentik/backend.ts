// What the emulator's OIDC endpoints and flow executor need from its store, and nothing more.
// The store implements it; the OIDC and flow modules only read through it, so the store stays the
// single source of truth and a change made through the REST API is seen by the next OIDC request.
// Every member may answer synchronously or with a promise.

export type Awaitable<T> = T | Promise<T>;

/** An application as OIDC sees it: its slug names the issuer. */
export interface OidcApplication {
  pk: string; // uuid
  slug: string;
  name: string;
  providerPk: number | null;
}

/** One allowed redirect URI of a provider, in Authentik's shape (RedirectURI in schema.yml). */
export interface RedirectUriRule {
  matching_mode: 'strict' | 'regex';
  url: string;
}

export type SubMode =
  | 'hashed_user_id'
  | 'user_id'
  | 'user_uuid'
  | 'user_username'
  | 'user_email'
  | 'user_upn';

/** An OAuth2/OpenID provider, flattened to what the token and authorize endpoints use. */
export interface OidcProvider {
  pk: number;
  name: string;
  clientId: string;
  clientSecret: string;
  clientType: 'confidential' | 'public';
  redirectUris: RedirectUriRule[];
  authorizationFlowSlug: string;
  /** The provider's own authentication flow; when null or absent, the brand's default (default-authentication-flow). */
  authenticationFlowSlug?: string | null;
  invalidationFlowSlug: string | null;
  /** Certificate key pair uuid; without one Authentik signs HS256 with the client secret. */
  signingKeyPk: string | null;
  /** The `scope_name` of each of the provider's scope mappings, e.g. openid, email, profile. */
  scopeNames: string[];
  subMode: SubMode;
  issuerMode: 'global' | 'per_provider';
  /** Authentik timedelta strings such as "minutes=1"; Authentik's defaults apply when absent. */
  accessCodeValidity?: string;
  accessTokenValidity?: string;
  refreshTokenValidity?: string;
  /** Authentik's `include_claims_in_id_token` (default true). */
  includeClaimsInIdToken?: boolean;
  /** The grant types the provider allows, for releases that have the field (2026.8+); absent before. */
  grantTypes?: string[];
}

/** A certificate key pair with its private key. */
export interface SigningKey {
  pk: string; // uuid
  name: string;
  privateKeyPem: string;
  certificatePem?: string;
}

/** A user as login and claims see them. */
export interface OidcUser {
  pk: number;
  uuid: string;
  username: string;
  name: string;
  email: string;
  isActive: boolean;
  /** Names of the groups the user belongs to. */
  groups: string[];
}

/** Result of evaluating the policies bound to an application for a user. */
export interface AccessResult {
  passing: boolean;
  messages: string[];
}

export type FlowDesignation =
  | 'authentication'
  | 'authorization'
  | 'invalidation'
  | 'enrollment'
  | 'unenrollment'
  | 'recovery'
  | 'stage_configuration';

/** A flow, reduced to what the executor needs to choose its stages. */
export interface FlowSummary {
  slug: string;
  name: string;
  title: string;
  designation: FlowDesignation;
  /** explicit: a consent stage is bound; implicit/none: no consent stage. */
  consent: 'explicit' | 'implicit' | 'none';
}

export interface AuthentikBackend {
  /** Where the emulator listens, e.g. http://127.0.0.1:9000 (no trailing slash). */
  baseUrl(): string;
  /** The application with this slug. */
  findApplication(slug: string): Awaitable<OidcApplication | undefined>;
  /** The application a provider is attached to. */
  findApplicationByProvider(providerPk: number): Awaitable<OidcApplication | undefined>;
  /** The OAuth2 provider with this pk. */
  findProvider(providerPk: number): Awaitable<OidcProvider | undefined>;
  /** The OAuth2 provider whose client_id this is. */
  findProviderByClientId(clientId: string): Awaitable<OidcProvider | undefined>;
  /** The certificate key pair with this pk, when it holds a private key. */
  signingKey(pk: string): Awaitable<SigningKey | undefined>;
  /** The user whose username or email this is (the identification stage's uid_field). */
  findUserByIdentifier(uidField: string): Awaitable<OidcUser | undefined>;
  /** The user with this pk. */
  findUser(pk: number): Awaitable<OidcUser | undefined>;
  /** Whether this password is the user's. */
  checkPassword(userPk: number, password: string): Awaitable<boolean>;
  /** The verdict of the policies bound to the application for this user. */
  checkAccess(applicationSlug: string, userPk: number): Awaitable<AccessResult>;
  /** The flow with this slug. */
  findFlow(slug: string): Awaitable<FlowSummary | undefined>;
  /**
   * Claims the provider's own scope mappings with this scope name yield for a user (openid → {},
   * email → {email, email_verified}, …); undefined when the provider has no such mapping.
   * Authentik reads only the provider's property_mappings (ScopeMapping.objects.filter(provider=…),
   * authentik/providers/oauth2/views/userinfo.py), never another mapping with the same scope name.
   */
  scopeClaims(
    scopeName: string,
    user: OidcUser,
    provider: OidcProvider,
  ): Awaitable<Record<string, unknown> | undefined>;
  /** The provider's scope mapping's description shown on the consent stage (e.g. "Email address"); "" when none. */
  scopeDescription(scopeName: string, provider: OidcProvider): Awaitable<string>;
}
