// Where a tenant's federation lives: the names provisioning recorded, else the ones the spec
// brought. Pure, so the listing reads the Cognito names without the verification's clients.
import { redirectUriFor } from '#lib/cognito.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { Target } from './types.ts';

type CognitoNameFields = 'userPoolId' | 'appClientId' | 'identityProviderName';

/**
 * The Cognito names a tenant's federation lives under: what provisioning recorded, else what the
 * spec brought. Partial inputs are enough (the listing reads only these fields).
 */
export function cognitoNamesOf(
  spec: { cognito?: Partial<Pick<TenantSpec['cognito'], CognitoNameFields>> } | undefined,
  resources: Partial<Pick<Resources, CognitoNameFields>> | undefined,
): Partial<Pick<Target, CognitoNameFields>> {
  const userPoolId = resources?.userPoolId ?? spec?.cognito?.userPoolId;
  const appClientId = resources?.appClientId ?? spec?.cognito?.appClientId;
  const identityProviderName = resources?.identityProviderName ?? spec?.cognito?.identityProviderName;
  return {
    ...(userPoolId ? { userPoolId } : {}),
    ...(appClientId ? { appClientId } : {}),
    ...(identityProviderName ? { identityProviderName } : {}),
  };
}

export function targetOf(spec: TenantSpec, resources: Resources): Target {
  const { userPoolId, appClientId } = cognitoNamesOf(spec, resources);
  const domain = resources.userPoolDomain ?? spec.cognito.customDomain;
  const redirectUri = resources.redirectUri ?? (domain ? redirectUriFor(domain) : undefined);
  return {
    ...(userPoolId ? { userPoolId } : {}),
    ...(appClientId ? { appClientId } : {}),
    identityProviderName: resources.identityProviderName ?? spec.cognito.identityProviderName,
    ...(domain ? { domain } : {}),
    ...(redirectUri ? { redirectUri } : {}),
    issuer: resources.issuer ?? `${spec.authentik.baseUrl}/application/o/${spec.authentik.applicationSlug}/`,
  };
}
