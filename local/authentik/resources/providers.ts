// providers/oauth2/: OAuth2/OpenID providers by int pk. A client id and secret are generated when the
// create body has none, and both come back on every read, as Authentik returns them.
import { randomBytes } from 'node:crypto';
import type { FieldErrors } from '../drf-errors.ts';
import { exact, type Handler, intParam, notFound, type ResourceSpec, viewset } from '../resource.ts';
import { serializeProvider } from '../serializers.ts';
import type { OAuth2ProviderRecord } from '../store.ts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Authentik's generate_id (client id, 40 characters) and generate_key (client secret, 128).
function generate(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

type RedirectUri = OAuth2ProviderRecord['redirect_uris'][number];

function redirectUris(value: unknown): RedirectUri[] {
  return ((value as Partial<RedirectUri>[] | undefined) ?? []).map((r) => ({
    matching_mode: r.matching_mode ?? 'strict',
    url: r.url ?? '',
    redirect_uri_type: r.redirect_uri_type ?? 'authorization',
  }));
}

export const providers: ResourceSpec<OAuth2ProviderRecord> = {
  operationPrefix: 'providers_oauth2',
  objectName: 'OAuth2Provider',
  records: (store) => store.providers,
  find: (store, param) => {
    const pk = intParam(param);
    return pk === undefined ? undefined : store.providers.get(pk);
  },
  requestSchema: 'OAuth2ProviderRequest',
  patchSchema: 'PatchedOAuth2ProviderRequest',
  build: (ctx, body) =>
    ({
      pk: ctx.store.nextProviderPk(),
      authentication_flow: null,
      property_mappings: [],
      client_type: 'confidential',
      grant_types: ['authorization_code', 'refresh_token'],
      client_id: generate(40),
      client_secret: generate(128),
      access_code_validity: 'minutes=1',
      access_token_validity: 'hours=1',
      refresh_token_validity: 'days=30',
      refresh_token_threshold: 'seconds=0',
      include_claims_in_id_token: true,
      signing_key: null,
      encryption_key: null,
      logout_uri: '',
      logout_method: 'backchannel',
      sub_mode: 'hashed_user_id',
      issuer_mode: 'per_provider',
      jwt_federation_sources: [],
      jwt_federation_providers: [],
      ...body,
      name: String(body.name),
      authorization_flow: String(body.authorization_flow),
      invalidation_flow: String(body.invalidation_flow),
      redirect_uris: redirectUris(body.redirect_uris),
    }) as OAuth2ProviderRecord,
  apply: (_ctx, record, body) =>
    ({
      ...record,
      ...body,
      redirect_uris: 'redirect_uris' in body ? redirectUris(body.redirect_uris) : record.redirect_uris,
    }) as OAuth2ProviderRecord,
  serialize: (ctx, record) => serializeProvider(ctx, record),
  unique: [
    { field: 'name', message: 'Provider with this name already exists.' },
    { field: 'client_id', message: 'OAuth2/OpenID Provider with this Client ID already exists.' },
  ],
  relations: [
    { field: 'authentication_flow', exists: (store, pk) => store.flows.has(String(pk)) },
    { field: 'authorization_flow', exists: (store, pk) => store.flows.has(String(pk)) },
    { field: 'invalidation_flow', exists: (store, pk) => store.flows.has(String(pk)) },
    { field: 'property_mappings', exists: (store, pk) => store.scopeMappings.has(String(pk)) },
    { field: 'signing_key', exists: (store, pk) => store.certificateKeyPairs.has(String(pk)) },
    { field: 'encryption_key', exists: (store, pk) => store.certificateKeyPairs.has(String(pk)) },
    { field: 'jwt_federation_sources', exists: () => false }, // the emulator has no sources
    { field: 'jwt_federation_providers', exists: (store, pk) => store.providers.has(Number(pk)) },
  ],
  validateFields: (_ctx, body) => {
    const errors: FieldErrors = {};
    for (const entry of (body.redirect_uris as { matching_mode?: string; url?: string }[] | undefined) ??
      []) {
      if (entry.matching_mode !== 'regex') continue;
      try {
        new RegExp(entry.url ?? '');
      } catch {
        errors.redirect_uris = [`Invalid Regex Pattern: ${entry.url}`];
      }
    }
    return errors;
  },
  filters: {
    name: exact((p) => p.name),
    client_id: exact((p) => p.client_id),
    client_type: exact((p) => p.client_type),
    authorization_flow: exact((p) => p.authorization_flow),
    signing_key: exact((p) => p.signing_key),
    sub_mode: exact((p) => p.sub_mode),
    issuer_mode: exact((p) => p.issuer_mode),
    include_claims_in_id_token: exact((p) => p.include_claims_in_id_token),
    access_code_validity: exact((p) => p.access_code_validity),
    access_token_validity: exact((p) => p.access_token_validity),
    refresh_token_validity: exact((p) => p.refresh_token_validity),
    property_mappings: (p, values) => p.property_mappings.some((pk) => values.includes(pk)),
    application: (p, values, ctx) => values.includes(ctx.store.applicationOfProvider(p.pk)?.pk ?? ''),
  },
  search: (p) => [p.name],
  ordering: ['name'],
  remove: (ctx, record) => {
    const { store } = ctx;
    store.providers.delete(record.pk);
    for (const app of store.applications.values()) {
      if (app.provider === record.pk) app.provider = null;
      app.backchannel_providers = app.backchannel_providers.filter((pk) => pk !== record.pk);
    }
    for (const p of store.providers.values()) {
      p.jwt_federation_providers = p.jwt_federation_providers.filter((pk) => pk !== record.pk);
    }
  },
};

// The URLs a relying party needs, as Authentik prints them on the provider's page. The issuer is
// per application slug (per_provider) or the instance root (global).
const setupUrls: Handler = (ctx, params) => {
  const provider = ctx.superuser ? providers.find(ctx.store, params.id ?? '') : undefined;
  if (provider === undefined) return notFound('OAuth2Provider');
  const app = ctx.store.applicationOfProvider(provider.pk);
  // schema.yml declares this 404 ("Provider has no application assigned") without a body.
  if (app === undefined) return { status: 404 };
  const base = `${ctx.baseUrl}/application/o`;
  return {
    status: 200,
    body: {
      issuer: provider.issuer_mode === 'global' ? `${ctx.baseUrl}/` : `${base}/${app.slug}/`,
      authorize: `${base}/authorize/`,
      token: `${base}/token/`,
      user_info: `${base}/userinfo/`,
      provider_info: `${base}/${app.slug}/.well-known/openid-configuration`,
      logout: `${base}/${app.slug}/end-session/`,
      jwks: `${base}/${app.slug}/jwks/`,
      dcr_registration: null,
    },
  };
};

export const providerHandlers: Record<string, Handler> = {
  ...viewset(providers),
  providers_oauth2_setup_urls_retrieve: setupUrls,
};
