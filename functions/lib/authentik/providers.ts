// OAuth2/OpenID providers (guide step 3). Their primary key is an integer; `client_id` and
// `client_secret` come back on every read, so callers must keep provider objects out of logs.
import { type AuthentikClient, dataOf } from './client.ts';
import { unlessNotFound } from './http-errors.ts';
import { listAll } from './list.ts';
import type { components } from './schema.d.ts';

export type OAuth2Provider = components['schemas']['OAuth2Provider'];
export type OAuth2ProviderSetupUrls = components['schemas']['OAuth2ProviderSetupURLs'];
export type RedirectUri = components['schemas']['RedirectURIRequest'];
export type OAuth2ProviderPatch = components['schemas']['PatchedOAuth2ProviderRequest'];
/**
 * The create body. openapi-typescript adds a required `provider_model` to OAuth2ProviderRequest
 * because the schema also uses it inside a discriminated union (the application wizard); the
 * `/providers/oauth2/` endpoint has no such field, so it is left out of what we send.
 */
export type OAuth2ProviderBody = Omit<components['schemas']['OAuth2ProviderRequest'], 'provider_model'>;

/**
 * The only redirect URI shape this product writes: an exact match, for the authorization code flow.
 * `typed` false leaves out redirect_uri_type, which releases before 2026.8 do not have (release.ts).
 */
export function strictRedirectUri(url: string, typed = true): RedirectUri {
  if (typed) return { matching_mode: 'strict', url, redirect_uri_type: 'authorization' };
  // The newest schema types the field as always present (it has a default); older releases lack it.
  return { matching_mode: 'strict', url } as RedirectUri;
}

export async function findProviderByName(
  client: AuthentikClient,
  name: string,
): Promise<OAuth2Provider | undefined> {
  const providers = await listAll(client, '/providers/oauth2/', { name });
  return providers.find((provider) => provider.name === name);
}

export async function createProvider(
  client: AuthentikClient,
  body: OAuth2ProviderBody,
): Promise<OAuth2Provider> {
  const request = body as components['schemas']['OAuth2ProviderRequest'];
  return dataOf(await client.api.POST('/providers/oauth2/', { body: request }));
}

export async function getProvider(client: AuthentikClient, pk: number): Promise<OAuth2Provider | undefined> {
  return unlessNotFound(
    client.api.GET('/providers/oauth2/{id}/', { params: { path: { id: pk } } }).then(dataOf),
  );
}

/** Changes only the fields given (PATCH). */
export async function updateProvider(
  client: AuthentikClient,
  pk: number,
  body: OAuth2ProviderPatch,
): Promise<OAuth2Provider> {
  return dataOf(await client.api.PATCH('/providers/oauth2/{id}/', { params: { path: { id: pk } }, body }));
}

/** True when deleted, false when it was already gone. */
export async function deleteProvider(client: AuthentikClient, pk: number): Promise<boolean> {
  const deleted = await unlessNotFound(
    client.api.DELETE('/providers/oauth2/{id}/', { params: { path: { id: pk } } }),
  );
  return deleted !== undefined;
}

/** The issuer, authorize, token, userinfo and JWKS URLs as Authentik computes them. */
export async function getProviderSetupUrls(
  client: AuthentikClient,
  pk: number,
): Promise<OAuth2ProviderSetupUrls> {
  return dataOf(await client.api.GET('/providers/oauth2/{id}/setup_urls/', { params: { path: { id: pk } } }));
}
