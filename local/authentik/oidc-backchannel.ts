// The OIDC endpoints a client calls without the user: token, revoke and introspect (the client
// authenticates, oidc-token.ts) and userinfo (the access token names the client). Each request is
// routed to the oidc-provider instance of the application whose client it names; the token
// endpoint's own checks (oidc-token.ts, authentik/providers/oauth2/views/token.py) come first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OidcProvider } from './backend.ts';
import { bearerToken, formParams, readRawBody, replay, sendJson } from './oidc-http.ts';
import { GLOBAL_PATHS } from './oidc-instance.ts';
import type { OidcStore } from './oidc-store.ts';
import { clientAuth, tokenRefusal } from './oidc-token.ts';

export const BACKCHANNEL_PATHS = new Set<string>([
  GLOBAL_PATHS.token,
  GLOBAL_PATHS.revocation,
  GLOBAL_PATHS.introspection,
  GLOBAL_PATHS.userinfo,
]);

/** The client's provider and the oidc-provider instance that serves it. */
export interface BackchannelTarget {
  provider: OidcProvider;
  callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface BackchannelDeps {
  store: OidcStore;
  resolveClient(clientId: string | undefined): Promise<BackchannelTarget | undefined>;
}

/** Serves one request to a path of BACKCHANNEL_PATHS. */
export async function serveBackchannel(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: BackchannelDeps,
): Promise<void> {
  let forward = req;
  let form = new URLSearchParams();
  if (req.method === 'POST') {
    const body = await readRawBody(req);
    if (!body) {
      sendJson(res, 413, { error: 'invalid_request', error_description: 'request body too large' });
      return;
    }
    form = formParams(req, body);
    forward = replay(req, body);
  }
  if (path === GLOBAL_PATHS.userinfo) {
    const token = bearerToken(req) ?? form.get('access_token') ?? undefined;
    const stored = token === undefined ? undefined : deps.store.get('AccessToken', token);
    const found = await deps.resolveClient(
      typeof stored?.clientId === 'string' ? stored.clientId : undefined,
    );
    if (!found) {
      sendJson(
        res,
        401,
        { error: 'invalid_token', error_description: 'invalid token provided' },
        { 'www-authenticate': 'Bearer realm="authentik", error="invalid_token"' },
      );
      return;
    }
    await found.callback(forward, res);
    return;
  }
  const client = clientAuth(req, form);
  const found = await deps.resolveClient(client.id);
  if (path === GLOBAL_PATHS.token) {
    const refusal = tokenRefusal(found?.provider, client.secret, form);
    if (refusal) {
      sendJson(res, refusal.status, refusal.body);
      return;
    }
  }
  if (!found) {
    sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    return;
  }
  await found.callback(forward, res);
}
