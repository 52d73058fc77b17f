// The store seen through the AuthentikBackend interface the OIDC endpoints and the flow executor read.
// Every call reads the live store, so a change made through the REST API (or a test staging drift)
// is what the next login sees.
import type {
  AccessResult,
  AuthentikBackend,
  FlowSummary,
  OidcApplication,
  OidcProvider,
  OidcUser,
  SigningKey,
} from './backend.ts';
import { verifyPassword } from './passwords.ts';
import { evaluatePolicies } from './policy-engine.ts';
import { DEFAULT_SCOPE_EXPRESSIONS, MANAGED_SCOPES } from './seed.ts';
import type {
  ApplicationRecord,
  AuthentikStore,
  OAuth2ProviderRecord,
  ScopeMappingRecord,
  UserRecord,
} from './store.ts';

function application(app: ApplicationRecord): OidcApplication {
  return { pk: app.pk, slug: app.slug, name: app.name, providerPk: app.provider };
}

function oidcUser(store: AuthentikStore, user: UserRecord): OidcUser {
  return {
    pk: user.pk,
    uuid: user.uuid,
    username: user.username,
    name: user.name,
    email: user.email,
    isActive: user.is_active,
    groups: user.groups.map((pk) => store.groups.get(pk)?.name).filter((n) => n !== undefined),
  };
}

function provider(store: AuthentikStore, p: OAuth2ProviderRecord): OidcProvider {
  return {
    pk: p.pk,
    name: p.name,
    clientId: p.client_id,
    clientSecret: p.client_secret,
    clientType: p.client_type,
    redirectUris: p.redirect_uris
      .filter((r) => r.redirect_uri_type === 'authorization')
      .map((r) => ({ matching_mode: r.matching_mode, url: r.url })),
    authorizationFlowSlug: store.flows.get(p.authorization_flow)?.slug ?? '',
    authenticationFlowSlug:
      p.authentication_flow === null ? null : (store.flows.get(p.authentication_flow)?.slug ?? null),
    invalidationFlowSlug: store.flows.get(p.invalidation_flow)?.slug ?? null,
    signingKeyPk: p.signing_key,
    scopeNames: p.property_mappings
      .map((pk) => store.scopeMappings.get(pk)?.scope_name)
      .filter((n) => n !== undefined),
    subMode: p.sub_mode,
    issuerMode: p.issuer_mode,
    accessCodeValidity: p.access_code_validity,
    accessTokenValidity: p.access_token_validity,
    refreshTokenValidity: p.refresh_token_validity,
    includeClaimsInIdToken: p.include_claims_in_id_token,
  };
}

// The claims of Authentik's default scope mappings, computed instead of run (no Python here).
function defaultClaims(managed: string, user: OidcUser): Record<string, unknown> | undefined {
  switch (managed) {
    case MANAGED_SCOPES.email:
      return { email: user.email, email_verified: false };
    case MANAGED_SCOPES.profile:
      return {
        name: user.name,
        given_name: user.name,
        preferred_username: user.username,
        nickname: user.username,
        groups: user.groups,
      };
    case MANAGED_SCOPES.entitlements:
      return { entitlements: [], roles: [] };
    case MANAGED_SCOPES.openid:
    case MANAGED_SCOPES.offlineAccess:
    case MANAGED_SCOPES.authentikApi:
      return {};
    default:
      return undefined;
  }
}

export function storeBackend(
  store: AuthentikStore,
  options: { baseUrl: () => string; noPython: () => void },
): AuthentikBackend {
  const mappingFor = (scopeName: string): ScopeMappingRecord | undefined => {
    const candidates = [...store.scopeMappings.values()].filter((m) => m.scope_name === scopeName);
    return candidates.find((m) => m.managed !== null) ?? candidates[0];
  };
  return {
    baseUrl: options.baseUrl,
    findApplication: (slug) => {
      const app = store.findApplicationBySlug(slug);
      return app === undefined ? undefined : application(app);
    },
    findApplicationByProvider: (providerPk) => {
      const app = store.applicationOfProvider(providerPk);
      return app === undefined ? undefined : application(app);
    },
    findProvider: (providerPk) => {
      const p = store.providers.get(providerPk);
      return p === undefined ? undefined : provider(store, p);
    },
    findProviderByClientId: (clientId) => {
      const p = store.findProviderByClientId(clientId);
      return p === undefined ? undefined : provider(store, p);
    },
    signingKey: (pk): SigningKey | undefined => {
      const kp = store.certificateKeyPairs.get(pk);
      if (kp === undefined || kp.key_data === '') return undefined;
      return { pk: kp.pk, name: kp.name, privateKeyPem: kp.key_data, certificatePem: kp.certificate_data };
    },
    // The default identification stage matches on email and username.
    findUserByIdentifier: (uidField) => {
      const lowered = uidField.toLowerCase();
      const user =
        store.findUserByUsername(uidField) ??
        [...store.users.values()].find((u) => u.email !== '' && u.email.toLowerCase() === lowered);
      return user === undefined ? undefined : oidcUser(store, user);
    },
    findUser: (pk) => {
      const user = store.users.get(pk);
      return user === undefined ? undefined : oidcUser(store, user);
    },
    checkPassword: (userPk, password) => {
      const user = store.users.get(userPk);
      return user !== undefined && verifyPassword(user.password, password);
    },
    checkAccess: (applicationSlug, userPk): AccessResult => {
      const app = store.findApplicationBySlug(applicationSlug);
      const user = store.users.get(userPk);
      if (app === undefined || user === undefined) return { passing: false, messages: [] };
      const verdict = evaluatePolicies(store, app.pk, app.policy_engine_mode, user, options.noPython);
      return { passing: verdict.passing, messages: verdict.messages };
    },
    findFlow: (slug): FlowSummary | undefined => {
      const flow = store.findFlowBySlug(slug);
      if (flow === undefined) return undefined;
      return {
        slug: flow.slug,
        name: flow.name,
        title: flow.title,
        designation: flow.designation,
        consent: flow.consent,
      };
    },
    scopeClaims: (scopeName, user) => {
      const mapping = mappingFor(scopeName);
      if (mapping === undefined) return undefined;
      const managed = mapping.managed ?? '';
      if (DEFAULT_SCOPE_EXPRESSIONS[managed] === mapping.expression) {
        const claims = defaultClaims(managed, user);
        if (claims !== undefined) return claims;
      }
      options.noPython(); // a custom mapping is Python the emulator cannot run: it yields no claims
      return {};
    },
    scopeDescription: (scopeName) => mappingFor(scopeName)?.description ?? '',
  };
}
