// The Cognito half of the preflight: the region, the pool and app client the tenant names, room under
// the hard quota a later step would hit half-way (callback URLs per app client), a name clash with
// another identity provider, attribute mappings the pool and client can take, and the domain. Reads only. The identity-provider quota per pool is
// not checked here: it is adjustable (300 by default, "Quotas on resource number and size" in
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html), so only Cognito knows an
// account's value; ensure-identity-provider lets its LimitExceededException speak, with a hint.
import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  type IdentityProviderType,
  type UserPoolClientType,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoFind, POOL_TAG_TENANT, redirectUriFor, userPoolRegion } from '#lib/cognito.ts';
import { poolTagProblem } from '#lib/ownership.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { attributeMappingProblems } from './attribute-mapping.ts';
import { resolveDomain } from './domain.ts';
import type { PreflightProblem } from './problems.ts';

/** Cognito's hard quota (not raisable), documented under "Quotas in Amazon Cognito". */
export const CALLBACK_URLS_PER_APP_CLIENT = 100;

export interface CognitoFindings {
  problems: PreflightProblem[];
  /** The brought pool's id, the domain and the redirect URI, when they could be resolved. */
  resources: Resources;
}

export async function cognitoPreflight(
  spec: TenantSpec,
  resources: Resources,
  cognito: CognitoIdentityProviderClient,
): Promise<CognitoFindings> {
  const problems: PreflightProblem[] = [];
  const region = await resolveRegion(spec, cognito, problems);
  if (!region) return { problems, resources: {} };

  const brought = spec.cognito.userPoolId;
  let pool: UserPoolType | undefined;
  if (brought) {
    pool = await describePool(cognito, brought);
    if (!pool) {
      problems.push({
        field: 'cognito.userPoolId',
        expected: brought,
        actual: null,
        message: `user pool ${brought} (cognito.userPoolId) does not exist in ${region}`,
        kind: 'precondition',
        missing: true,
      });
      // Everything else hangs on the pool the tenant named.
      return { problems, resources: {} };
    }
    const tagProblem = poolTagProblem(spec.tenantId, brought, pool.UserPoolTags);
    if (tagProblem) {
      problems.push({
        field: 'cognito.userPoolId',
        expected: `tagged ${POOL_TAG_TENANT}=${spec.tenantId}`,
        actual: pool.UserPoolTags?.[POOL_TAG_TENANT] === undefined ? 'untagged' : 'tagged for another tenant',
        message: `${tagProblem} (cognito.userPoolId)`,
        kind: 'conflict',
      });
      return { problems, resources: {} };
    }
  } else if (resources.userPoolId) {
    // Made by an earlier run; if it has gone since, ensure-user-pool makes a new one.
    pool = await describePool(cognito, resources.userPoolId);
  }

  const client = await appClientOf(spec, resources, pool, cognito, problems);
  if (pool?.Id) {
    const problem = await identityProviderProblem(spec, resources, pool.Id, cognito);
    if (problem) problems.push(problem);
  }
  if (client) {
    const problem = callbackUrlsProblem(spec, client);
    if (problem) problems.push(problem);
  }
  problems.push(...attributeMappingProblems(spec, pool, client));

  const domain = await resolveDomain(spec, pool, region, cognito);
  if ('problem' in domain) {
    problems.push(domain.problem);
    return { problems, resources: brought ? { userPoolId: brought } : {} };
  }
  return {
    problems,
    resources: {
      ...(brought ? { userPoolId: brought } : {}),
      userPoolDomain: domain.host,
      redirectUri: redirectUriFor(domain.host),
    },
  };
}

/**
 * The pool's region: its id says it, else the spec, else where this deployment's Cognito client
 * points. Cognito is regional and the client is the deployment's: a tenant in another region would
 * get its pool here while the domain (and the redirect URI) named the other region.
 */
async function resolveRegion(
  spec: TenantSpec,
  cognito: CognitoIdentityProviderClient,
  problems: PreflightProblem[],
): Promise<string | undefined> {
  const fromPool = spec.cognito.userPoolId ? userPoolRegion(spec.cognito.userPoolId) : undefined;
  const fromSpec = spec.cognito.region;
  const deployed = await cognito.config.region().catch(() => undefined);
  if (fromPool && fromSpec && fromPool !== fromSpec) {
    problems.push({
      field: 'cognito.region',
      expected: fromPool,
      actual: fromSpec,
      message: `cognito.region is ${fromSpec}, but user pool ${spec.cognito.userPoolId} is in ${fromPool}`,
      kind: 'precondition',
    });
    return undefined;
  }
  const region = fromPool ?? fromSpec ?? deployed;
  if (!region) {
    problems.push({
      field: 'cognito.region',
      expected: 'an AWS region',
      actual: null,
      message: 'no region for the user pool: set cognito.region',
      kind: 'precondition',
    });
    return undefined;
  }
  if (deployed && deployed !== region) {
    problems.push({
      field: 'cognito.region',
      expected: deployed,
      actual: region,
      message: `the tenant's user pool is in ${region}, but this deployment manages Cognito in ${deployed}: provision the tenant from a deployment in ${region}`,
      kind: 'precondition',
    });
    return undefined;
  }
  return region;
}

