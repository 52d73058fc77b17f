// Users (guide step 2). Their primary key is an integer.
import { type AuthentikClient, dataOf } from './client.ts';
import { unlessNotFound } from './http-errors.ts';
import { listAll } from './list.ts';
import type { components } from './schema.d.ts';

export type User = components['schemas']['User'];
export type UserRequest = components['schemas']['UserRequest'];
export type UserPatch = components['schemas']['PatchedUserRequest'];

export async function findUserByUsername(
  client: AuthentikClient,
  username: string,
): Promise<User | undefined> {
  const users = await listAll(client, '/core/users/', { username });
  return users.find((user) => user.username === username);
}

/** The test user: `{username, name, email, groups: [group uuid], path, type: 'internal'}`. */
export async function createUser(client: AuthentikClient, body: UserRequest): Promise<User> {
  return dataOf(await client.api.POST('/core/users/', { body }));
}

export async function getUser(client: AuthentikClient, pk: number): Promise<User | undefined> {
  return unlessNotFound(client.api.GET('/core/users/{id}/', { params: { path: { id: pk } } }).then(dataOf));
}

export async function updateUser(client: AuthentikClient, pk: number, body: UserPatch): Promise<User> {
  return dataOf(await client.api.PATCH('/core/users/{id}/', { params: { path: { id: pk } }, body }));
}

/** Authentik answers 204. The password travels only in this request body, never in a message. */
export async function setUserPassword(client: AuthentikClient, pk: number, password: string): Promise<void> {
  await client.api.POST('/core/users/{id}/set_password/', {
    params: { path: { id: pk } },
    body: { password },
  });
}

/** True when deleted, false when it was already gone. */
export async function deleteUser(client: AuthentikClient, pk: number): Promise<boolean> {
  const deleted = await unlessNotFound(
    client.api.DELETE('/core/users/{id}/', { params: { path: { id: pk } } }),
  );
  return deleted !== undefined;
}
