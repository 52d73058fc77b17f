// Drift made behind the product's back that Cognito itself would refuse (the strict layer too): an
// issuer without its trailing slash has no discovery document, so it is written into moto directly,
// as drift that slipped past Cognito's checks.
import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/** Drops the trailing slash of the identity provider's issuer in moto; returns the issuer it had. */
export async function dropIssuerSlashInMoto(
  moto: CognitoIdentityProviderClient,
  userPoolId: string | undefined,
  providerName: string,
): Promise<string> {
  const current = await moto.send(
    new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: providerName }),
  );
  const details = current.IdentityProvider?.ProviderDetails ?? {};
  const issuer = details.oidc_issuer as string;
  await moto.send(
    new UpdateIdentityProviderCommand({
      UserPoolId: userPoolId,
      ProviderName: providerName,
      ProviderDetails: { ...details, oidc_issuer: issuer.replace(/\/$/, '') },
    }),
  );
  return issuer;
}
