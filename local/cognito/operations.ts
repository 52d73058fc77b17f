// What the layer knows about each Cognito user pool operation: the request-rate quota category
// it falls in (from "Amazon Cognito user pools API operation categories and request rate quotas"
// in the Cognito developer guide) and whether it changes anything.

export const quotaCategories = [
  'UserPoolRead',
  'UserPoolUpdate',
  'UserPoolResourceRead',
  'UserPoolResourceUpdate',
  'UserPoolClientRead',
  'UserPoolClientUpdate',
] as const;
export type CognitoQuotaCategory = (typeof quotaCategories)[number];

/**
 * The categories marked with a footnote in the guide: any single operation in them is also
 * limited to 5 requests per second for one user pool.
 */
export const perUserPoolCategories: ReadonlySet<CognitoQuotaCategory> = new Set([
  'UserPoolResourceRead',
  'UserPoolResourceUpdate',
  'UserPoolClientRead',
  'UserPoolClientUpdate',
]);

const operationsByCategory: Record<CognitoQuotaCategory, readonly string[]> = {
  UserPoolRead: ['DescribeUserPool', 'ListUserPools'],
  UserPoolUpdate: ['CreateUserPool', 'UpdateUserPool', 'DeleteUserPool'],
  UserPoolResourceRead: [
    'DescribeIdentityProvider',
    'DescribeManagedLoginBranding',
    'DescribeManagedLoginBrandingByClient',
    'DescribeResourceServer',
    'DescribeRiskConfiguration',
    'DescribeTerms',
    'DescribeUserImportJob',
    'DescribeUserPoolDomain',
    'GetCSVHeader',
    'GetGroup',
    'GetIdentityProviderByIdentifier',
    'GetLogDeliveryConfiguration',
    'GetSigningCertificate',
    'GetUICustomization',
    'GetUserPoolMfaConfig',
    'ListGroups',
    'ListIdentityProviders',
    'ListResourceServers',
    'ListTagsForResource',
    'ListTerms',
    'ListUserImportJobs',
  ],
  UserPoolResourceUpdate: [
    'AddCustomAttributes',
    'CreateGroup',
    'CreateIdentityProvider',
    'CreateManagedLoginBranding',
    'CreateResourceServer',
    'CreateTerms',
    'CreateUserImportJob',
    'CreateUserPoolDomain',
    'DeleteGroup',
    'DeleteIdentityProvider',
    'DeleteManagedLoginBranding',
    'DeleteResourceServer',
    'DeleteTerms',
    'DeleteUserPoolDomain',
    'SetLogDeliveryConfiguration',
    'SetRiskConfiguration',
    'SetUICustomization',
    'SetUserPoolMfaConfig',
    'StartUserImportJob',
    'StopUserImportJob',
    'TagResource',
    'UntagResource',
    'UpdateGroup',
    'UpdateIdentityProvider',
    'UpdateManagedLoginBranding',
    'UpdateResourceServer',
    'UpdateTerms',
    'UpdateUserPoolDomain',
  ],
  UserPoolClientRead: ['DescribeUserPoolClient', 'ListUserPoolClients', 'ListUserPoolClientSecrets'],
  UserPoolClientUpdate: [
    'AddUserPoolClientSecret',
    'CreateUserPoolClient',
    'DeleteUserPoolClient',
    'DeleteUserPoolClientSecret',
    'UpdateUserPoolClient',
  ],
};

const categoryOfOperation = new Map<string, CognitoQuotaCategory>(
  quotaCategories.flatMap((category) => operationsByCategory[category].map((op) => [op, category] as const)),
);

/** The quota category of an operation, or undefined for operations the layer does not limit. */
export function quotaCategoryOf(operation: string): CognitoQuotaCategory | undefined {
  return categoryOfOperation.get(operation);
}

// Operations that read, or that sign a user in without changing any configuration.
const readPrefixes = ['Describe', 'Get', 'List', 'AdminGet', 'AdminList'];
const nonWriting = new Set([
  'InitiateAuth',
  'AdminInitiateAuth',
  'RespondToAuthChallenge',
  'AdminRespondToAuthChallenge',
]);

/** Whether an operation changes state; a converged second run must make none of these. */
export function isWriteOperation(operation: string): boolean {
  if (nonWriting.has(operation)) return false;
  return !readPrefixes.some(
    (prefix) => operation.startsWith(prefix) && /^[A-Z]/.test(operation.slice(prefix.length)),
  );
}
