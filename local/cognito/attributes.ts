import type { MotoUpstream } from './moto-upstream.ts';

// The attributes a user pool has, as Cognito sees them.

/**
 * Every pool has the standard attributes, whatever its Schema says ("Standard attributes" in
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html);
 * moto lists only the ones a CreateUserPool Schema named, when it names any.
 */
export const standardAttributes: ReadonlySet<string> = new Set([
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

interface DescribedPool {
  UserPool?: { SchemaAttributes?: { Name?: string }[] };
}

/** The standard attributes and the pool's own (custom ones as `custom:<name>`). */
export async function poolAttributeNames(
  userPoolId: unknown,
  context: { moto: MotoUpstream; authorization: string },
): Promise<Set<string>> {
  const described = await context.moto.call<DescribedPool>(
    'DescribeUserPool',
    { UserPoolId: userPoolId },
    context.authorization,
  );
  const names = new Set(standardAttributes);
  for (const attribute of described.UserPool?.SchemaAttributes ?? []) {
    if (attribute.Name) names.add(attribute.Name);
  }
  return names;
}
