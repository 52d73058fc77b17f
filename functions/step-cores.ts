// The cores of the guide's steps (the catalog's `step` entries) by name, for what runs every step
// in-process: the verification in depth runs each one's check, the local world provisions tenants
// fast through them. Only those import this module, so no single step's Lambda bundle carries the
// other steps. The type makes it list exactly the catalog's steps.
import type { ProvisioningStepName } from './catalog.ts';
import * as enableIdentityProvider from './enable-identity-provider/core.ts';
import * as ensureAccessPolicy from './ensure-access-policy/core.ts';
import * as ensureApplication from './ensure-application/core.ts';
import * as ensureGroup from './ensure-group/core.ts';
import * as ensureIdentityProvider from './ensure-identity-provider/core.ts';
import * as ensureOidcProvider from './ensure-oidc-provider/core.ts';
import * as ensureTestUser from './ensure-test-user/core.ts';
import * as ensureUserPool from './ensure-user-pool/core.ts';
import type { ResolvedClients } from './lib/lambda.ts';
import type { StepModule } from './lib/workflow-step.ts';

/** What the steps' cores take between them (each takes a part of it). */
export type StepCoreClients = Pick<
  ResolvedClients,
  'cognito' | 'secrets' | 'authentik' | 'secretPrefix' | 'secretsKmsKeyId'
>;

/** Each step's whole core: apply, destroy and check (the local world provisions through these). */
export const stepCores: { readonly [N in ProvisioningStepName]: StepModule<StepCoreClients> } = {
  'ensure-group': ensureGroup,
  'ensure-test-user': ensureTestUser,
  'ensure-user-pool': ensureUserPool,
  'ensure-oidc-provider': ensureOidcProvider,
  'ensure-application': ensureApplication,
  'ensure-access-policy': ensureAccessPolicy,
  'ensure-identity-provider': ensureIdentityProvider,
  'enable-identity-provider': enableIdentityProvider,
};

/**
 * Each step's check alone. The verification in depth imports only these, so its Lambda bundle
 * (verify-tenant) leaves out the steps' apply and destroy, and with them every Cognito write.
 */
export const stepCoreChecks: {
  readonly [N in ProvisioningStepName]: StepModule<StepCoreClients>['check'];
} = {
  'ensure-group': ensureGroup.check,
  'ensure-test-user': ensureTestUser.check,
  'ensure-user-pool': ensureUserPool.check,
  'ensure-oidc-provider': ensureOidcProvider.check,
  'ensure-application': ensureApplication.check,
  'ensure-access-policy': ensureAccessPolicy.check,
  'ensure-identity-provider': ensureIdentityProvider.check,
  'enable-identity-provider': enableIdentityProvider.check,
};
