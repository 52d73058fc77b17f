import type { MotoUpstream } from './moto-upstream.ts';
import { CognitoError } from './protocol.ts';

// Cognito's quotas on the number of resources in a user pool, which moto does not enforce. The
// defaults are those of "Quotas on resource number and size" in
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html; both are adjustable there,
// so an account may have more: a test or a world can set its own.

export interface CognitoResourceLimits {
  /** App clients per user pool (default 1,000, adjustable). */
  appClientsPerPool: number;
  /** Identity providers per user pool (default 300, adjustable). */
  identityProvidersPerPool: number;
  /** Managed login branding styles per user pool (default 20, not adjustable). */
  brandingStylesPerPool: number;
}

export const cognitoDefaultResourceLimits: CognitoResourceLimits = {
  appClientsPerPool: 1_000,
  identityProvidersPerPool: 300,
  brandingStylesPerPool: 20,
};

export function resolveResourceLimits(settings: Partial<CognitoResourceLimits> = {}): CognitoResourceLimits {
  return { ...cognitoDefaultResourceLimits, ...settings };
}

const countedBy = {
  appClientsPerPool: { operation: 'ListUserPoolClients', what: 'app clients' },
  identityProvidersPerPool: { operation: 'ListIdentityProviders', what: 'identity providers' },
} as const;

/** Refuses a create that would take the pool past its quota of app clients or identity providers. */
export async function checkRoomFor(
  quota: keyof typeof countedBy,
  userPoolId: unknown,
  context: { moto: MotoUpstream; authorization: string; limits: CognitoResourceLimits },
): Promise<void> {
  const { operation, what } = countedBy[quota];
  const limit = context.limits[quota];
  const count = await countPages(context.moto, context.authorization, operation, userPoolId);
  if (count >= limit) throw limitExceeded(what, limit, userPoolId);
}

/** LimitExceededException, which CreateUserPoolClient and CreateIdentityProvider both list. */
export function limitExceeded(what: string, limit: number, userPoolId: unknown): CognitoError {
  return new CognitoError(
    'LimitExceededException',
    `The user pool ${String(userPoolId)} has reached its limit of ${limit} ${what}.`,
  );
}

/** Counts a pool's items through a paginated List operation of moto's. */
export async function countPages(
  moto: MotoUpstream,
  authorization: string,
  operation: 'ListUserPoolClients' | 'ListIdentityProviders',
  userPoolId: unknown,
): Promise<number> {
  const key = operation === 'ListUserPoolClients' ? 'UserPoolClients' : 'Providers';
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await moto.call<Record<string, unknown> & { NextToken?: string }>(
      operation,
      { UserPoolId: userPoolId, MaxResults: 60, ...(nextToken ? { NextToken: nextToken } : {}) },
      authorization,
    );
    const items = page[key];
    count += Array.isArray(items) ? items.length : 0;
    nextToken = page.NextToken;
  } while (nextToken);
  return count;
}
