// The verification in depth, for the scheduled re-verification, the CLI and the API: every
// provisioning step's own check, then the federation end to end, as Cognito would exercise it
// (discovery, issuer, keys, token endpoint, client credentials, attribute mapping, app client,
// redirect URIs of every domain, the access policy, the test user's login and its ID token).

import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { authentikReadsOnce } from './authentik-reads.ts';
import {
  appClientCheck,
  discoveryCheck,
  identityProviderCheck,
  issuerCheck,
  loginUrlCheck,
  redirectUriCheck,
} from './checks.ts';
import { type CognitoReads, cognitoReadsOnce } from './cognito-reads.ts';
import { VerificationContext } from './context.ts';
import { hostedUiCheck } from './hosted-ui.ts';
import { managedLoginCheck } from './managed-login.ts';
import {
  accessCheck,
  attributeMappingCheck,
  clientCredentialsCheck,
  poolDomainsCheck,
  testUserCheck,
} from './pairing-checks.ts';
import { reportFor } from './run-checks.ts';
import { secretReadsOnce } from './secret-reads.ts';
import { idTokenCheck, keySetCheck } from './signing-checks.ts';
import { stepChecks } from './step-checks.ts';
import { testLoginCheck } from './test-login.ts';
import { tokenEndpointCheck } from './token-endpoint.ts';
import type {
  CheckContext,
  FederationCheck,
  FederationCheckResult,
  VerificationReport,
  VerifyClients,
} from './types.ts';

/** In reading order: what provisioning made, then whether it works. */
export const inDepthChecks: readonly FederationCheck[] = [
  ...stepChecks,
  identityProviderCheck,
  discoveryCheck,
  issuerCheck,
  keySetCheck,
  tokenEndpointCheck,
  clientCredentialsCheck,
  attributeMappingCheck,
  appClientCheck,
  managedLoginCheck,
  loginUrlCheck,
  redirectUriCheck,
  poolDomainsCheck,
  testUserCheck,
  accessCheck,
  // A disabled or missing test user is its own finding; the login is then not attempted.
  { ...testLoginCheck, needs: [...(testLoginCheck.needs ?? []), 'test-user'] },
  idTokenCheck,
  hostedUiCheck,
];

/**
 * Sends the verification's Cognito reads at once (DescribeUserPool, DescribeUserPoolClient,
 * DescribeIdentityProvider, and on a managed-login domain DescribeManagedLoginBrandingByClient), so
 * that a verification's whole Cognito cost falls at one known moment (the verification machine
 * paces from it); the checks then answer from these.
 */
export async function readCognito(context: CheckContext): Promise<void> {
  const branding = context.resources.managedLoginVersion === 2 ? [context.managedLoginBranding()] : [];
  await Promise.allSettled([
    context.userPool(),
    context.identityProvider(),
    context.appClient(),
    ...branding,
  ]);
}

/**
 * A context whose clients read each thing once: the step checks and the end-to-end checks look at
 * the same objects. Its Cognito client never writes.
 */
export function inDepthContext(
  spec: TenantSpec,
  resources: Resources,
  reads: CognitoReads,
  clients: VerifyClients,
) {
  return new VerificationContext(spec, resources, {
    ...clients,
    cognito: reads.client,
    secrets: secretReadsOnce(clients.secrets),
    authentik: authentikReadsOnce(clients.authentik),
  });
}

export { reportFor };

export async function verifyInDepth(
  spec: TenantSpec,
  resources: Resources,
  clients: VerifyClients,
  options: { onCheck?: (result: FederationCheckResult) => void } = {},
): Promise<VerificationReport> {
  const context = inDepthContext(spec, resources, cognitoReadsOnce(clients.cognito), clients);
  await readCognito(context);
  return reportFor(context, inDepthChecks, options.onCheck);
}
