// What a fresh Authentik already holds and the provider step refers to: flows, the signing key,
// the managed scope mappings. These are never created here; when one is missing the tenant's
// Authentik is not ready, which is a PreconditionError, not something to retry.
import { PreconditionError } from '#lib/errors.ts';
import type { AuthentikClient } from './client.ts';
import { listAll } from './list.ts';
import type { components } from './schema.d.ts';

export type Flow = components['schemas']['Flow'];
export type CertificateKeyPair = components['schemas']['CertificateKeyPair'];
export type ScopeMapping = components['schemas']['ScopeMapping'];

/** The managed scope mappings a provider needs for the scopes openid, email and profile. */
export const OIDC_SCOPE_MAPPINGS = [
  'goauthentik.io/providers/oauth2/scope-openid',
  'goauthentik.io/providers/oauth2/scope-email',
  'goauthentik.io/providers/oauth2/scope-profile',
] as const;

// Every lookup filters on the server and then checks the exact value here: a filter that an
// Authentik version matches loosely, or ignores, must not hand back the wrong object.

export async function findFlowBySlug(client: AuthentikClient, slug: string): Promise<Flow | undefined> {
  const flows = await listAll(client, '/flows/instances/', { slug });
  return flows.find((flow) => flow.slug === slug);
}

export async function requireFlow(client: AuthentikClient, slug: string): Promise<Flow> {
  const flow = await findFlowBySlug(client, slug);
  if (!flow) throw new PreconditionError(`Authentik has no flow with the slug "${slug}"`);
  return flow;
}

/** The certificate key pair of that name that holds a private key (only those can sign tokens). */
export async function findSigningKey(
  client: AuthentikClient,
  name: string,
): Promise<CertificateKeyPair | undefined> {
  const pairs = await listAll(client, '/crypto/certificatekeypairs/', { name, has_key: true });
  return pairs.find((pair) => pair.name === name && pair.private_key_available);
}

export async function requireSigningKey(client: AuthentikClient, name: string): Promise<CertificateKeyPair> {
  const pair = await findSigningKey(client, name);
  if (!pair) {
    throw new PreconditionError(`Authentik has no certificate key pair named "${name}" with a private key`);
  }
  return pair;
}

/** The scope mappings with these `managed` ids, in the order asked; missing ones are left out. */
export async function findScopeMappings(
  client: AuthentikClient,
  managed: readonly string[],
): Promise<ScopeMapping[]> {
  // openapi-fetch writes an array as repeated parameters (managed=a&managed=b), which is what
  // Authentik's multiple-choice filter reads; a comma-joined value would match nothing.
  const mappings = await listAll(client, '/propertymappings/provider/scope/', { managed: [...managed] });
  return managed.flatMap((id) => mappings.find((mapping) => mapping.managed === id) ?? []);
}

export async function requireScopeMappings(
  client: AuthentikClient,
  managed: readonly string[] = OIDC_SCOPE_MAPPINGS,
): Promise<ScopeMapping[]> {
  const mappings = await findScopeMappings(client, managed);
  const missing = managed.filter((id) => !mappings.some((mapping) => mapping.managed === id));
  if (missing.length > 0) {
    throw new PreconditionError(`Authentik lacks the managed scope mappings ${missing.join(', ')}`);
  }
  return mappings;
}
