// The app client's managed login branding style. An app client created through the API has none,
// and on a domain with managed login (ManagedLoginVersion 2) its sign-in pages stay unavailable
// until one is applied ("Managed login and classic hosted UI pages aren't available for your
// client until after you apply a branding style",
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html;
// "To use managed login, create a branding style using the CreateManagedLoginBranding operation",
// ManagedLoginVersion in
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html).
// So when the client has no style, Cognito's default one is applied (UseCognitoProvidedValues);
// a style the client already has is the tenant's and is left as it is. A domain on the classic
// hosted UI (1) is left alone, as the tenant chose it.
import {
  type CognitoIdentityProviderClient,
  CreateManagedLoginBrandingCommand,
  DeleteManagedLoginBrandingCommand,
  DescribeManagedLoginBrandingByClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoFind, isCognitoError, mapCognitoError } from '#lib/cognito.ts';
import { PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { MANAGED_LOGIN } from './domain.ts';
import type { Progress } from './progress.ts';

export interface EnsuredBranding {
  /** The client's style, when its domain is on managed login. */
  brandingId?: string;
  /** Whether it is this system's to remove on deprovisioning: it applied it, or owns the client. */
  owned: boolean;
}

async function styleOf(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string,
): Promise<string | undefined> {
  const found = await cognitoFind('DescribeManagedLoginBrandingByClient', () =>
    cognito.send(
      new DescribeManagedLoginBrandingByClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    ),
  );
  return found?.ManagedLoginBranding?.ManagedLoginBrandingId;
}

export async function ensureBranding(
  resources: Resources,
  userPoolId: string,
  client: { clientId: string; owned: boolean },
  managedLoginVersion: number | undefined,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<EnsuredBranding> {
  if (managedLoginVersion !== MANAGED_LOGIN) return { owned: false };
  const clientId = client.clientId;
  const existing = await styleOf(cognito, userPoolId, clientId);
  if (existing) {
    // On a client this system owns the style is its own too (a run that crashed after applying it
    // could not record it); on the tenant's client, only the one it recorded applying.
    const recorded =
      resources.created?.includes('managedLoginBrandingId') === true &&
      resources.managedLoginBrandingId === existing;
    return { brandingId: existing, owned: client.owned || recorded };
  }
  try {
    const created = await cognito.send(
      new CreateManagedLoginBrandingCommand({
        UserPoolId: userPoolId,
        ClientId: clientId,
        UseCognitoProvidedValues: true,
      }),
    );
    progress.writes += 1;
    progress.createdSomething = true;
    const id = created.ManagedLoginBranding?.ManagedLoginBrandingId;
    if (!id) throw new PreconditionError('CreateManagedLoginBranding returned no branding id');
    return { brandingId: id, owned: true };
  } catch (error) {
    if (!isCognitoError(error, 'ManagedLoginBrandingExistsException')) {
      throw mapCognitoError(error, 'CreateManagedLoginBranding');
    }
    // A style appeared between the look and the create: whoever applied it keeps it.
    const raced = await styleOf(cognito, userPoolId, clientId);
    return raced ? { brandingId: raced, owned: client.owned } : { owned: false };
  }
}

/** Removes the style this system applied; true when it was there. */
export async function destroyBranding(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  brandingId: string,
): Promise<boolean> {
  const result = await cognitoFind('DeleteManagedLoginBranding', () =>
    cognito.send(
      new DeleteManagedLoginBrandingCommand({ UserPoolId: userPoolId, ManagedLoginBrandingId: brandingId }),
    ),
  );
  return result !== undefined;
}