async function describePool(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
): Promise<UserPoolType | undefined> {
  const found = await cognitoFind('DescribeUserPool', () =>
    cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })),
  );
  return found?.UserPool;
}

async function describeClient(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string,
): Promise<UserPoolClientType | undefined> {
  const found = await cognitoFind('DescribeUserPoolClient', () =>
    cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId })),
  );
  return found?.UserPoolClient;
}

/** The app client the identity provider will be enabled on, if it exists already. */
async function appClientOf(
  spec: TenantSpec,
  resources: Resources,
  pool: UserPoolType | undefined,
  cognito: CognitoIdentityProviderClient,
  problems: PreflightProblem[],
): Promise<UserPoolClientType | undefined> {
  const brought = spec.cognito.appClientId;
  if (brought) {
    if (!pool?.Id) {
      problems.push({
        field: 'cognito.appClientId',
        expected: 'cognito.userPoolId naming its pool',
        actual: null,
        message: `cognito.appClientId ${brought} names an app client, but no cognito.userPoolId names the pool it belongs to`,
        kind: 'precondition',
      });
      return undefined;
    }
    const client = await describeClient(cognito, pool.Id, brought);
    if (!client) {
      problems.push({
        field: 'cognito.appClientId',
        expected: brought,
        actual: null,
        message: `app client ${brought} (cognito.appClientId) does not exist in user pool ${pool.Id}`,
        kind: 'precondition',
        missing: true,
      });
    }
    return client;
  }
  if (pool?.Id && resources.appClientId && resources.userPoolId === pool.Id) {
    return describeClient(cognito, pool.Id, resources.appClientId);
  }
  return undefined;
}

/** The issuer ensure-identity-provider will point the identity provider at. */
function expectedIssuer(spec: TenantSpec, resources: Resources): string {
  return resources.issuer ?? `${spec.authentik.baseUrl}/application/o/${spec.authentik.applicationSlug}/`;
}

/** Our identity provider's name must be free, or ours. */
async function identityProviderProblem(
  spec: TenantSpec,
  resources: Resources,
  userPoolId: string,
  cognito: CognitoIdentityProviderClient,
): Promise<PreflightProblem | undefined> {
  const name = resources.identityProviderName ?? spec.cognito.identityProviderName;
  const found = await cognitoFind('DescribeIdentityProvider', () =>
    cognito.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name })),
  );
  const existing: IdentityProviderType | undefined = found?.IdentityProvider;
  if (existing) {
    const ours = resources.created?.includes('identityProviderName') === true;
    const issuer = existing.ProviderDetails?.oidc_issuer;
    if (ours || issuer === expectedIssuer(spec, resources)) return undefined;
    return {
      field: 'cognito.identityProviderName',
      expected: `${name} free, or pointing at ${expectedIssuer(spec, resources)}`,
      actual: `${name} (${existing.ProviderType ?? 'unknown type'}${issuer ? `, issuer ${issuer}` : ''})`,
      message: `user pool ${userPoolId} already has an identity provider named ${name} for another issuer; choose another cognito.identityProviderName`,
      kind: 'conflict',
    };
  }
  return undefined;
}

function callbackUrlsProblem(spec: TenantSpec, client: UserPoolClientType): PreflightProblem | undefined {
  const urls = new Set([...(client.CallbackURLs ?? []), ...spec.cognito.callbackUrls]);
  if (urls.size <= CALLBACK_URLS_PER_APP_CLIENT) return undefined;
  return {
    field: 'cognito.callbackUrls',
    expected: `at most ${CALLBACK_URLS_PER_APP_CLIENT} callback URLs on app client ${client.ClientId}`,
    actual: urls.size,
    message: `app client ${client.ClientId} would have ${urls.size} callback URLs (its own and cognito.callbackUrls), Cognito's limit is ${CALLBACK_URLS_PER_APP_CLIENT}`,
    kind: 'limit',
  };
}
