// Groups (guide step 1). Their primary key is a UUID string.
import { type AuthentikClient, dataOf } from './client.ts';
import { unlessNotFound } from './http-errors.ts';
import { listAll } from './list.ts';
import type { components } from './schema.d.ts';

export type Group = components['schemas']['Group'];
export type GroupRequest = components['schemas']['GroupRequest'];

export async function findGroupByName(client: AuthentikClient, name: string): Promise<Group | undefined> {
  // Without include_users=false every group carries its member list, which can be large.
  const groups = await listAll(client, '/core/groups/', { name, include_users: false });
  return groups.find((group) => group.name === name);
}

export async function createGroup(client: AuthentikClient, body: GroupRequest): Promise<Group> {
  return dataOf(await client.api.POST('/core/groups/', { body }));
}

export async function getGroup(client: AuthentikClient, uuid: string): Promise<Group | undefined> {
  return unlessNotFound(
    client.api
      .GET('/core/groups/{group_uuid}/', {
        params: { path: { group_uuid: uuid }, query: { include_users: false } },
      })
      .then(dataOf),
  );
}

/** True when deleted, false when it was already gone. */
export async function deleteGroup(client: AuthentikClient, uuid: string): Promise<boolean> {
  const deleted = await unlessNotFound(
    client.api.DELETE('/core/groups/{group_uuid}/', { params: { path: { group_uuid: uuid } } }),
  );
  return deleted !== undefined;
}

// Parent chains are short in practice; the bound stops a cycle from looping and an endless chain from
// being read, and a chain that reaches it is refused rather than taken as harmless.
const MAX_PARENT_DEPTH = 10;

/**
 * A group's parents: the list `parents` since 2026.2, a single `parent` before (release.ts); the
 * schema this product is typed by is the newest, so the older field is read untyped.
 */
function parentsOf(group: Group): string[] {
  if (group.parents !== undefined) return group.parents;
  const parent = (group as { parent?: string | null }).parent;
  return parent ? [parent] : [];
}

/**
 * Why membership of the group would grant more than signing in, or undefined. Authentik makes a
 * user a superuser when any of its groups or their ancestors is one (authentik/core/models.py,
 * `User.is_superuser` over `all_groups()`), and roles carry RBAC permissions to members.
 */
export async function adminRights(client: AuthentikClient, group: Group): Promise<string | undefined> {
  let level: Group[] = [group];
  const seen = new Set<string>();
  for (let depth = 0; depth < MAX_PARENT_DEPTH && level.length > 0; depth += 1) {
    const next: Group[] = [];
    for (const g of level) {
      if (seen.has(g.pk)) continue;
      seen.add(g.pk);
      const which = g.pk === group.pk ? 'it' : `its ancestor "${g.name}"`;
      if (g.is_superuser === true) return `${which} grants superuser rights`;
      if ((g.roles ?? []).length > 0) return `${which} grants roles (RBAC permissions)`;
      for (const parentPk of parentsOf(g)) {
        const parent = await getGroup(client, parentPk);
        if (parent) next.push(parent);
      }
    }
    level = next;
  }
  // Ancestors left unread could grant anything: a chain deeper than the bound is refused, not passed.
  if (level.some((g) => !seen.has(g.pk))) {
    return `its ancestry is more than ${MAX_PARENT_DEPTH} levels deep, so whether it grants superuser rights or roles was not checked`;
  }
  return undefined;
}
