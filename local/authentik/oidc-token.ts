// What Authentik's token endpoint checks itself, in its order, before a code is looked at
// (TokenView.post and TokenParams, authentik/providers/oauth2/views/token.py): the client must
// exist; for the code and refresh grants a confidential client's secret must match; a code must be
// given; the redirect URI must be one of the provider's (strict or regex); only then is the code
// looked up (left to oidc-provider, which answers invalid_grant like Authentik). Every refusal is
// HTTP 400 with TokenError's description (authentik/common/oauth/errors.py), invalid_client
// included. The client authenticates with HTTP Basic or with client_id/client_secret in the body
// (extract_client_auth, authentik/providers/oauth2/utils.py).
import type { IncomingMessage } from 'node:http';
import type { OidcProvider } from './backend.ts';
import { forbiddenScheme, ruleMatches } from './oidc-redirect-uri.ts';

const DESCRIPTIONS = {
  invalid_request: 'The request is otherwise malformed',
  invalid_client:
    'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)',
  invalid_grant:
    'The provided authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client',
} as const;

export type TokenRefusal = { status: 400; body: { error: string; error_description: string } };

const refuse = (error: keyof typeof DESCRIPTIONS): TokenRefusal => ({
  status: 400,
  body: { error, error_description: DESCRIPTIONS[error] },
});

/** The client id and secret of a token request: Basic first, else the body. */
export function clientAuth(req: IncomingMessage, form: URLSearchParams): { id: string; secret: string } {
  const [scheme, value] = (req.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      const unquote = (text: string) => {
        try {
          return decodeURIComponent(text.replace(/\+/g, '%20'));
        } catch {
          return text;
        }
      };
      return { id: unquote(decoded.slice(0, colon)), secret: unquote(decoded.slice(colon + 1)) };
    }
  }
  return { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' };
}

/** Authentik's refusal of this token request before the code, or undefined to go on. */
export function tokenRefusal(
  provider: OidcProvider | undefined,
  secret: string,
  form: URLSearchParams,
): TokenRefusal | undefined {
  if (!provider) return refuse('invalid_client');
  const grant = form.get('grant_type') ?? '';
  // From 2026.8 a provider lists the grant types it allows, and the token request refuses any
  // other first, with invalid_grant (TokenRequest.parse of the 2026.x token endpoint:
  // "grant_type_not_configured").
  if (provider.grantTypes !== undefined && !provider.grantTypes.includes(grant))
    return refuse('invalid_grant');
  if (
    (grant === 'authorization_code' || grant === 'refresh_token') &&
    provider.clientType === 'confidential' &&
    provider.clientSecret !== secret
  ) {
    return refuse('invalid_client');
  }
  if (grant !== 'authorization_code') return undefined;
  if (!form.get('code')) return refuse('invalid_grant');
  const redirectUri = form.get('redirect_uri') ?? '';
  if (!provider.redirectUris.some((rule) => ruleMatches(rule, redirectUri))) return refuse('invalid_client');
  if (forbiddenScheme(redirectUri)) return refuse('invalid_request');
  return undefined;
}
