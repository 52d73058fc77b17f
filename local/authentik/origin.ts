// Where a request says Authentik is: every absolute URL Authentik answers with (the issuer,
// setup_urls, the discovery document's endpoints) is built from the request, not from the address
// it listens on. Django's request.build_absolute_uri takes the host from the Host header
// (authentik/root/settings.py: ALLOWED_HOSTS = ["*"], USE_X_FORWARDED_HOST unset) and the scheme
// from X-Forwarded-Proto when it says https (SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO",
// "https")). Authentik's reverse-proxy page (docs.goauthentik.io/install-config/reverse-proxy) is
// why a proxy must pass both.
import type { IncomingMessage } from 'node:http';

/** `<scheme>://<host>` of the request, no trailing slash; `fallback` when it carries no Host. */
export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  if (host === undefined || host === '') return fallback;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}
