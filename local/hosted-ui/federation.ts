// The browser's way through the hosted UI to an OIDC identity provider and back:
//   /oauth2/authorize    https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
//   /oauth2/idpresponse  https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-flow.html
//                        (the OIDC IdP sign-in flow) and its prerequisites on
//                        https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html
//   errors               https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoint-idp-responses.html
// Pending sign-ins live in memory, keyed by the state this hosted UI sends to the IdP.
import { randomBytes } from 'node:crypto';
import { decodeJwt, signatureHolds } from './jwt.ts';
import type { AppClient, Attributes, IdentityProvider, PoolReads } from './pool-reads.ts';
import type { TokenIssuer } from './tokens.ts';

export type Answer =
  | { kind: 'redirect'; location: string }
  | { kind: 'page'; status: number; title: string; text: string };

interface Pending {
  userPoolId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  appState?: string;
  appNonce?: string;
  codeChallenge?: string;
  provider: IdentityProvider;
  idpNonce: string;
  expiresAt: number;
}

const PENDING_TTL_MS = 10 * 60_000;
const page = (status: number, title: string, text: string): Answer => ({ kind: 'page', status, title, text });
const random = () => randomBytes(24).toString('base64url');

/** An error sent back to the app's callback: `?error_description=...&error=...` (error responses page). */
function toCallback(redirectUri: string, error: string, description: string, state?: string): Answer {
  const url = new URL(redirectUri);
  url.searchParams.set('error_description', description);
  url.searchParams.set('error', error);
  if (state !== undefined) url.searchParams.set('state', state);
  return { kind: 'redirect', location: url.href };
}

export class Federation {
  private readonly pending = new Map<string, Pending>();
  /** When each federated user was first linked (the `identities` claim's dateCreated). */
  private readonly linkedAt = new Map<string, string>();

  constructor(
    private readonly reads: PoolReads,
    private readonly tokens: TokenIssuer,
    private readonly timeoutMs: number,
  ) {}

  /** GET /oauth2/authorize on `domain` (the pool's domain host). */
  async authorize(domain: string, userPoolId: string, query: URLSearchParams): Promise<Answer> {
    const clientId = query.get('client_id') ?? '';
    const client = clientId ? await this.reads.appClient(userPoolId, clientId) : undefined;
    // Without a known client or a registered redirect_uri there is no safe place to send an error,
    // so the hosted UI shows it: redirect_uri "must be pre-registered with a client".
    if (!client)
      return page(
        400,
        'invalid_request',
        `client_id ${clientId || '(none)'} is not an app client of this user pool`,
      );
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!(client.CallbackURLs ?? []).includes(redirectUri)) {
      return page(
        400,
        'redirect_mismatch',
        `redirect_uri ${redirectUri || '(none)'} is not a callback URL of app client ${clientId}`,
      );
    }
    const state = query.get('state') ?? undefined;
    const fail = (error: string, description: string) => toCallback(redirectUri, error, description, state);
    const responseType = query.get('response_type');
    // response_type: "Must be code or token"; this hosted UI emulates the code grant.
    if (responseType !== 'code' && responseType !== 'token')
      return fail('unsupported_response_type', 'response_type must be code or token');
    if (
      client.AllowedOAuthFlowsUserPoolClient !== true ||
      !(client.AllowedOAuthFlows ?? []).includes(responseType === 'code' ? 'code' : 'implicit')
    ) {
      return fail('unauthorized_client', `app client ${clientId} is not allowed the ${responseType} grant`);
    }
    if (responseType === 'token')
      return fail(
        'unsupported_response_type',
        'the local hosted UI emulates the authorization code grant only',
      );
    // scope: any of the client's allowed scopes; none requested means all of them.
    const allowed = client.AllowedOAuthScopes ?? [];
    const requested = (query.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.length > 0 ? requested : allowed;
    if (scopes.some((scope) => !allowed.includes(scope))) return fail('invalid_scope', 'invalid_scope');
    // code_challenge_method: "Must be S256" (PKCE).
    const codeChallenge = query.get('code_challenge') ?? undefined;
    if (codeChallenge !== undefined && query.get('code_challenge_method') !== 'S256') {
      return fail('invalid_request', 'code_challenge_method must be S256');
    }
    const providerName = query.get('identity_provider') ?? '';
    if (!providerName || providerName === 'COGNITO') {
      return page(
        400,
        'not emulated',
        'the local hosted UI has no sign-in page of its own: add identity_provider to go straight to the identity provider',
      );
    }
    const provider = await this.providerOf(userPoolId, client, providerName);
    if (!provider)
      return fail(
        'invalid_request',
        `identity_provider ${providerName} is not enabled for app client ${clientId}`,
      );
    const details = provider.ProviderDetails;
    const idpState = random();
    const idpNonce = random();
    // Sign-ins never finished expire; they are dropped here so a long-running world does not grow.
    const now = Date.now();
    for (const [key, entry] of this.pending) if (entry.expiresAt < now) this.pending.delete(key);
    this.pending.set(idpState, {
      userPoolId,
      clientId,
      redirectUri,
      scopes,
      ...(state === undefined ? {} : { appState: state }),
      ...(query.get('nonce') ? { appNonce: query.get('nonce') as string } : {}),
      ...(codeChallenge === undefined ? {} : { codeChallenge }),
      provider,
      idpNonce,
      expiresAt: Date.now() + PENDING_TTL_MS,
    });
    // To the IdP's authorize_url (discovered when the provider was created) with the client id
    // Cognito holds, `authorize_scopes`, and `https://<domain>/oauth2/idpresponse` as the redirect URI.
    const authorize = new URL(details.authorize_url ?? '');
    for (const [name, value] of Object.entries({
      client_id: details.client_id ?? '',
      redirect_uri: `https://${domain}/oauth2/idpresponse`,
      response_type: 'code',
      scope: details.authorize_scopes ?? 'openid',
      state: idpState,
      nonce: idpNonce,
    })) {
      authorize.searchParams.set(name, value);
    }
    return { kind: 'redirect', location: authorize.href };
  }

