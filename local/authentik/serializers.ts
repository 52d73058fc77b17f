// How each model looks on the wire: the response schemas of schema.yml, read-only fields included
// (pk, `*_obj`, component, verbose_name, meta_model_name, ...). The emulator checks every response it
// sends against the schema, so a field missing or misspelt here fails loudly in tests.
import { createHash, X509Certificate } from 'node:crypto';
import type {
  ApplicationRecord,
  AuthentikStore,
  CertificateKeyPairRecord,
  ExpressionPolicyRecord,
  FlowRecord,
  GroupRecord,
  OAuth2ProviderRecord,
  PolicyBindingRecord,
  ScopeMappingRecord,
  TokenRecord,
  UserRecord,
} from './store.ts';

type Json = Record<string, unknown>;

export interface SerializeContext {
  store: AuthentikStore;
  /** Stable per emulator: Authentik hashes it with the user pk into `uid`. */
  installId: string;
}

export function userUid(ctx: SerializeContext, user: UserRecord): string {
  return createHash('sha256').update(`${ctx.installId}-${user.pk}`).digest('hex');
}

export function partialUser(ctx: SerializeContext, u: UserRecord): Json {
  return {
    pk: u.pk,
    username: u.username,
    name: u.name,
    is_active: u.is_active,
    last_login: u.last_login,
    email: u.email,
    attributes: u.attributes,
    uid: userUid(ctx, u),
  };
}

export function partialGroup(g: GroupRecord): Json {
  return { pk: g.pk, num_pk: g.num_pk, name: g.name, is_superuser: g.is_superuser, attributes: g.attributes };
}

function relatedGroup(g: GroupRecord): Json {
  return { pk: g.pk, name: g.name, is_superuser: g.is_superuser, attributes: g.attributes, group_uuid: g.pk };
}

export interface GroupOptions {
  includeUsers: boolean;
  includeChildren: boolean;
  includeParents: boolean;
  includeInheritedRoles: boolean;
}

export function serializeGroup(ctx: SerializeContext, g: GroupRecord, opts: GroupOptions): Json {
  const { store } = ctx;
  const members = store.membersOf(g.pk);
  const children = store.childrenOf(g.pk);
  const parents = g.parents.map((pk) => store.groups.get(pk)).filter((p) => p !== undefined);
  return {
    pk: g.pk,
    num_pk: g.num_pk,
    name: g.name,
    is_superuser: g.is_superuser,
    parents: g.parents,
    parents_obj: opts.includeParents ? parents.map(relatedGroup) : null,
    users: members.map((u) => u.pk),
    users_obj: opts.includeUsers ? members.map((u) => partialUser(ctx, u)) : null,
    attributes: g.attributes,
    roles: g.roles,
    roles_obj: [],
    inherited_roles_obj: opts.includeInheritedRoles ? [] : null,
    children: children.map((c) => c.pk),
    children_obj: opts.includeChildren ? children.map(relatedGroup) : null,
  };
}

export function serializeUser(
  ctx: SerializeContext,
  u: UserRecord,
  opts = { includeGroups: true, includeRoles: true },
): Json {
  const groups = u.groups.map((pk) => ctx.store.groups.get(pk)).filter((g) => g !== undefined);
  return {
    pk: u.pk,
    username: u.username,
    name: u.name,
    is_active: u.is_active,
    last_login: u.last_login,
    date_joined: u.date_joined,
    is_superuser: ctx.store.isSuperuser(u),
    groups: u.groups,
    groups_obj: opts.includeGroups ? groups.map(partialGroup) : null,
    roles: u.roles,
    roles_obj: opts.includeRoles ? [] : null,
    email: u.email,
    avatar: '/static/dist/assets/images/user_default.png',
    attributes: u.attributes,
    uid: userUid(ctx, u),
    path: u.path,
    type: u.type,
    uuid: u.uuid,
    password_change_date: u.password_change_date,
    last_updated: u.last_updated,
  };
}

