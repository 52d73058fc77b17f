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
import { DEFAULT_SCOPE_EXPRESSIONS, EMAIL_SCOPE_EXPRESSIONS, MANAGED_SCOPES } from './seed.ts';
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

function provider(store: AuthentikStore, p: OAuth2ProviderRecord, grantTypes: boolean): OidcProvider {
  return {
    ...(grantTypes ? { grantTypes: [...p.grant_types] } : {}),
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

// The claims of the scope mappings Authentik's blueprints ship, computed instead of run (no Python
// here): a mapping is known by its expression, whatever its name, so the email mapping of a
// release before 2025.10 (email_verified True) and of 2025.10 on (False) each yield their own.
function knownClaims(expression: string, user: OidcUser): Record<string, unknown> | undefined {
  switch (expression) {
    case EMAIL_SCOPE_EXPRESSIONS.verified:
      return { email: user.email, email_verified: true };
    case EMAIL_SCOPE_EXPRESSIONS.unverified:
      return { email: user.email, email_verified: false };
    case DEFAULT_SCOPE_EXPRESSIONS[MANAGED_SCOPES.profile]:
      return {
        name: user.name,
        given_name: user.name,
        preferred_username: user.username,
        nickname: user.username,
        groups: user.groups,
      };
    case DEFAULT_SCOPE_EXPRESSIONS[MANAGED_SCOPES.entitlements]:
      return { entitlements: [], roles: [] };
    case DEFAULT_SCOPE_EXPRESSIONS[MANAGED_SCOPES.openid]:
    case DEFAULT_SCOPE_EXPRESSIONS[MANAGED_SCOPES.offlineAccess]:
    case DEFAULT_SCOPE_EXPRESSIONS[MANAGED_SCOPES.authentikApi]:
      return {};
    default:
      return undefined;
  }
}

export function storeBackend(
  store: AuthentikStore,
  options: {
    baseUrl: () => string;
    noPython: () => void;
    /** The release has provider grant_types (2026.8+), which its token endpoint enforces. */
    grantTypes?: boolean;
  },
): AuthentikBackend {
  // The provider's own scope mappings with this scope name (its property_mappings).
  const mappingsOf = (providerPk: number, scopeName: string): ScopeMappingRecord[] =>
    (store.providers.get(providerPk)?.property_mappings ?? [])
      .map((pk) => store.scopeMappings.get(pk))
      .filter((m): m is ScopeMappingRecord => m !== undefined && m.scope_name === scopeName);
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
      return p === undefined ? undefined : provider(store, p, options.grantTypes === true);
    },
    findProviderByClientId: (clientId) => {
      const p = store.findProviderByClientId(clientId);
      return p === undefined ? undefined : provider(store, p, options.grantTypes === true);
    },
    signingKey: (pk): SigningKey | undefined => {
      const kp = store.certificateKeyPairs.get(pk);
      if (kp === undefined || kp.key_data === '') return undefined;
      return { pk: kp.pk, name: kp.name, privateKeyPem: kp.key_data, certificatePem: kp.certificate_data };
    },
    // The default identification stage (user_fields email and username, case_insensitive_matching
    // on) asks for username__iexact OR email__iexact and takes the first user by pk
    // (IdentificationStageView.get_user, authentik/stages/identification/stage.py).
    findUserByIdentifier: (uidField) => {
      const lowered = uidField.toLowerCase();
      const user = [...store.users.values()]
        .sort((a, b) => a.pk - b.pk)
        .find(
          (u) =>
            u.username.toLowerCase() === lowered || (u.email !== '' && u.email.toLowerCase() === lowered),
        );
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
    scopeClaims: (scopeName, user, forProvider) => {
      const mappings = mappingsOf(forProvider.pk, scopeName);
      if (mappings.length === 0) return undefined;
      const claims: Record<string, unknown> = {};
      for (const mapping of mappings) {
        const known = knownClaims(mapping.expression, user);
        if (known === undefined) options.noPython(); // Python the emulator cannot run: no claims
        Object.assign(claims, known ?? {});
      }
      return claims;
    },
    scopeDescription: (scopeName, forProvider) => mappingsOf(forProvider.pk, scopeName)[0]?.description ?? '',
  };
}
