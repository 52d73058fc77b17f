// The demo app: a tiny web app on loopback that signs in through Cognito's hosted UI (the local
// world's) the way an app of the tenant would, with the authorization code grant and PKCE (the
// example tenant's app client is public): a page with a "Sign in with Authentik" button that starts
// the guide's hosted-UI URL, and a callback that exchanges the code at /oauth2/token, checks the ID
// token against the pool's key set, and shows who signed in. Its callback URL,
// `http://localhost:<port>/auth/callback`, is one the example tenant registers on its app client.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, signatureHolds } from '../hosted-ui/jwt.ts';

export interface DemoTenant {
  /** Where the world's hosted UI serves the pool's domain: `<hostedUi>/<domain>`. */
  domainUrl: string;
  /** The world's hosted UI itself (the pool's key set is under it). */
  hostedUi: string;
  appClientId: string;
  identityProviderName: string;
  scopes?: readonly string[];
}

export interface DemoApp {
  /** `http://localhost:<port>` */
  url: string;
  callbackUrl: string;
  use(tenant: DemoTenant): void;
  stop(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(res: ServerResponse, status: number, title: string, body: string): void {
  const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
  });
  res.end(page);
}

/** The demo's view of a provisioned tenant: its registry record's resources, in a world. */
export function demoTenantOf(
  hostedUi: string,
  resources: { loginUrl?: string; appClientId?: string; identityProviderName?: string },
): DemoTenant | undefined {
  if (!resources.loginUrl || !resources.appClientId || !resources.identityProviderName) return undefined;
  return {
    domainUrl: `${hostedUi}/${new URL(resources.loginUrl).host}`,
    hostedUi,
    appClientId: resources.appClientId,
    identityProviderName: resources.identityProviderName,
  };
}

export interface DemoAppOptions {
  /** Default: a free port. The example tenant registers http://localhost:3000/auth/callback. */
  port?: number;
  /** The tenant to sign in to, looked up on each visit (a tenant may be provisioned later). */
  tenant?: () => Promise<DemoTenant | undefined>;
}

export async function startDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  let resolveTenant = options.tenant ?? (async () => undefined);
  // state → PKCE verifier, for the sign-ins under way.
  const pending = new Map<string, string>();
  // The pools' key sets, by pool id.
  const keySets = new Map<string, { kid?: string }[]>();
  let callbackUrl = '';

  const signIn = (res: ServerResponse, current: DemoTenant) => {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    pending.set(state, verifier);
    const authorize = new URL(`${current.domainUrl}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      identity_provider: current.identityProviderName,
      redirect_uri: callbackUrl,
      response_type: 'code',
      client_id: current.appClientId,
      scope: (current.scopes ?? ['openid', 'email', 'profile']).join(' '),
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    res.writeHead(302, { location: authorize.href, 'content-length': 0 });
    res.end();
  };

  const callback = async (res: ServerResponse, current: DemoTenant, query: URLSearchParams) => {
    const error = query.get('error');
    if (error) {
      return html(
        res,
        400,
        'Sign-in failed',
        `<p id="error">${escapeHtml(`${error}: ${query.get('error_description') ?? ''}`)}</p><p><a href="/">Back</a></p>`,
      );
    }
    const verifier = pending.get(query.get('state') ?? '');
    pending.delete(query.get('state') ?? '');
    if (!verifier) return html(res, 400, 'Sign-in failed', '<p id="error">unknown state</p>');
    const response = await fetch(`${current.domainUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: current.appClientId,
        code: query.get('code') ?? '',
        redirect_uri: callbackUrl,
        code_verifier: verifier,
      }).toString(),
    });
    const tokens = (await response.json()) as { id_token?: string; error?: string };
    const idToken = decodeJwt(tokens.id_token ?? '');
    if (response.status !== 200 || !idToken) {
      return html(
        res,
        502,
        'Sign-in failed',
        `<p id="error">token endpoint: HTTP ${response.status} ${escapeHtml(tokens.error ?? '')}</p>`,
      );
    }
    // The pool's keys are at <issuer>/.well-known/jwks.json; the world serves the issuer's path.
    const poolId =
      String(idToken.payload.iss ?? '')
        .split('/')
        .pop() ?? '';
    // Kept per pool as apps keep it, and read again when the token's key is not in it (a new key).
    const fetchKeys = async () => {
      const jwks = (await (await fetch(`${current.hostedUi}/${poolId}/.well-known/jwks.json`)).json()) as {
        keys: { kid?: string }[];
      };
      keySets.set(poolId, jwks.keys);
      return jwks.keys;
    };
    const known = keySets.get(poolId);
    const verified =
      (known !== undefined && signatureHolds(idToken, known, '')) ||
      signatureHolds(idToken, await fetchKeys(), '');
    const claims = idToken.payload;
    return html(
      res,
      200,
      'Signed in',
      `<p>Signed in as <strong id="email">${escapeHtml(String(claims.email ?? ''))}</strong></p>` +
        `<p>Cognito username: <code id="username">${escapeHtml(String(claims['cognito:username'] ?? ''))}</code></p>` +
        `<p>ID token signature: <span id="signature">${verified ? 'valid' : 'INVALID'}</span></p>` +
        `<pre id="claims">${escapeHtml(JSON.stringify(claims, null, 2))}</pre><p><a href="/">Start again</a></p>`,
    );
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const work = async () => {
      const current = await resolveTenant();
      if (!current) return html(res, 503, 'Demo app', '<p>No tenant is provisioned yet.</p>');
      if (url.pathname === '/') {
        return html(
          res,
          200,
          'Demo app',
          '<p>An app of the tenant, signing in through Cognito.</p><p><a id="sign-in" href="/login">Sign in with Authentik</a></p>',
        );
      }
      if (url.pathname === '/login') return signIn(res, current);
      if (url.pathname === '/auth/callback') return callback(res, current, url.searchParams);
      return html(res, 404, 'Not found', '');
    };
    work().catch((error: unknown) => {
      if (!res.headersSent)
        html(res, 500, 'Demo app error', `<p id="error">${escapeHtml((error as Error).message)}</p>`);
    });
  });
  // Kept between the start of a sign-in and its callback; stop() closes it.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  callbackUrl = `${url}/auth/callback`;
  return {
    url,
    callbackUrl,
    use: (next) => {
      resolveTenant = async () => next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