export function serializeFlow(f: FlowRecord): Json {
  return {
    pk: f.pk,
    policybindingmodel_ptr_id: f.pk,
    name: f.name,
    slug: f.slug,
    title: f.title,
    designation: f.designation,
    background: f.background,
    background_url: '/static/dist/assets/images/flow_background.jpg',
    background_themed_urls: null,
    stages: [],
    policies: [],
    cache_count: 0,
    policy_engine_mode: f.policy_engine_mode,
    compatibility_mode: f.compatibility_mode,
    export_url: `/api/v3/flows/instances/${f.slug}/export/`,
    layout: f.layout,
    denied_action: f.denied_action,
    authentication: f.authentication,
  };
}

const certificates = new Map<string, X509Certificate>();

function parsedCertificate(pem: string): X509Certificate {
  let cert = certificates.get(pem);
  if (cert === undefined) {
    cert = new X509Certificate(pem);
    certificates.set(pem, cert);
  }
  return cert;
}

// Python's `bytes.hex(":")`, which Authentik uses for fingerprints: lowercase, colon-separated.
const fingerprint = (value: string): string => value.toLowerCase();

export function serializeKeyPair(kp: CertificateKeyPairRecord): Json {
  const cert = parsedCertificate(kp.certificate_data);
  return {
    pk: kp.pk,
    name: kp.name,
    fingerprint_sha256: fingerprint(cert.fingerprint256),
    fingerprint_sha1: fingerprint(cert.fingerprint),
    cert_expiry: new Date(cert.validTo).toISOString(),
    // RFC 4514 lists the relative distinguished names last-first.
    cert_subject: cert.subject.split('\n').reverse().join(','),
    private_key_available: kp.key_data !== '',
    key_type: cert.publicKey.asymmetricKeyType ?? null,
    certificate_download_url: `/api/v3/crypto/certificatekeypairs/${kp.pk}/view_certificate/?download`,
    private_key_download_url: `/api/v3/crypto/certificatekeypairs/${kp.pk}/view_private_key/?download`,
    managed: kp.managed,
  };
}

export function serializeScopeMapping(m: ScopeMappingRecord): Json {
  return {
    pk: m.pk,
    managed: m.managed,
    name: m.name,
    expression: m.expression,
    component: 'ak-property-mapping-provider-scope-form',
    verbose_name: 'Scope Mapping',
    verbose_name_plural: 'Scope Mappings',
    meta_model_name: 'authentik_providers_oauth2.scopemapping',
    scope_name: m.scope_name,
    description: m.description,
  };
}

/** The `Provider` schema: what an application shows of its provider in `provider_obj`. */
export function providerSummary(ctx: SerializeContext, p: OAuth2ProviderRecord): Json {
  const app = ctx.store.applicationOfProvider(p.pk);
  return {
    pk: p.pk,
    name: p.name,
    authentication_flow: p.authentication_flow,
    authorization_flow: p.authorization_flow,
    invalidation_flow: p.invalidation_flow,
    property_mappings: p.property_mappings,
    component: 'ak-provider-oauth2-form',
    assigned_application_slug: app?.slug ?? null,
    assigned_application_name: app?.name ?? null,
    assigned_backchannel_application_slug: null,
    assigned_backchannel_application_name: null,
    verbose_name: 'OAuth2/OpenID Provider',
    verbose_name_plural: 'OAuth2/OpenID Providers',
    meta_model_name: 'authentik_providers_oauth2.oauth2provider',
  };
}

export function serializeProvider(ctx: SerializeContext, p: OAuth2ProviderRecord): Json {
  return {
    ...providerSummary(ctx, p),
    client_type: p.client_type,
    grant_types: p.grant_types,
    client_id: p.client_id,
    client_secret: p.client_secret,
    access_code_validity: p.access_code_validity,
    access_token_validity: p.access_token_validity,
    refresh_token_validity: p.refresh_token_validity,
    refresh_token_threshold: p.refresh_token_threshold,
    include_claims_in_id_token: p.include_claims_in_id_token,
    signing_key: p.signing_key,
    encryption_key: p.encryption_key,
    redirect_uris: p.redirect_uris,
    logout_uri: p.logout_uri,
    logout_method: p.logout_method,
    sub_mode: p.sub_mode,
    issuer_mode: p.issuer_mode,
    jwt_federation_sources: p.jwt_federation_sources,
    jwt_federation_providers: p.jwt_federation_providers,
  };
}

