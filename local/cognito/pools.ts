import type { LayerContext } from './context.ts';
import { invalidParameter } from './protocol.ts';

// What Cognito does with a user pool and moto does not.

interface DescribedPool {
  UserPool?: { DeletionProtection?: string; Domain?: string; CustomDomain?: string };
}

/**
 * DeleteUserPool is refused while deletion protection is active ("Amazon Cognito returns an
 * InvalidParameterException error", DeletionProtection in
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html)
 * and while the pool has a domain: Cognito answers "User pool cannot be deleted. It has a domain
 * configured that should be deleted first." (no reference page states it; it is the answer
 * reported in https://github.com/hashicorp/terraform-provider-aws/issues/16479). moto deletes both.
 */
export async function prepareDeleteUserPool(
  input: Record<string, unknown>,
  context: LayerContext,
): Promise<Record<string, unknown>> {
  const described = await context.moto.call<DescribedPool>(
    'DescribeUserPool',
    { UserPoolId: input.UserPoolId },
    context.authorization,
  );
  const pool = described.UserPool ?? {};
  if (pool.DeletionProtection === 'ACTIVE') {
    throw invalidParameter(
      'The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.',
    );
  }
  if (pool.Domain || pool.CustomDomain) {
    throw invalidParameter(
      'User pool cannot be deleted. It has a domain configured that should be deleted first.',
    );
  }
  return input;
}

/**
 * DescribeUserPool names a prefix domain under `Domain` and a custom domain under `CustomDomain`
 * (UserPoolType in
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html);
 * moto puts either under `Domain`. A prefix cannot hold a dot (the Domain pattern of
 * CreateUserPoolDomain), a custom domain is a fully qualified name, so the dot tells them apart.
 */
export function completeDescribeUserPool(output: Record<string, unknown>): Record<string, unknown> {
  const pool = output.UserPool as Record<string, unknown> | undefined;
  if (!pool || typeof pool.Domain !== 'string' || !pool.Domain.includes('.')) return output;
  const { Domain, ...rest } = pool;
  return { ...output, UserPool: { ...rest, CustomDomain: Domain } };
}