  private async providerOf(userPoolId: string, client: AppClient, name: string) {
    if (!(client.SupportedIdentityProviders ?? []).includes(name)) return undefined;
    const provider = await this.reads.identityProvider(userPoolId, name);
    return provider?.ProviderType === 'OIDC' ? provider : undefined;
  }

  /** GET /oauth2/idpresponse: the IdP's code, exchanged and turned into a code for the app. */
  async idpResponse(domain: string, query: URLSearchParams): Promise<Answer> {
    const idpState = query.get('state') ?? '';
    const pending = this.pending.get(idpState);
    this.pending.delete(idpState);
    if (!pending || pending.expiresAt < Date.now())
      return page(400, 'invalid_request', 'no sign-in is waiting for this state');
    const name = pending.provider.ProviderName;
    const fail = (error: string, description: string) =>
      toCallback(pending.redirectUri, error, description, pending.appState);
    // "When an OIDC or OAuth 2.0 IdP returns an error that conforms to standards, Amazon Cognito
    // redirects your user to the callback URL and adds the provider error response".
    const idpError = query.get('error');
    if (idpError)
      return fail(idpError, `${name} Error - ${idpError} ${query.get('error_description') ?? ''}`.trim());
    // The pool's facts do not depend on the IdP's answer: read alongside the exchange (a rejection
    // is handled where it is awaited; one never awaited, after a failed exchange, is dropped).
    const facts = this.reads.poolFacts(pending.userPoolId);
    facts.catch(() => undefined);
    try {
      const claims = await this.claimsFrom(domain, pending, query.get('code') ?? '');
      if ('error' in claims) return fail(claims.error, claims.description);
      return await this.signIn(pending, claims.claims, await facts);
    } catch (error) {
      return fail('server_error', `${name} Error - ${(error as Error).message}`);
    }
  }

