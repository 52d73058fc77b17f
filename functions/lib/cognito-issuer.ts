// What Cognito accepts as an OIDC issuer, checked at the edge on the one field it comes from.
//
// The tenant's issuer is `<authentik.baseUrl>/application/o/<slug>/`: Authentik builds it from the
// origin it is reached on. Cognito federates only with an IdP that "only uses HTTPS" for its OIDC
// endpoints and "only uses TCP ports 80 and 443" (Prerequisites of "Using OIDC identity providers
// with a user pool",
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html).
// An Authentik on another port would pass every Authentik step and fail at
// CreateIdentityProvider half-way through a provisioning, or at sign-in; the spec refuses it first.

/** The ports Cognito reaches an OIDC IdP on; `URL` leaves 443 out of an https origin. */
const ISSUER_PORTS = new Set(['', '80']);

/**
 * Why Cognito would refuse the issuer derived from this base URL; empty when it would not. Plain
 * http is judged by the Authentik address rules (refused but for loopback in the local world,
 * whose emulator listens on a port of its own and never meets Cognito).
 */
export function cognitoIssuerProblems(baseUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return [];
  }
  if (url.protocol !== 'https:' || ISSUER_PORTS.has(url.port)) return [];
  return [
    `port ${url.port} cannot serve the issuer: Cognito accepts an OIDC issuer only over https on port 443 ` +
      `(or 80), and the issuer is ${url.origin}/application/o/<slug>/; serve Authentik on port 443`,
  ];
}
