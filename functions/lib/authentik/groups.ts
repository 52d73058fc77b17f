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
