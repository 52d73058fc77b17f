// The plain HTTP the OIDC endpoints need around oidc-provider: answers (an HTML page, JSON), a body
// read once and replayed for oidc-provider to parse, oidc-provider's own session cookie taken off a
// request, and the client id or token a request carries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { readCappedBody } from '../http-body.ts';
import { deniedPage, errorPage } from './oidc-page.ts';

const MAX_BODY_BYTES = 56 * 1024;
// oidc-provider's own session cookie: every authorization must consult the Authentik session
// instead, so requests reach oidc-provider without it.
const PROVIDER_SESSION_COOKIES = new Set([
  '_session',
  '_session.sig',
  '_session.legacy',
  '_session.legacy.sig',
]);

/** Authentik's if/error.html, HTTP 400 (see oidc-page.ts). */
export function sendErrorPage(res: ServerResponse, title: string, text: string): void {
  sendHtml(res, 400, errorPage(title, text));
}

/** Authentik's policies/denied.html, HTTP 200 (see oidc-page.ts). */
export function sendDeniedPage(res: ServerResponse, error?: string): void {
  sendHtml(res, 200, deniedPage(error));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function readRawBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return readCappedBody(req, MAX_BODY_BYTES);
}

/** The request again, with its body readable once more, for oidc-provider to parse. */
export function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = Readable.from(body.length > 0 ? [body] : []) as unknown as Record<string, unknown>;
  const source = req as unknown as Record<string, unknown>;
  for (const key of [
    'headers',
    'rawHeaders',
    'method',
    'url',
    'httpVersion',
    'httpVersionMajor',
    'httpVersionMinor',
  ]) {
    copy[key] = source[key];
  }
  copy.socket = req.socket;
  copy.connection = req.socket;
  copy.complete = true;
  return copy as unknown as IncomingMessage;
}

export function withoutProviderSession(req: IncomingMessage): void {
  const header = req.headers.cookie;
  if (!header) return;
  const kept = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !PROVIDER_SESSION_COOKIES.has(part.slice(0, part.indexOf('=')).trim()));
  if (kept.length > 0) req.headers.cookie = kept.join('; ');
  else delete req.headers.cookie;
}

export function basicClientId(req: IncomingMessage): string | undefined {
  const [scheme, value] = (req.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const [scheme, value] = (req.headers.authorization ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && value ? value : undefined;
}

export function formParams(req: IncomingMessage, body: Buffer): URLSearchParams {
  return (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : new URLSearchParams();
}
