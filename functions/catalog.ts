// Every Lambda of the product, once. The ASL files name each function by its placeholder; CDK
// substitutes the deployed ARN and the local runner maps it to the same handler in-process.
// `usesAuthentik`: the function reads the tenant's Authentik token; the others never touch it.
export const stepFunctions = [
  { name: 'validate-tenant', placeholder: 'ValidateTenantFunctionArn', usesAuthentik: true },
  { name: 'ensure-group', placeholder: 'EnsureGroupFunctionArn', usesAuthentik: true },
  { name: 'ensure-test-user', placeholder: 'EnsureTestUserFunctionArn', usesAuthentik: true },
  { name: 'ensure-user-pool', placeholder: 'EnsureUserPoolFunctionArn', usesAuthentik: false },
  { name: 'ensure-oidc-provider', placeholder: 'EnsureOidcProviderFunctionArn', usesAuthentik: true },
  { name: 'ensure-application', placeholder: 'EnsureApplicationFunctionArn', usesAuthentik: true },
  { name: 'ensure-access-policy', placeholder: 'EnsureAccessPolicyFunctionArn', usesAuthentik: true },
  {
    name: 'ensure-identity-provider',
    placeholder: 'EnsureIdentityProviderFunctionArn',
    usesAuthentik: false,
  },
  {
    name: 'enable-identity-provider',
    placeholder: 'EnableIdentityProviderFunctionArn',
    usesAuthentik: false,
  },
  { name: 'verify-federation', placeholder: 'VerifyFederationFunctionArn', usesAuthentik: true },
  { name: 'record-outcome', placeholder: 'RecordOutcomeFunctionArn', usesAuthentik: false },
  // The verification machine (verify-federations): list the tenants, verify each in depth, report.
  { name: 'list-tenants', placeholder: 'ListTenantsFunctionArn', usesAuthentik: false },
  { name: 'verify-tenant', placeholder: 'VerifyTenantFunctionArn', usesAuthentik: true },
  { name: 'report-verification', placeholder: 'ReportVerificationFunctionArn', usesAuthentik: false },
] as const;

export type StepFunctionName = (typeof stepFunctions)[number]['name'];
export type FunctionPlaceholder = (typeof stepFunctions)[number]['placeholder'];