  /** The IdP's claims: its token endpoint (client_secret_post), the ID token's checks, userinfo. */
  private async claimsFrom(
    domain: string,
    pending: Pending,
    code: string,
  ): Promise<{ claims: Record<string, unknown> } | { error: string; description: string }> {
    const name = pending.provider.ProviderName;
    const details = pending.provider.ProviderDetails;
    // The key set does not depend on the token response either: fetched alongside the exchange.
    const keysAsked = this.fetchJson(details.jwks_uri ?? '', { method: 'GET' });
    keysAsked.catch(() => undefined);
    // The IdP must support client_secret_post: "Amazon Cognito doesn't support client_secret_basic
    // client authentication" (OIDC IdP page, prerequisites).
    const exchanged = await this.fetchJson(details.token_url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: `https://${domain}/oauth2/idpresponse`,
        client_id: details.client_id ?? '',
        client_secret: details.client_secret ?? '',
      }).toString(),
    });
    if (exchanged.status !== 200) {
      // "Amazon Cognito adds the provider name and HTTP error code to the existing error strings."
      const why = [exchanged.body.error, exchanged.body.error_description].filter(Boolean).join(' ');
      return { error: 'invalid_request', description: `${name} Error - ${exchanged.status} ${why}`.trim() };
    }
    const idToken = decodeJwt(String(exchanged.body.id_token ?? ''));
    if (!idToken)
      return { error: 'invalid_request', description: `${name} Error - no id_token in the token response` };
    const keys = await keysAsked;
    const jwks = Array.isArray(keys.body.keys) ? (keys.body.keys as { kid?: string }[]) : [];
    if (!signatureHolds(idToken, jwks, details.client_secret ?? '')) {
      return { error: 'invalid_request', description: 'Invalid id_token signature' };
    }
    const payload = idToken.payload;
    // The issuer is compared byte for byte with oidc_issuer: a trailing slash more or less fails.
    if (payload.iss !== details.oidc_issuer) {
      return { error: 'invalid_request', description: `Bad id_token issuer ${String(payload.iss)}` };
    }
    const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audience.includes(details.client_id))
      return { error: 'invalid_request', description: 'Bad id_token audience' };
    if (typeof payload.exp !== 'number' || payload.exp < Date.now() / 1000) {
      return { error: 'invalid_request', description: 'id_token expired' };
    }
    if (payload.nonce !== pending.idpNonce)
      return { error: 'invalid_request', description: 'Bad id_token nonce' };
    // "With the access token, your user pool queries the IdP userInfo endpoint to retrieve user
    // attributes" (OIDC flow page), by the attributes_request_method the provider was given.
    const method = details.attributes_request_method === 'POST' ? 'POST' : 'GET';
    const info = await this.fetchJson(details.attributes_url ?? '', {
      method,
      headers: { authorization: `Bearer ${String(exchanged.body.access_token ?? '')}` },
    });
    if (info.status !== 200) {
      return {
        error: 'invalid_request',
        description: `${name} Error - ${info.status} userInfo ${String(info.body.error ?? '')}`.trim(),
      };
    }
    return { claims: { ...payload, ...info.body } };
  }

  /** The attribute mapping applied, the federated user made or updated, a code for the app. */
  private async signIn(
    pending: Pending,
    claims: Record<string, unknown>,
    facts: Awaited<ReturnType<PoolReads['poolFacts']>>,
  ): Promise<Answer> {
    const provider = pending.provider;
    const mapping = { username: 'sub', ...provider.AttributeMapping };
    const attributes: Attributes = {};
    for (const [attribute, claim] of Object.entries(mapping)) {
      const value = claims[claim];
      if (attribute === 'username' || value === undefined || value === null) continue;
      attributes[attribute] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    // "Your IdP didn't send claims that map to required attributes" ends the sign-in with an error.
    const missing = facts.required.filter((name) => !(name in attributes));
    if (missing.length > 0) {
      return toCallback(
        pending.redirectUri,
        'invalid_request',
        `Invalid user attributes: ${missing.map((name) => `${name}: Attribute is required.`).join(' ')}`,
        pending.appState,
      );
    }
    const userId = String(claims[mapping.username] ?? '');
    // Federated users are named <ProviderName>_<the IdP's user id>.
    const username = `${provider.ProviderName}_${userId}`;
    await this.reads.saveFederatedUser(pending.userPoolId, username, attributes, facts.usernameAttributes);
    const dateCreated = this.linkedAt.get(username) ?? String(Date.now());
    this.linkedAt.set(username, dateCreated);
    const code = this.tokens.issueCode({
      userPoolId: pending.userPoolId,
      clientId: pending.clientId,
      username,
      scopes: pending.scopes,
      authTime: Math.floor(Date.now() / 1000),
      identities: [
        {
          userId,
          providerName: provider.ProviderName,
          providerType: 'OIDC',
          issuer: null,
          primary: 'true',
          dateCreated,
        },
      ],
      redirectUri: pending.redirectUri,
      ...(pending.codeChallenge === undefined ? {} : { codeChallenge: pending.codeChallenge }),
      ...(pending.appNonce === undefined ? {} : { nonce: pending.appNonce }),
    });
    const callback = new URL(pending.redirectUri);
    callback.searchParams.set('code', code);
    if (pending.appState !== undefined) callback.searchParams.set('state', pending.appState);
    return { kind: 'redirect', location: callback.href };
  }

  private async fetchJson(
    url: string,
    init: RequestInit,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: response.status, body: body && typeof body === 'object' ? body : {} };
  }
}
