// The guide's "Test it" URL: Cognito's hosted UI, sent straight to the Authentik identity provider.
// Built with URLSearchParams so every value is encoded (a provider name may hold any Unicode letter
// or punctuation, a callback URL has its own query), and spaces in the scope become `+`.

export interface HostedUiLogin {
  /** The pool's domain host: `<prefix>.auth.<region>.amazoncognito.com` or a custom domain. */
  domain: string;
  identityProviderName: string;
  /** One of the app client's callback URLs. */
  redirectUri: string;
  appClientId: string;
  scopes: readonly string[];
}

export function hostedUiLoginUrl(login: HostedUiLogin): string {
  const url = new URL(`https://${login.domain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    identity_provider: login.identityProviderName,
    redirect_uri: login.redirectUri,
    response_type: 'code',
    client_id: login.appClientId,
    scope: login.scopes.join(' '),
  }).toString();
  return url.href;
}
