// How the flow executor takes requests and answers them (flows.ts): a logged-in session's POST must
// echo the CSRF cookie, bodies are JSON only, a `next` URL is followed only when relative.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCappedBody } from '../http-body.ts';
import { CSRF_COOKIE, CSRF_HEADER, readCookie } from './sessions.ts';

const MAX_BODY_BYTES = 64 * 1024;

type Json = Record<string, unknown>;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}

/** Authentik follows only relative `next` URLs (flows/views/executor.py, is_url_absolute). */
export function isAbsoluteUrl(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');
}

/**
 * DRF's SessionAuthentication.enforce_csrf for a request whose session has a logged-in user (the
 * executor takes the DEFAULT_AUTHENTICATION_CLASSES, authentik/root/settings.py): the
 * authentik_csrf cookie must come back in X-authentik-CSRF; a refusal is 403 "CSRF Failed: <Django's
 * reason>" (django/middleware/csrf.py). Anonymous POSTs (identification, password) are not checked.
 */
export function csrfFailure(req: IncomingMessage): string | undefined {
  const cookie = readCookie(req, CSRF_COOKIE);
  if (!cookie) return 'CSRF Failed: CSRF cookie not set.';
  const header = req.headers[CSRF_HEADER];
  const sent = Array.isArray(header) ? header[0] : header;
  if (!sent) return 'CSRF Failed: CSRF token missing.';
  if (sent !== cookie) return 'CSRF Failed: CSRF token incorrect.';
  return undefined;
}

/** The executor parses JSON only (DEFAULT_PARSER_CLASSES: ORJSONParser, authentik/root/settings.py). */
export function unsupportedMediaType(req: IncomingMessage): string | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type === '' ? undefined : type;
}

export async function readBody(req: IncomingMessage): Promise<Json | 'invalid'> {
  const body = await readCappedBody(req, MAX_BODY_BYTES);
  if (body === undefined) return 'invalid';
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Json)
      : 'invalid';
  } catch {
    return 'invalid';
  }
}
