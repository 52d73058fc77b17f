// One oidc-provider instance for one Authentik application: its issuer is the application's
// (`/application/o/<slug>/`), its single client is the application's OAuth2 provider, its key is
// the provider's signing key. The paths are Authentik's: authorize, token and userinfo are global,
// JWKS sits under the issuer.
// Before oidc-provider: its runtime warning is filtered (see oidc-runtime.ts).
import './oidc-runtime.ts';
import { createHash } from 'node:crypto';
import {
  type Account,
  type ClientMetadata,
  type Configuration,
  type Interaction,
  interactionPolicy,
  type KoaContext,
  Provider,
} from 'oidc-provider';
import type { OidcApplication, OidcProvider, SigningKey } from './backend.ts';
import { privateJwk } from './key-forms.ts';
import { errorPage } from './oidc-page.ts';
import { redirectUriAllowed } from './oidc-redirect-uri.ts';
import type { OidcStore } from './oidc-store.ts';

/** The `acr` Authentik puts in its ID tokens. */
export const AUTHENTIK_ACR = 'goauthentik.io/providers/oauth2/default';

export const GLOBAL_PATHS = {
  authorization: '/application/o/authorize/',
  token: '/application/o/token/',
  userinfo: '/application/o/userinfo/',
  revocation: '/application/o/revoke/',
  introspection: '/application/o/introspect/',
} as const;

// Authentik's model defaults (providers/oauth2/models.py).
const DEFAULT_ACCESS_CODE_VALIDITY = 'minutes=1';
const DEFAULT_ACCESS_TOKEN_VALIDITY = 'hours=1';
const DEFAULT_REFRESH_TOKEN_VALIDITY = 'days=30';
const INTERACTION_TTL_SECONDS = 3600;
// oidc-provider rejects a client without a redirect URI it can parse; a provider with only regex
// rules gets this one, which never matches because redirectUriAllowed is Authentik's check.
const UNREACHABLE_REDIRECT_URI = 'https://redirect-uri.invalid/regex-rules-only';

const SECONDS: Record<string, number> = {
  weeks: 604_800,
  days: 86_400,
  hours: 3_600,
  minutes: 60,
  seconds: 1,
  milliseconds: 0.001,
  microseconds: 0.000_001,
};

/** Authentik's timedelta strings ("hours=1;minutes=30") in whole seconds; a malformed one counts as the default. */
export function timedeltaSeconds(value: string | undefined, fallback: string): number {
  let total = 0;
  for (const part of (value ?? fallback).split(';')) {
    const [unit, amount] = part.split('=').map((s) => s.trim());
    const factor = SECONDS[unit ?? ''];
    const number = Number(amount);
    if (factor === undefined || !Number.isFinite(number)) {
      // The default itself is a constant here; 60 s only guards against a typo in it.
      return value === undefined ? 60 : timedeltaSeconds(undefined, fallback);
    }
    total += number * factor;
  }
  return Math.max(1, Math.floor(total));
}

interface SigningSetup {
  jwks: { keys: Record<string, unknown>[] };
  alg: string;
}

/**
 * The algorithm a provider signs ID tokens with (OAuth2Provider.jwt_key and
 * JWTAlgorithms.from_private_key, authentik/providers/oauth2/models.py): RS256 for an RSA key,
 * ES256/ES384/ES512 by curve, and HS256 with the client secret when the provider has no key.
 */
export function signingAlgorithm(key: SigningKey | undefined): string {
  if (!key) return 'HS256';
  const jwk = privateJwk(key.privateKeyPem);
  const alg =
    jwk.kty === 'RSA'
      ? 'RS256'
      : jwk.crv === 'P-256'
        ? 'ES256'
        : jwk.crv === 'P-384'
          ? 'ES384'
          : jwk.crv === 'P-521'
            ? 'ES512'
            : undefined;
  if (!alg) throw new Error(`certificate key pair ${key.name} has a key type Authentik cannot sign with`);
  return alg;
}

/** The key's `kid`: CertificateKeyPair.kid, the MD5 of its key data (authentik/crypto/models.py). */
export function keyId(key: SigningKey): string {
  return createHash('md5').update(key.privateKeyPem).digest('hex');
}

function signingSetup(key: SigningKey | undefined): SigningSetup {
  const alg = signingAlgorithm(key);
  if (!key) return { jwks: { keys: [] }, alg };
  const jwk = privateJwk(key.privateKeyPem) as Record<string, unknown>;
  return { jwks: { keys: [{ ...jwk, kid: keyId(key), use: 'sig', alg }] }, alg };
}

