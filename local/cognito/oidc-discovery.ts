import { invalidParameter } from './protocol.ts';

/** The endpoints Cognito reads from an issuer's discovery document and shows in ProviderDetails. */
export interface DiscoveredEndpoints {
  authorize_url: string;
  token_url: string;
  attributes_url: string;
  jwks_uri: string;
}

const endpointFields: Record<keyof DiscoveredEndpoints, string> = {
  authorize_url: 'authorization_endpoint',
  token_url: 'token_endpoint',
  attributes_url: 'userinfo_endpoint',
  jwks_uri: 'jwks_uri',
};

/**
 * Fetches `<oidc_issuer>.well-known/openid-configuration`, by plain concatenation as Cognito
 * does, so an issuer written without its trailing slash points nowhere and fails here as it
 * would fail there; the document's `issuer` must then be byte-for-byte the configured one.
 */
export async function discoverOidcEndpoints(issuer: string, timeoutMs: number): Promise<DiscoveredEndpoints> {
  checkIssuerUrl(issuer);
  const documentUrl = `${issuer}.well-known/openid-configuration`;
  let document: Record<string, unknown>;
  try {
    const response = await fetch(documentUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    if (response.status !== 200) {
      await response.arrayBuffer().catch(() => undefined);
      throw new Error(`it answered HTTP ${response.status}`);
    }
    const parsed: unknown = await response.json();
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('it is not a JSON object');
    document = parsed as Record<string, unknown>;
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : reasonOf(error);
    throw invalidParameter(`Unable to read the OIDC discovery document at ${documentUrl}: ${reason}`);
  }
  if (document.issuer !== issuer) {
    throw invalidParameter(
      `The issuer in the OIDC discovery document (${String(document.issuer)}) does not match oidc_issuer (${issuer})`,
    );
  }
  const endpoints: Partial<DiscoveredEndpoints> = {};
  for (const [detail, field] of Object.entries(endpointFields) as [keyof DiscoveredEndpoints, string][]) {
    const value = document[field];
    if (typeof value !== 'string' || !value) {
      throw invalidParameter(`The OIDC discovery document at ${documentUrl} has no ${field}`);
    }
    endpoints[detail] = value;
  }
  return endpoints as DiscoveredEndpoints;
}

/**
 * OIDC ProviderDetails as Cognito stores them: the endpoints it discovered are added unless the
 * caller gave them, and `attributes_url_add_attributes` is set as Cognito sets it.
 */
export async function withDiscoveredEndpoints(
  details: Record<string, string>,
  timeoutMs: number,
): Promise<Record<string, string>> {
  const issuer = details.oidc_issuer ?? '';
  const discovered = await discoverOidcEndpoints(issuer, timeoutMs);
  return { attributes_url_add_attributes: 'false', ...discovered, ...details };
}

// The OIDC IdP page of the Cognito developer guide
// (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html,
// Prerequisites): the IdP "only uses HTTPS" for its OIDC endpoints and "only uses TCP ports 80 and
// 443". Plain http is allowed for loopback hosts alone, where the local world's Authentik emulator
// lives on a port of its own; nothing on AWS reaches a loopback issuer anyway.
function checkIssuerUrl(issuer: string): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw invalidParameter(`oidc_issuer must be an absolute https URL, got ${issuer}`);
  }
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return;
  if (url.protocol !== 'https:') throw invalidParameter(`oidc_issuer must be an https URL, got ${issuer}`);
  // URL drops the scheme's default port, so '' is 443 here.
  if (url.port !== '' && url.port !== '80') {
    throw invalidParameter(`oidc_issuer must be on port 443 (or 80), got ${issuer}`);
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