// Authentik guesses a launch URL from the provider: the first strict redirect URI, without its path.
function launchUrl(ctx: SerializeContext, a: ApplicationRecord): string | null {
  if (a.meta_launch_url !== '') return a.meta_launch_url;
  const provider = a.provider === null ? undefined : ctx.store.providers.get(a.provider);
  const first = provider?.redirect_uris.find(
    (r) => r.matching_mode === 'strict' && r.redirect_uri_type === 'authorization',
  );
  if (first === undefined) return null;
  try {
    const url = new URL(first.url);
    return `${url.protocol}//${url.host}`;
  } catch {
    return null;
  }
}

export function serializeApplication(ctx: SerializeContext, a: ApplicationRecord): Json {
  const provider = a.provider === null ? undefined : ctx.store.providers.get(a.provider);
  return {
    pk: a.pk,
    pbm_uuid: a.pk,
    name: a.name,
    slug: a.slug,
    provider: a.provider,
    provider_obj: provider === undefined ? null : providerSummary(ctx, provider),
    backchannel_providers: a.backchannel_providers,
    backchannel_providers_obj: [],
    launch_url: launchUrl(ctx, a),
    open_in_new_tab: a.open_in_new_tab,
    meta_launch_url: a.meta_launch_url,
    meta_icon: a.meta_icon,
    meta_icon_url: null,
    meta_icon_themed_urls: null,
    meta_description: a.meta_description,
    meta_publisher: a.meta_publisher,
    policy_engine_mode: a.policy_engine_mode,
    group: a.group,
    meta_hide: a.meta_hide,
  };
}

/** The `Policy` schema, shown in a binding's `policy_obj`. */
export function policySummary(ctx: SerializeContext, p: ExpressionPolicyRecord): Json {
  return {
    pk: p.pk,
    name: p.name,
    execution_logging: p.execution_logging,
    component: 'ak-policy-expression-form',
    verbose_name: 'Expression Policy',
    verbose_name_plural: 'Expression Policies',
    meta_model_name: 'authentik_policies_expression.expressionpolicy',
    bound_to: [...ctx.store.bindings.values()].filter((b) => b.policy === p.pk).length,
  };
}

export function serializeExpressionPolicy(ctx: SerializeContext, p: ExpressionPolicyRecord): Json {
  return { ...policySummary(ctx, p), expression: p.expression };
}

export function serializeBinding(ctx: SerializeContext, b: PolicyBindingRecord): Json {
  const { store } = ctx;
  const policy = b.policy === null ? undefined : store.expressionPolicies.get(b.policy);
  const group = b.group === null ? undefined : store.groups.get(b.group);
  const user = b.user === null ? undefined : store.users.get(b.user);
  return {
    pk: b.pk,
    policy: b.policy,
    group: b.group,
    user: b.user,
    policy_obj: policy === undefined ? null : policySummary(ctx, policy),
    group_obj: group === undefined ? null : partialGroup(group),
    user_obj: user === undefined ? null : partialUser(ctx, user),
    target: b.target,
    negate: b.negate,
    enabled: b.enabled,
    order: b.order,
    timeout: b.timeout,
    failure_result: b.failure_result,
    expires: null,
    expiring: false,
  };
}

export function serializeToken(ctx: SerializeContext, t: TokenRecord): Json {
  const user = ctx.store.users.get(t.user);
  return {
    pk: t.pk,
    managed: t.managed,
    identifier: t.identifier,
    intent: t.intent,
    user: t.user,
    user_obj: user === undefined ? null : serializeUser(ctx, user),
    description: t.description,
    expires: t.expires,
    expiring: t.expiring,
  };
}
