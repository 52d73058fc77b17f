// Which host the tenant's users sign in on, resolved before anything is written: the Authentik
// provider's strict redirect URI (`https://<domain>/oauth2/idpresponse`) is built from it, so it
// must be the host the user pool will really have — the same choice ensure-user-pool makes.
import {
  type CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  cognitoFind,
  cognitoSend,
  POOL_TAG_MANAGED_BY,
  POOL_TAG_TENANT,
  prefixDomainHost,
} from '#lib/cognito.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { PreflightProblem } from './problems.ts';

export type DomainResolution = { host: string } | { problem: PreflightProblem };

/**
 * For a pool that exists: its custom domain, else its prefix domain (a spec's customDomain must be
 * the pool's); a pool without a domain gets the spec's prefix. For a new pool: the spec's prefix,
 * which must not belong to another pool (prefixes are unique per region).
 */
export async function resolveDomain(
  spec: TenantSpec,
  pool: UserPoolType | undefined,
  region: string,
  cognito: CognitoIdentityProviderClient,
): Promise<DomainResolution> {
  const wantedCustom = spec.cognito.customDomain;
  if (wantedCustom) {
    if (pool?.CustomDomain === wantedCustom) return { host: wantedCustom };
    const message = pool
      ? `user pool ${pool.Id} has no custom domain ${wantedCustom} (cognito.customDomain)${pool.CustomDomain ? `; its custom domain is ${pool.CustomDomain}` : ''}: set the custom domain up on the pool first (it needs an ACM certificate in us-east-1)`
      : `a custom domain (cognito.customDomain ${wantedCustom}) must already be set up on the user pool (it needs an ACM certificate): set it up on an existing pool and name it with cognito.userPoolId, or use cognito.domainPrefix`;
    return {
      problem: {
        field: 'cognito.customDomain',
        expected: wantedCustom,
        actual: pool?.CustomDomain ?? null,
        message,
        kind: 'precondition',
      },
    };
  }
  if (pool?.CustomDomain) return { host: pool.CustomDomain };
  if (pool?.Domain) return { host: prefixDomainHost(pool.Domain, region) };

  // The schema derives a prefix from the tenant id when neither domain is given.
  const prefix = spec.cognito.domainPrefix as string;
  const described = await cognitoSend('DescribeUserPoolDomain', () =>
    cognito.send(new DescribeUserPoolDomainCommand({ Domain: prefix })),
  );
  const holder = described.DomainDescription?.UserPoolId;
  if (holder && holder !== pool?.Id && !(await isOurPool(cognito, holder, spec.tenantId))) {
    return {
      problem: {
        field: 'cognito.domainPrefix',
        expected: `${prefix} free or this tenant's`,
        actual: `taken by user pool ${holder}`,
        message: `the Cognito domain prefix ${prefix} (cognito.domainPrefix) belongs to another user pool (${holder}); choose another cognito.domainPrefix`,
        kind: 'conflict',
      },
    };
  }
  return { host: prefixDomainHost(prefix, region) };
}

/** A pool this system created for the tenant on an earlier run that crashed before recording it. */
async function isOurPool(
  cognito: CognitoIdentityProviderClient,
  poolId: string,
  tenantId: string,
): Promise<boolean> {
  const found = await cognitoFind('DescribeUserPool', () =>
    cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId })),
  );
  const tags = found?.UserPool?.UserPoolTags;
  return tags?.[POOL_TAG_TENANT] === tenantId && tags?.[POOL_TAG_MANAGED_BY] === SERVICE_NAME;
}
