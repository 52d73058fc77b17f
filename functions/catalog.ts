// Every Lambda of the product, once. The ASL files name each function by its placeholder; CDK
// substitutes the deployed ARN and the local runner maps it to the same handler in-process.
export const stepFunctions = [
  { name: 'validate-tenant', placeholder: 'ValidateTenantFunctionArn' },
  { name: 'ensure-group', placeholder: 'EnsureGroupFunctionArn' },
  { name: 'ensure-test-user', placeholder: 'EnsureTestUserFunctionArn' },
  { name: 'ensure-user-pool', placeholder: 'EnsureUserPoolFunctionArn' },
  { name: 'ensure-oidc-provider', placeholder: 'EnsureOidcProviderFunctionArn' },
  { name: 'ensure-application', placeholder: 'EnsureApplicationFunctionArn' },
  { name: 'ensure-access-policy', placeholder: 'EnsureAccessPolicyFunctionArn' },
  { name: 'ensure-identity-provider', placeholder: 'EnsureIdentityProviderFunctionArn' },
  { name: 'enable-identity-provider', placeholder: 'EnableIdentityProviderFunctionArn' },
  { name: 'verify-federation', placeholder: 'VerifyFederationFunctionArn' },
  { name: 'record-outcome', placeholder: 'RecordOutcomeFunctionArn' },
] as const;

export type StepFunctionName = (typeof stepFunctions)[number]['name'];
export type FunctionPlaceholder = (typeof stepFunctions)[number]['placeholder'];