function clientMetadata(provider: OidcProvider, alg: string): ClientMetadata {
  const strictUris = provider.redirectUris
    .filter((rule) => rule.matching_mode === 'strict' && URL.canParse(rule.url))
    .map((rule) => rule.url);
  const confidential = provider.clientType === 'confidential';
  return {
    client_id: provider.clientId,
    ...(confidential ? { client_secret: provider.clientSecret } : {}),
    redirect_uris: strictUris.length > 0 ? strictUris : [UNREACHABLE_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // oidc-provider accepts client_secret_post from a client registered for client_secret_basic
    // (and the reverse), which is what Authentik does too.
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    id_token_signed_response_alg: alg,
    application_type: 'web',
  };
}

export interface OidcInstanceOptions {
  /** `<baseUrl>/application/o/<slug>/`, with the trailing slash. */
  issuer: string;
  application: OidcApplication;
  provider: OidcProvider;
  signingKey: SigningKey | undefined;
  /** Claim names each scope yields, e.g. { email: ['email', 'email_verified'] }. */
  claimNames: Record<string, string[]>;
  store: OidcStore;
  cookieKeys: string[];
  findAccount(sub: string): Promise<Account | undefined>;
  /** Where an authorization request goes when it needs the user: Authentik's flows. */
  interactionUrl(ctx: KoaContext, interaction: Interaction, instance: Provider): Promise<string>;
}

export function createOidcInstance(options: OidcInstanceOptions): Provider {
  const { application, provider } = options;
  const { jwks, alg } = signingSetup(options.signingKey);

  // Every authorization request goes through Authentik's flows (session, policy, consent), so the
  // login prompt is always requested until the flow executor hands back a result, and the grant it
  // hands back is final: oidc-provider's own consent checks would send the user round again.
  const { Check } = interactionPolicy;
  const policy = interactionPolicy.base();
  policy
    .get('login')
    ?.checks.add(
      new Check('authentik_flow', 'the authorization runs through Authentik flows', (ctx) =>
        ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
      ),
    );
  const consent = policy.get('consent');
  for (const reason of [
    'native_client_prompt',
    'op_scopes_missing',
    'op_claims_missing',
    'rs_scopes_missing',
    'rar_prompt',
  ]) {
    consent?.checks.remove(reason);
  }

  const accessTokenTtl = timedeltaSeconds(provider.accessTokenValidity, DEFAULT_ACCESS_TOKEN_VALIDITY);
  const refreshTokenTtl = timedeltaSeconds(provider.refreshTokenValidity, DEFAULT_REFRESH_TOKEN_VALIDITY);
  const scopes = new Set(['openid', 'offline_access', ...provider.scopeNames]);

  let instance: Provider | undefined;
  const configuration: Configuration = {
    adapter: (model: string) => options.store.adapterFor(model),
    clients: [clientMetadata(provider, alg)],
    jwks,
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256', 'ES384', 'ES512', 'HS256'] },
    findAccount: (_ctx: KoaContext, sub: string) => options.findAccount(sub),
    // Authentik's ID tokens always carry acr, amr and auth_time: granting them with openid does that.
    claims: { sid: null, ...options.claimNames, openid: ['sub', 'acr', 'amr', 'auth_time'] },
    // Authentik's include_claims_in_id_token (default true) puts the scope claims in the ID token.
    conformIdTokenClaims: provider.includeClaimsInIdToken === false,
    acrValues: [AUTHENTIK_ACR],
    scopes: [...scopes],
    responseTypes: ['code'],
    cookies: { keys: options.cookieKeys },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
    },
    interactions: {
      policy,
      url: (ctx: KoaContext, interaction: Interaction) => {
        if (!instance) throw new Error('provider instance is not ready');
        return options.interactionUrl(ctx, interaction, instance);
      },
    },
    routes: { ...GLOBAL_PATHS, jwks: `/application/o/${application.slug}/jwks/` },
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => false },
    ttl: {
      AuthorizationCode: timedeltaSeconds(provider.accessCodeValidity, DEFAULT_ACCESS_CODE_VALIDITY),
      AccessToken: accessTokenTtl,
      IdToken: accessTokenTtl,
      RefreshToken: refreshTokenTtl,
      Grant: refreshTokenTtl,
      Session: refreshTokenTtl,
      Interaction: INTERACTION_TTL_SECONDS,
    },
    renderError: async (ctx: KoaContext, out: Record<string, string>) => {
      // What Authentik checks itself (client, redirect URI) never gets here (oidc.ts); anything
      // else oidc-provider refuses is shown as Authentik shows a bad request: if/error.html, 400.
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage(out.error ?? 'Bad Request', out.error_description ?? '');
    },
  };

  instance = new Provider(options.issuer, configuration);
  // Authentik's redirect URI rules (strict and regex) replace oidc-provider's exact list.
  instance.Client.prototype.redirectUriAllowed = (uri: string) =>
    redirectUriAllowed(provider.redirectUris, uri);
  // Routes are absolute paths on the emulator, not under the issuer's path.
  instance.use(async (ctx, next) => {
    ctx.mountPath = '';
    await next();
  });
  return instance;
}
