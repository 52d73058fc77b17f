// The pool's domain, where users sign in and Authentik sends them back: a custom domain the tenant
// set up (it needs an ACM certificate, so it is never made here), the pool's existing domain, or a
// new prefix domain. Domains have no tags: the pool's tag vouches for them.
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolDomainCommand,
  DescribeUserPoolDomainCommand,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoSend, prefixDomainHost, userPoolRegion } from '#lib/cognito.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { Progress } from './progress.ts';

/** The host users sign in on: the pool's custom domain if it has one, else its prefix domain. */
export function currentDomainHost(pool: UserPoolType, region: string): string | undefined {
  if (pool.CustomDomain) return pool.CustomDomain;
  return pool.Domain ? prefixDomainHost(pool.Domain, region) : undefined;
}

export async function ensureDomain(
  spec: TenantSpec,
  resources: Resources,
  pool: UserPoolType,
  poolOwned: boolean,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<{ host: string; owned: boolean }> {
  const poolId = pool.Id as string;
  const region = userPoolRegion(poolId);
  const wantedCustom = spec.cognito.customDomain;
  if (wantedCustom) {
    if (pool.CustomDomain !== wantedCustom) {
      throw new PreconditionError(
        `user pool ${poolId} has no custom domain ${wantedCustom}: set it up first (it needs an ACM certificate)`,
      );
    }
    return { host: wantedCustom, owned: false };
  }
  const existing = currentDomainHost(pool, region);
  if (existing) {
    const recorded =
      resources.created?.includes('userPoolDomain') === true && resources.userPoolDomain === existing;
    return { host: existing, owned: poolOwned || recorded };
  }
  const prefix = spec.cognito.domainPrefix;
  if (!prefix) throw new PreconditionError('cognito.domainPrefix is needed to give the user pool a domain');
  // Prefixes are global per region: make sure it is free, or already ours (a create that is still settling).
  const described = await cognitoSend('DescribeUserPoolDomain', () =>
    cognito.send(new DescribeUserPoolDomainCommand({ Domain: prefix })),
  );
  const holder = described.DomainDescription?.UserPoolId;
  if (holder && holder !== poolId) {
    throw new ConflictError(
      `domain prefix ${prefix} belongs to another user pool; choose another cognito.domainPrefix`,
    );
  }
  if (!holder) {
    await cognitoSend('CreateUserPoolDomain', () =>
      cognito.send(new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId })),
    );
    progress.writes += 1;
    progress.createdSomething = true;
  }
  return { host: prefixDomainHost(prefix, region), owned: true };
}
