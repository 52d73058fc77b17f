// The pool's own tokens, as the hosted UI hands them to an app: minted at /oauth2/token from the
// code idpresponse issued (or a refresh token), read back at /oauth2/userinfo, verifiable with the
// pool's /.well-known/jwks.json. Shapes from the developer guide:
//   ID token      https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
//   access token  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
//   token endpoint https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
//   userInfo      https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { decodeJwt, newSigningKey, type SigningKey, signatureHolds, signJwt } from './jwt.ts';
import type { AppClient, Attributes, PoolReads } from './pool-reads.ts';

/** What an authorization code or a refresh token stands for. */
export interface Grant {
  userPoolId: string;
  clientId: string;
  username: string;
  scopes: string[];
  authTime: number;
  /** The `identities` claim: the user's link to the IdP it signed in with. */
  identities: Record<string, unknown>[];
  nonce?: string;
}

export interface CodeGrant extends Grant {
  redirectUri: string;
  codeChallenge?: string;
  expiresAt: number;
}

/** The token endpoint's answer: an HTTP status and a JSON body. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

// Token endpoint page: an authorization code is good for 5 minutes and once; the default token
// validity is 1 hour (expires_in 3600).
const CODE_TTL_MS = 5 * 60_000;
const TOKEN_TTL_S = 3600;

const oauthError = (status: number, error: string, description?: string): TokenAnswer => ({
  status,
  body: { error, ...(description ? { error_description: description } : {}) },
});

function secretMatches(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class TokenIssuer {
  private readonly keys = new Map<string, SigningKey>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refreshTokens = new Map<string, Grant>();

  constructor(
    private readonly reads: PoolReads,
    private readonly region: string,
  ) {}

  issuerOf(userPoolId: string): string {
    return `https://cognito-idp.${this.region}.amazonaws.com/${userPoolId}`;
  }

  private keyOf(userPoolId: string): SigningKey {
    let key = this.keys.get(userPoolId);
    if (!key) {
      key = newSigningKey();
      this.keys.set(userPoolId, key);
    }
    return key;
  }

  jwks(userPoolId: string): { keys: SigningKey['publicJwk'][] } {
    return { keys: [this.keyOf(userPoolId).publicJwk] };
  }

  issueCode(grant: Omit<CodeGrant, 'expiresAt'>): string {
    const code = randomUUID();
    const now = Date.now();
    for (const [key, entry] of this.codes) if (entry.expiresAt < now) this.codes.delete(key);
    this.codes.set(code, { ...grant, expiresAt: now + CODE_TTL_MS });
    return code;
  }

  /**
   * POST /oauth2/token. A client with a secret authenticates with it (Basic authorization or
   * client_secret in the body, the page's "Authorization" and "client_secret" parameters); the
   * code's redirect_uri and PKCE verifier must be the authorize request's.
   */
  async token(
    userPoolId: string,
    form: URLSearchParams,
    authorization: string | undefined,
  ): Promise<TokenAnswer> {
    let clientId = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (!clientId) return oauthError(400, 'invalid_request', 'client_id is required');
    const client = await this.reads.appClient(userPoolId, clientId);
    // invalid_client: "Client authentication failed", an unknown client or a wrong secret.
    if (!client) return oauthError(400, 'invalid_client');
    if (client.ClientSecret !== undefined && !secretMatches(secret ?? '', client.ClientSecret)) {
      return oauthError(400, 'invalid_client');
    }
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return this.redeemCode(client, form);
    if (grantType === 'refresh_token') return this.refresh(client, form);
    if (grantType === 'client_credentials') return oauthError(400, 'unauthorized_client');
    return oauthError(400, 'unsupported_grant_type');
  }

  private async redeemCode(client: AppClient, form: URLSearchParams): Promise<TokenAnswer> {
    const code = form.get('code') ?? '';
    const grant = this.codes.get(code);
    // A code is used once, whatever the outcome.
    this.codes.delete(code);
    if (!grant || grant.expiresAt < Date.now() || grant.clientId !== client.ClientId) {
      return oauthError(400, 'invalid_grant');
    }
    if (!(client.AllowedOAuthFlows ?? []).includes('code')) return oauthError(400, 'unauthorized_client');
    if (form.get('redirect_uri') !== grant.redirectUri) return oauthError(400, 'invalid_grant');
    if (grant.codeChallenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (challenge !== grant.codeChallenge) return oauthError(400, 'invalid_grant');
    }
    const refreshToken = randomBytes(48).toString('base64url');
    this.refreshTokens.set(refreshToken, grant);
    return { status: 200, body: { ...(await this.mint(grant)), refresh_token: refreshToken } };
  }

  /** A refresh token grant returns new ID and access tokens, no new refresh token. */
  private async refresh(client: AppClient, form: URLSearchParams): Promise<TokenAnswer> {
    const grant = this.refreshTokens.get(form.get('refresh_token') ?? '');
    if (!grant || grant.clientId !== client.ClientId) return oauthError(400, 'invalid_grant');
    const { nonce: _nonce, ...again } = grant;
    return { status: 200, body: await this.mint(again) };
  }

  private async mint(grant: Grant): Promise<Record<string, unknown>> {
    const attributes = (await this.reads.user(grant.userPoolId, grant.username)) ?? {};
    const now = Math.floor(Date.now() / 1000);
    const key = this.keyOf(grant.userPoolId);
    const iss = this.issuerOf(grant.userPoolId);
    const originJti = randomUUID();
    const access = signJwt(key, {
      sub: attributes.sub,
      iss,
      version: 2,
      client_id: grant.clientId,
      origin_jti: originJti,
      token_use: 'access',
      scope: grant.scopes.join(' '),
      auth_time: grant.authTime,
      exp: now + TOKEN_TTL_S,
      iat: now,
      jti: randomUUID(),
      username: grant.username,
    });
    const body: Record<string, unknown> = {
      access_token: access,
      expires_in: TOKEN_TTL_S,
      token_type: 'Bearer',
    };
    // The ID token comes with the openid scope only.
    if (grant.scopes.includes('openid')) {
      body.id_token = signJwt(key, {
        // "The openid scope returns all user attributes in the ID token that are readable by the
        // client" (authorize endpoint page, `scope`).
        ...claimsOf(attributes),
        at_hash: createHash('sha256').update(access).digest().subarray(0, 16).toString('base64url'),
        sub: attributes.sub,
        iss,
        'cognito:username': grant.username,
        origin_jti: originJti,
        aud: grant.clientId,
        identities: grant.identities,
        token_use: 'id',
        auth_time: grant.authTime,
        exp: now + TOKEN_TTL_S,
        iat: now,
        jti: randomUUID(),
        ...(grant.nonce ? { nonce: grant.nonce } : {}),
      });
    }
    return body;
  }

  /** GET|POST /oauth2/userInfo with the access token as a bearer token. */
  async userInfo(userPoolId: string, authorization: string | undefined): Promise<TokenAnswer> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    const decoded = decodeJwt(token);
    const valid =
      decoded !== undefined &&
      signatureHolds(decoded, [this.keyOf(userPoolId).publicJwk], '') &&
      decoded.payload.token_use === 'access' &&
      decoded.payload.iss === this.issuerOf(userPoolId) &&
      Number(decoded.payload.exp) > Date.now() / 1000;
    if (!valid)
      return oauthError(
        401,
        'invalid_token',
        'Access token is expired, disabled, or deleted, or the user has globally signed out.',
      );
    const username = String(decoded.payload.username);
    const attributes = await this.reads.user(userPoolId, username);
    if (!attributes) return oauthError(401, 'invalid_token', 'User does not exist.');
    return { status: 200, body: { sub: attributes.sub, ...claimsOf(attributes), username } };
  }
}

/** Attributes as claims: `sub` is set apart, the booleans Cognito stores as text are booleans. */
function claimsOf(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'sub') continue;
    out[name] = value === 'true' ? true : value === 'false' ? false : value;
  }
  return out;
}
