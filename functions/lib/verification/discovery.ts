// Reads the issuer's OIDC discovery document as Cognito does (`<issuer>.well-known/openid-configuration`,
// plain concatenation). The verification runs inside AWS on a schedule, so the URL it fetches is an
// SSRF boundary: only the tenant's Authentik is ever asked — the origin the spec's baseUrl names,
// which the deployment's allow-list has already accepted — and a redirect is never followed.

import { AUTHENTIK_HTTP_TIMEOUT_MS, requestAuthentik } from './authentik-http.ts';
import type { DiscoveryResult } from './types.ts';

export const DISCOVERY_TIMEOUT_MS = AUTHENTIK_HTTP_TIMEOUT_MS;

export interface DiscoveryOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * The discovery URL of `issuer`, or why it may not be fetched: the issuer must be on the Authentik
 * origin itself (same scheme, host and port), without credentials.
 */
export function discoveryUrl(
  issuer: string,
  authentikBaseUrl: string,
): { url: string } | { refused: string } {
  let parsed: URL;
  try {
    parsed = new URL(issuer);
  } catch {
    return { refused: `the issuer "${issuer}" is not a URL` };
  }
  const authentik = new URL(authentikBaseUrl);
  if (parsed.username !== '' || parsed.password !== '') {
    return { refused: 'the issuer carries credentials' };
  }
  if (parsed.origin !== authentik.origin) {
    return {
      refused: `the issuer's origin ${parsed.origin} is not the tenant's Authentik (${authentik.origin}); the verification fetches nothing else`,
    };
  }
  return { url: `${issuer}.well-known/openid-configuration` };
}

export async function fetchDiscovery(
  issuer: string,
  authentikBaseUrl: string,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const target = discoveryUrl(issuer, authentikBaseUrl);
  if ('refused' in target) return { ok: false, reason: 'ISSUER_HOST_MISMATCH', message: target.refused };
  const { url } = target;
  const unreachable = (why: string): DiscoveryResult => ({
    ok: false,
    reason: 'DISCOVERY_UNREACHABLE',
    url,
    message: `the discovery document at ${url} ${why}`,
  });
  const answer = await requestAuthentik(
    url,
    authentikBaseUrl,
    { headers: { accept: 'application/json' } },
    { ...options, timeoutMs: options.timeoutMs ?? DISCOVERY_TIMEOUT_MS },
  );
  if (!answer.ok) return unreachable(answer.why);
  const { status, location } = answer;
  if (status >= 300 && status < 400) {
    return unreachable(
      `redirects (${status}${location ? ` to ${location}` : ''}); redirects are not followed`,
    );
  }
  if (status !== 200) return unreachable(`answered HTTP ${status}`);
  let document: unknown;
  try {
    document = JSON.parse(answer.body);
  } catch {
    return unreachable('is not JSON');
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    return unreachable('is not a JSON object');
  }
  return { ok: true, url, document: document as Record<string, unknown> };
}
