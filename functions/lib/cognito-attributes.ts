// The user-pool attributes an identity provider's attribute mapping may write, and the mapping the
// workflow gives the Authentik identity provider.
import type { TenantSpec } from './tenant-spec.ts';

/**
 * The standard attributes every user pool has, whatever its schema ("Standard attributes" in
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html).
 * Custom attributes are `custom:<name>` and exist only once added to the pool.
 */
export const STANDARD_ATTRIBUTES: ReadonlySet<string> = new Set([
  'address',
  'birthdate',
  'email',
  'email_verified',
  'family_name',
  'gender',
  'given_name',
  'locale',
  'middle_name',
  'name',
  'nickname',
  'phone_number',
  'phone_number_verified',
  'picture',
  'preferred_username',
  'profile',
  'sub',
  'updated_at',
  'website',
  'zoneinfo',
]);

/** A mapping key that is no attribute: the claim Cognito takes as the federated user's identity. */
export const IDENTITY_KEY = 'username';

/** The attribute mapping of the tenant's identity provider: email → email, and what the spec adds. */
export function providerAttributeMapping(spec: TenantSpec): Record<string, string> {
  return { email: 'email', ...spec.cognito.attributeMapping };
}
