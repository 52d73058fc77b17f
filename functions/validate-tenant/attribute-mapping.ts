// The attribute mapping of the tenant's identity provider, checked before anything is written.
// Cognito writes every mapped attribute at each federated sign-in, so a mapping to an attribute the
// pool lacks is refused by CreateIdentityProvider half-way through a provisioning, and one to an
// attribute the app client may not write fails every sign-in afterwards ("If your app client does
// not have write access to a mapped attribute, Amazon Cognito throws an error when it tries to
// update the attribute", WriteAttributes in
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { IDENTITY_KEY, providerAttributeMapping, STANDARD_ATTRIBUTES } from '#lib/cognito-attributes.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { PreflightProblem } from './problems.ts';

/**
 * Problems of `cognito.attributeMapping`, one per attribute, named `cognito.attributeMapping.<key>`.
 * `pool` is the tenant's existing pool (undefined: ensure-user-pool creates one, with the standard
 * attributes only); `client` its existing app client (undefined: one is created, which keeps
 * Cognito's default write access).
 */
export function attributeMappingProblems(
  spec: TenantSpec,
  pool: UserPoolType | undefined,
  client: UserPoolClientType | undefined,
): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const poolAttributes = new Set([
    ...STANDARD_ATTRIBUTES,
    ...(pool?.SchemaAttributes ?? []).flatMap((attribute) => (attribute.Name ? [attribute.Name] : [])),
  ]);
  // Without WriteAttributes a client may write the standard attributes (the reference above); the
  // verified flags are left writable here too, as the reference does not settle them.
  const explicit = client?.WriteAttributes ?? [];
  const writable = new Set(explicit.length > 0 ? explicit : STANDARD_ATTRIBUTES);
  for (const key of Object.keys(providerAttributeMapping(spec))) {
    if (key === IDENTITY_KEY) continue;
    const field = `cognito.attributeMapping.${key}`;
    if (!poolAttributes.has(key)) {
      problems.push({
        field,
        expected: 'an attribute of the user pool',
        actual: null,
        message: pool?.Id
          ? `user pool ${pool.Id} has no attribute ${key} (${field}): add it to the pool first, or drop the mapping`
          : `the user pool this workflow creates has the standard attributes only, not ${key} (${field}): map standard attributes, or bring a pool that has it (cognito.userPoolId)`,
        kind: 'precondition',
      });
    } else if (!writable.has(key)) {
      const name = client?.ClientId
        ? `app client ${client.ClientId}`
        : 'the app client this workflow creates';
      problems.push({
        field,
        expected: `${key} among the app client's WriteAttributes`,
        actual: explicit.length > 0 ? explicit : 'the standard attributes (Cognito default)',
        message: `${name} may not write ${key} (${field}): Cognito writes mapped attributes at every federated sign-in and fails it when the client may not; add ${key} to the client's WriteAttributes, or drop the mapping`,
        kind: 'precondition',
      });
    }
  }
  return problems;
}
