// What the provider refers to and this product never creates: the authorization and invalidation
// flows, the signing key pair and the three managed scope mappings. A missing one means the tenant's
// Authentik is not ready (PreconditionError), and the message says which spec field names it and
// what to use instead.
import type { AuthentikClient } from '#lib/authentik/client.ts';
import {
  type CertificateKeyPair,
  type Flow,
  findFlowBySlug,
  findSigningKey,
  requireScopeMappings,
} from '#lib/authentik/lookups.ts';
import { keyTypeOf, type ReleaseFeatures, releaseFeatures } from '#lib/authentik/release.ts';
import { PreconditionError } from '#lib/errors.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

/** The flow slug the manual guide names, which exists in no Authentik. */
export const GUIDE_FLOW_SLUG = 'default-authentication-flow-explicit';
export const EXPLICIT_CONSENT_FLOW = 'default-provider-authorization-explicit-consent';
export const IMPLICIT_CONSENT_FLOW = 'default-provider-authorization-implicit-consent';

export interface ProviderReferences {
  /** What the tenant's Authentik release accepts (redirect_uri_type or not). */
  features: ReleaseFeatures;
  authorizationFlow: Flow;
  invalidationFlow: Flow;
  signingKey: CertificateKeyPair;
  /** The pks of the openid, email and profile scope mappings, in that order. */
  scopeMappings: string[];
}

function missingAuthorizationFlow(slug: string): PreconditionError {
  const use = `use ${EXPLICIT_CONSENT_FLOW} (or ${IMPLICIT_CONSENT_FLOW} to skip the consent screen)`;
  if (slug === GUIDE_FLOW_SLUG) {
    return new PreconditionError(
      `Authentik has no flow "${slug}" (authentik.authorizationFlow): the guide's slug exists in no ` +
        `Authentik; ${use}`,
    );
  }
  return new PreconditionError(`Authentik has no flow "${slug}" (authentik.authorizationFlow); ${use}`);
}

async function authorizationFlow(client: AuthentikClient, slug: string): Promise<Flow> {
  const flow = await findFlowBySlug(client, slug);
  if (!flow) throw missingAuthorizationFlow(slug);
  // An authentication flow (the guide's mix-up) would be accepted by the API and fail every login.
  if (flow.designation !== 'authorization') {
    throw new PreconditionError(
      `flow "${slug}" (authentik.authorizationFlow) is an ${flow.designation} flow, not an ` +
        `authorization flow; use ${EXPLICIT_CONSENT_FLOW} or ${IMPLICIT_CONSENT_FLOW}`,
    );
  }
  return flow;
}

async function invalidationFlow(client: AuthentikClient, slug: string): Promise<Flow> {
  const flow = await findFlowBySlug(client, slug);
  if (flow?.designation !== 'invalidation') {
    throw new PreconditionError(
      `Authentik has no invalidation flow "${slug}" (authentik.invalidationFlow), which providers ` +
        'need since 2024.10; use default-provider-invalidation-flow',
    );
  }
  return flow;
}

async function signingKey(client: AuthentikClient, name: string): Promise<CertificateKeyPair> {
  const pair = await findSigningKey(client, name);
  if (!pair) {
    throw new PreconditionError(
      `Authentik has no certificate key pair "${name}" with a private key (authentik.signingKeyName); ` +
        'without one Authentik signs tokens with HS256 and the client secret, which Cognito cannot verify ' +
        'against the JWKS. Use "authentik Self-signed Certificate" or import a key pair',
    );
  }
  const type = keyTypeOf(pair);
  if (type && type !== 'rsa') {
    throw new PreconditionError(
      `certificate key pair "${name}" (authentik.signingKeyName) holds an ${type} key; tokens ` +
        'for Cognito are signed RS256, which needs an RSA key pair',
    );
  }
  return pair;
}

/** Looks every reference up; the first missing one throws. Only reads. */
export async function resolveProviderReferences(
  client: AuthentikClient,
  spec: TenantSpec,
): Promise<ProviderReferences> {
  const [authorization, invalidation, key, mappings, features] = await Promise.all([
    authorizationFlow(client, spec.authentik.authorizationFlow),
    invalidationFlow(client, spec.authentik.invalidationFlow),
    signingKey(client, spec.authentik.signingKeyName),
    requireScopeMappings(client),
    releaseFeatures(client),
  ]);
  return {
    features,
    authorizationFlow: authorization,
    invalidationFlow: invalidation,
    signingKey: key,
    scopeMappings: mappings.map((mapping) => mapping.pk),
  };
}
