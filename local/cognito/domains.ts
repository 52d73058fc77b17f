import type { LayerContext } from './context.ts';
import { CognitoError, invalidParameter } from './protocol.ts';

// What Cognito does with user pool domains and moto does not. References:
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolDomain.html
//   https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html

interface DescribedDomain {
  DomainDescription?: { UserPoolId?: string };
}

/** 1 is the classic hosted UI, 2 managed login (the ManagedLoginVersion member). */
function checkManagedLoginVersion(version: unknown): void {
  if (version === undefined || version === 1 || version === 2) return;
  throw invalidParameter(
    `ManagedLoginVersion must be 1 (hosted UI, classic) or 2 (managed login), got ${String(version)}`,
  );
}

/**
 * "Managed login requires that your user pool be configured for any feature plan other than Lite"
 * (ManagedLoginVersion); both operations list FeatureUnavailableInTierException for it.
 */
async function checkTierAllows(version: unknown, input: Record<string, unknown>, context: LayerContext) {
  if (version !== 2) return;
  const described = await context.moto.call<{ UserPool?: { UserPoolTier?: string } }>(
    'DescribeUserPool',
    { UserPoolId: input.UserPoolId },
    context.authorization,
  );
  if (described.UserPool?.UserPoolTier === 'LITE') {
    throw new CognitoError(
      'FeatureUnavailableInTierException',
      'Managed login (ManagedLoginVersion 2) is not available in the LITE feature plan',
    );
  }
}

/**
 * A domain names one user pool in a region: moto silently moves a taken domain to the new pool,
 * Cognito refuses with "Domain already associated with another user pool." (the answer CloudFormation
 * and the SDKs report, e.g. https://github.com/aws-samples/aws-cdk-examples/issues/402).
 */
export async function prepareCreateUserPoolDomain(
  input: Record<string, unknown>,
  context: LayerContext,
): Promise<Record<string, unknown>> {
  checkManagedLoginVersion(input.ManagedLoginVersion);
  await checkTierAllows(input.ManagedLoginVersion, input, context);
  const described = await context.moto.call<DescribedDomain>(
    'DescribeUserPoolDomain',
    { Domain: input.Domain },
    context.authorization,
  );
  const holder = described.DomainDescription?.UserPoolId;
  if (holder && holder !== input.UserPoolId) {
    throw invalidParameter('Domain already associated with another user pool.');
  }
  return input;
}

/** Remembers the ManagedLoginVersion moto ignores, and answers it as CreateUserPoolDomain does. */
export function completeCreateUserPoolDomain(
  input: Record<string, unknown>,
  output: Record<string, unknown>,
  context: LayerContext,
): Record<string, unknown> {
  const version = typeof input.ManagedLoginVersion === 'number' ? input.ManagedLoginVersion : undefined;
  context.state.domains.set(String(input.Domain), {
    userPoolId: String(input.UserPoolId),
    ...(version === undefined ? {} : { managedLoginVersion: version }),
  });
  return version === undefined ? output : { ...output, ManagedLoginVersion: version };
}

/** DescribeUserPoolDomain reports the domain's ManagedLoginVersion (DomainDescriptionType). */
export function completeDescribeUserPoolDomain(
  input: Record<string, unknown>,
  output: Record<string, unknown>,
  context: LayerContext,
): Record<string, unknown> {
  const description = output.DomainDescription as { UserPoolId?: string } | undefined;
  const record = context.state.domains.get(String(input.Domain));
  // A record of a pool that no longer holds the domain (moto was reset) says nothing.
  if (!description?.UserPoolId || record?.userPoolId !== description.UserPoolId) return output;
  if (record.managedLoginVersion === undefined) return output;
  return {
    ...output,
    DomainDescription: { ...description, ManagedLoginVersion: record.managedLoginVersion },
  };
}

/**
 * UpdateUserPoolDomain may change the ManagedLoginVersion alone. moto would clear a custom
 * domain's certificate on such a request, so the layer answers it itself; a request with a
 * CustomDomainConfig goes on to moto (undefined).
 */
export async function answerUpdateUserPoolDomain(
  input: Record<string, unknown>,
  context: LayerContext,
): Promise<Record<string, unknown> | undefined> {
  checkManagedLoginVersion(input.ManagedLoginVersion);
  const domain = String(input.Domain);
  const version = typeof input.ManagedLoginVersion === 'number' ? input.ManagedLoginVersion : undefined;
  const described = await context.moto.call<DescribedDomain>(
    'DescribeUserPoolDomain',
    { Domain: domain },
    context.authorization,
  );
  if (described.DomainDescription?.UserPoolId !== input.UserPoolId) {
    throw invalidParameter(`The domain ${domain} is not a domain of user pool ${String(input.UserPoolId)}`);
  }
  await checkTierAllows(version, input, context);
  const previous = context.state.domains.get(domain);
  const managedLoginVersion = version ?? previous?.managedLoginVersion;
  context.state.domains.set(domain, {
    userPoolId: String(input.UserPoolId),
    ...(managedLoginVersion === undefined ? {} : { managedLoginVersion }),
  });
  if (input.CustomDomainConfig !== undefined) return undefined;
  return managedLoginVersion === undefined ? {} : { ManagedLoginVersion: managedLoginVersion };
}

export function completeDeleteUserPoolDomain(
  input: Record<string, unknown>,
  output: Record<string, unknown>,
  context: LayerContext,
): Record<string, unknown> {
  context.state.domains.delete(String(input.Domain));
  return output;
}
