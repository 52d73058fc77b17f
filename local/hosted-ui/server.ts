// The local world's Cognito hosted UI: one loopback server for every user pool domain, each served
// under a path prefix that is its host, so `https://<domain>/oauth2/authorize` is
// `<base>/<domain>/oauth2/authorize` here (prefix domains `<prefix>.auth.<region>.amazoncognito.com`
// and custom domains alike). The pool's signing keys are served where Cognito serves them, under
// the issuer's path: `<base>/<poolId>/.well-known/jwks.json`. The endpoints are the user pool
// endpoints reference's (https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html);
// each is sourced in federation.ts and tokens.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MotoUpstream } from '../cognito/moto-upstream.ts';
import { readCappedBody } from '../http-body.ts';
import { type Answer, Federation } from './federation.ts';
import { PoolReads } from './pool-reads.ts';
import { TokenIssuer } from './tokens.ts';

export interface HostedUiOptions {
  motoEndpoint: string;
  /** The world's queue of Cognito requests to moto, shared with the strict layer (moto-upstream.ts). */
  upstream?: MotoUpstream;
  region: string;
  /** Per request to an identity provider (default 5 s). */
  timeoutMs?: number;
}

export interface HostedUi {
  /** `http://127.0.0.1:<port>`: a domain is served at `<url>/<domain>`. */
  url: string;
  /** The base URL of a domain: what `https://<domain>` is in the local world. */
  baseUrlOf(domain: string): string;
  /** Requests served, by path without query (no bodies, no codes, no tokens). */
  requests: { method: string; endpoint: string; status: number }[];
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, answer: Answer): void {
  if (answer.kind === 'redirect') {
    res.writeHead(302, { location: answer.location, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
    return;
  }
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(answer.title)}</title></head><body><h1>An error was encountered with the requested page.</h1><p id="error">${escapeHtml(answer.title)}</p><p>${escapeHtml(answer.text)}</p></body></html>`;
  res.writeHead(answer.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'cache-control': 'no-store',
    // The token endpoint page: it "returns an Access-Control-Allow-Origin: * response header".
    'access-control-allow-origin': '*',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const body = await readCappedBody(req, MAX_BODY_BYTES);
  return body === undefined ? undefined : new URLSearchParams(body.toString('utf8'));
}

export async function startHostedUi(options: HostedUiOptions): Promise<HostedUi> {
  const moto = options.upstream ?? new MotoUpstream(options.motoEndpoint);
  const reads = new PoolReads(moto, options.region);
  const tokens = new TokenIssuer(reads, options.region);
  const federation = new Federation(reads, tokens, options.timeoutMs ?? 5_000);
  const requests: HostedUi['requests'] = [];

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://hosted-ui.invalid');
    const method = req.method ?? 'GET';
    const [, first = '', ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    const head = decodeURIComponent(first);

    if (POOL_ID.test(head) && path === '/.well-known/jwks.json' && method === 'GET') {
      sendJson(res, 200, tokens.jwks(head));
      return;
    }
    const userPoolId = head.includes('.') ? await reads.poolOfDomain(head) : undefined;
    if (!userPoolId) {
      send(res, {
        kind: 'page',
        status: 404,
        title: 'Not Found',
        text: `no user pool has the domain ${head}`,
      });
      return;
    }
    switch (`${method} ${path.toLowerCase()}`) {
      case 'GET /oauth2/authorize':
        send(res, await federation.authorize(head, userPoolId, url.searchParams));
        return;
      case 'GET /oauth2/idpresponse':
        send(res, await federation.idpResponse(head, url.searchParams));
        return;
      case 'POST /oauth2/token': {
        const form = await readForm(req);
        if (!form) return sendJson(res, 400, { error: 'invalid_request' });
        const answer = await tokens.token(userPoolId, form, req.headers.authorization);
        sendJson(res, answer.status, answer.body);
        return;
      }
      // The userInfo endpoint answers GET and POST with the access token as a bearer token.
      case 'GET /oauth2/userinfo':
      case 'POST /oauth2/userinfo': {
        const answer = await tokens.userInfo(userPoolId, req.headers.authorization);
        sendJson(res, answer.status, answer.body);
        return;
      }
      default:
        send(res, {
          kind: 'page',
          status: 404,
          title: 'Not Found',
          text: `${method} ${path} is not a hosted UI endpoint`,
        });
    }
  };

  const server = createServer((req, res) => {
    const endpoint = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('finish', () => requests.push({ method: req.method ?? 'GET', endpoint, status: res.statusCode }));
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      send(res, { kind: 'page', status: 500, title: 'Server Error', text: (error as Error).message });
    });
  });
  // A browser reaches this server twice in one sign-in (authorize, then idpresponse) and an app
  // once more (token): the connection is kept open in between; stop() closes it.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrlOf: (domain) => `${url}/${domain}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!options.upstream) moto.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
