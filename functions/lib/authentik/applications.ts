// Applications (guide step 4). Addressed by slug, which also names the issuer
// `https://<host>/application/o/<slug>/`.
import { type AuthentikClient, dataOf } from './client.ts';
import { unlessNotFound } from './http-errors.ts';
import type { components } from './schema.d.ts';

export type Application = components['schemas']['Application'];
export type ApplicationRequest = components['schemas']['ApplicationRequest'];
export type ApplicationPatch = components['schemas']['PatchedApplicationRequest'];
export type PolicyTestResult = components['schemas']['PolicyTestResult'];

/**
 * Read by slug rather than listed: Authentik's application list shows only what the token's own
 * user may open (unless superuser_full_list), so a list lookup could miss an existing application.
 */
export async function findApplicationBySlug(
  client: AuthentikClient,
  slug: string,
): Promise<Application | undefined> {
  return unlessNotFound(
    client.api.GET('/core/applications/{slug}/', { params: { path: { slug } } }).then(dataOf),
  );
}

/** `{name, slug, provider: <provider pk>}`. */
export async function createApplication(
  client: AuthentikClient,
  body: ApplicationRequest,
): Promise<Application> {
  return dataOf(await client.api.POST('/core/applications/', { body }));
}

/** Changes only the fields given (PATCH). */
export async function updateApplication(
  client: AuthentikClient,
  slug: string,
  body: ApplicationPatch,
): Promise<Application> {
  return dataOf(await client.api.PATCH('/core/applications/{slug}/', { params: { path: { slug } }, body }));
}

/** True when deleted, false when it was already gone. */
export async function deleteApplication(client: AuthentikClient, slug: string): Promise<boolean> {
  const deleted = await unlessNotFound(
    client.api.DELETE('/core/applications/{slug}/', { params: { path: { slug } } }),
  );
  return deleted !== undefined;
}

/** Whether the application's policies let this user (pk) in. */
export async function checkApplicationAccess(
  client: AuthentikClient,
  slug: string,
  userPk: number,
): Promise<PolicyTestResult> {
  return dataOf(
    await client.api.GET('/core/applications/{slug}/check_access/', {
      params: { path: { slug }, query: { for_user: userPk } },
    }),
  );
}
