import { STANDARD_ATTRIBUTES } from '#lib/cognito-attributes.ts';
import type { MotoUpstream } from './moto-upstream.ts';

// The attributes a user pool has, as Cognito sees them.

// Every pool has the standard attributes, whatever its Schema says; moto lists only the ones a
// CreateUserPool Schema named, when it names any. The list is the product's, from the same page
// (functions/lib/cognito-attributes.ts): one list of one AWS fact.
export const standardAttributes: ReadonlySet<string> = STANDARD_ATTRIBUTES;

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
