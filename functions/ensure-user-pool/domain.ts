// The pool's domain, where users sign in and Authentik sends them back: a custom domain the tenant
// set up (it needs an ACM certificate, so it is never made here), the pool's existing domain, or a
// new prefix domain. Domains have no tags: the pool's tag vouches for them.
//
// A domain serves either the classic hosted UI (ManagedLoginVersion 1) or managed login (2). The
// version is chosen here, never left to a default: managed login, the current pages, on every pool
// whose feature plan has it (any but Lite: "Managed login requires that your user pool be
// configured for any feature plan other than Lite", ManagedLoginVersion in
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html),
// the classic hosted UI on a Lite pool. A domain this system made is converged to that choice; a
// domain the tenant made keeps its own, and the version is returned so branding.ts can apply what
// managed login needs.
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolDomainCommand,
  DescribeUserPoolDomainCommand,
  UpdateUserPoolDomainCommand,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoSend, prefixDomainHost, userPoolRegion } from '#lib/cognito.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { Progress } from './progress.ts';

export const CLASSIC_HOSTED_UI = 1;
export const MANAGED_LOGIN = 2;

/** The ManagedLoginVersion this system gives a domain of this pool. */
export function managedLoginVersionFor(pool: UserPoolType): number {
  // UserPoolTier defaults to ESSENTIALS (CreateUserPool reference); only LITE lacks managed login.
  return pool.UserPoolTier === 'LITE' ? CLASSIC_HOSTED_UI : MANAGED_LOGIN;
}

/** The host users sign in on: the pool's custom domain if it has one, else its prefix domain. */
export function currentDomainHost(pool: UserPoolType, region: string): string | undefined {
  if (pool.CustomDomain) return pool.CustomDomain;
  return pool.Domain ? prefixDomainHost(pool.Domain, region) : undefined;
}

export interface EnsuredDomain {
  host: string;
  owned: boolean;
  /** The domain's ManagedLoginVersion, when Cognito reports one. */
  managedLoginVersion?: number;
}

async function describeDomain(cognito: CognitoIdentityProviderClient, domain: string) {
  const described = await cognitoSend('DescribeUserPoolDomain', () =>
    cognito.send(new DescribeUserPoolDomainCommand({ Domain: domain })),
  );
  return described.DomainDescription;
}

/** Sets an owned domain's ManagedLoginVersion to the chosen one when it differs; the version it has then. */
async function convergeVersion(
  cognito: CognitoIdentityProviderClient,
  domain: string,
  pool: UserPoolType,
  current: number | undefined,
  progress: Progress,
): Promise<number> {
  const wanted = managedLoginVersionFor(pool);
  if (current === wanted) return wanted;
  await cognitoSend('UpdateUserPoolDomain', () =>
    cognito.send(
      new UpdateUserPoolDomainCommand({ Domain: domain, UserPoolId: pool.Id, ManagedLoginVersion: wanted }),
    ),
  );
  progress.writes += 1;
  progress.updatedSomething = true;
  return wanted;
}

const withVersion = (domain: Omit<EnsuredDomain, 'managedLoginVersion'>, version: number | undefined) =>
  version === undefined ? domain : { ...domain, managedLoginVersion: version };

export async function ensureDomain(
  spec: TenantSpec,
  resources: Resources,
  pool: UserPoolType,
  poolOwned: boolean,
  cognito: CognitoIdentityProviderClient,
  progress: Progress,
): Promise<EnsuredDomain> {
  const poolId = pool.Id as string;
  const region = userPoolRegion(poolId);
  const wantedCustom = spec.cognito.customDomain;
  if (wantedCustom) {
    if (pool.CustomDomain !== wantedCustom) {
      throw new PreconditionError(
        `user pool ${poolId} has no custom domain ${wantedCustom}: set it up first (it needs an ACM certificate)`,
      );
    }
    const described = await describeDomain(cognito, wantedCustom);
    return withVersion({ host: wantedCustom, owned: false }, described?.ManagedLoginVersion);
  }
  const existing = currentDomainHost(pool, region);
  if (existing) {
    const recorded =
      resources.created?.includes('userPoolDomain') === true && resources.userPoolDomain === existing;
    const owned = poolOwned || recorded;
    const name = pool.CustomDomain ?? (pool.Domain as string);
    const version = (await describeDomain(cognito, name))?.ManagedLoginVersion;
    // Only a prefix domain this system made is its to change; a custom domain never is.
    const converged =
      owned && !pool.CustomDomain ? await convergeVersion(cognito, name, pool, version, progress) : version;
    return withVersion({ host: existing, owned }, converged);
  }
  const prefix = spec.cognito.domainPrefix;
  if (!prefix) throw new PreconditionError('cognito.domainPrefix is needed to give the user pool a domain');
  // Prefixes are unique per region: make sure it is free, or already ours (a create still settling).
  const described = await describeDomain(cognito, prefix);
  const holder = described?.UserPoolId;
  if (holder && holder !== poolId) {
    throw new ConflictError(
      `domain prefix ${prefix} belongs to another user pool; choose another cognito.domainPrefix`,
    );
  }
  if (holder) {
    const version = await convergeVersion(cognito, prefix, pool, described?.ManagedLoginVersion, progress);
    return { host: prefixDomainHost(prefix, region), owned: true, managedLoginVersion: version };
  }
  const version = managedLoginVersionFor(pool);
  await cognitoSend('CreateUserPoolDomain', () =>
    cognito.send(
      new CreateUserPoolDomainCommand({ Domain: prefix, UserPoolId: poolId, ManagedLoginVersion: version }),
    ),
  );
  progress.writes += 1;
  progress.createdSomething = true;
  return { host: prefixDomainHost(prefix, region), owned: true, managedLoginVersion: version };
}
