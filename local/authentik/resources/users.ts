// core/users/: users by int pk, unique by username, with groups as uuids; `set_password` stores a
// hash and answers 204 with no body.

import type { FieldErrors } from '../drf-errors.ts';
import { hashPassword } from '../passwords.ts';
import {
  anyOf,
  exact,
  forbidden,
  type Handler,
  intParam,
  notFound,
  parseBoolean,
  type ResourceSpec,
  validated,
  viewset,
} from '../resource.ts';
import { serializeUser } from '../serializers.ts';
import type { UserRecord } from '../store.ts';

const now = (): string => new Date().toISOString();

export const users: ResourceSpec<UserRecord> = {
  operationPrefix: 'core_users',
  objectName: 'User',
  records: (store) => store.users,
  find: (store, param) => {
    const pk = intParam(param);
    return pk === undefined ? undefined : store.users.get(pk);
  },
  requestSchema: 'UserRequest',
  patchSchema: 'PatchedUserRequest',
  build: (ctx, body) => {
    const at = now();
    return {
      pk: ctx.store.nextUserPk(),
      uuid: ctx.store.newUuid(),
      username: String(body.username),
      name: String(body.name),
      is_active: true,
      last_login: null,
      groups: [],
      roles: [],
      email: '',
      attributes: {},
      path: 'users',
      type: 'internal',
      ...body,
      date_joined: at,
      last_updated: at,
      password_change_date: at,
      password: null,
    } as UserRecord;
  },
  apply: (_ctx, record, body) => ({ ...record, ...body, last_updated: now() }) as UserRecord,
  serialize: (ctx, record) =>
    serializeUser(ctx, record, {
      includeGroups: parseBoolean(ctx.query.get('include_groups') ?? undefined) ?? true,
      includeRoles: parseBoolean(ctx.query.get('include_roles') ?? undefined) ?? true,
    }),
  // Authentik declares its own UniqueValidator on username, hence DRF's generic wording.
  unique: [{ field: 'username', message: 'This field must be unique.' }],
  relations: [
    { field: 'groups', exists: (store, pk) => store.groups.has(String(pk)) },
    { field: 'roles', exists: () => false }, // the emulator has no roles
  ],
  validateFields: (_ctx, body) => {
    const errors: FieldErrors = {};
    const path = body.path;
    if (typeof path === 'string') {
      if (path.startsWith('/') || path.endsWith('/'))
        errors.path = ['No leading or trailing slashes allowed.'];
      else if (path.split('/').includes('')) errors.path = ['No empty segments in user path allowed.'];
    }
    if (body.type === 'internal_service_account') {
      errors.type = ['Setting a user to internal service account is not allowed.'];
    }
    return errors;
  },
  filters: {
    username: exact((u) => u.username),
    email: exact((u) => u.email),
    name: exact((u) => u.name),
    uuid: exact((u) => u.uuid),
    path: exact((u) => u.path),
    is_active: exact((u) => u.is_active),
    is_superuser: (u, values, ctx) => {
      const wanted = parseBoolean(values[values.length - 1]);
      return wanted === undefined || ctx.store.isSuperuser(u) === wanted;
    },
    path_startswith: (u, values) => u.path.startsWith(values[values.length - 1] ?? ''),
    groups_by_name: (u, values, ctx) =>
      u.groups.some((pk) => values.includes(ctx.store.groups.get(pk)?.name ?? '')),
    groups_by_pk: (u, values) => u.groups.some((pk) => values.includes(pk)),
    type: anyOf((u) => u.type),
  },
  search: (u) => [u.username, u.name, u.email],
  ordering: ['username'],
  remove: (ctx, record) => {
    const { store } = ctx;
    store.users.delete(record.pk);
    for (const token of [...store.tokens.values()])
      if (token.user === record.pk) store.tokens.delete(token.pk);
    for (const binding of [...store.bindings.values()])
      if (binding.user === record.pk) store.bindings.delete(binding.pk);
  },
};

const setPassword: Handler = (ctx, params, body) => {
  if (!ctx.superuser) return forbidden();
  const user = users.find(ctx.store, params.id ?? '');
  if (user === undefined) return notFound('User');
  const checked = validated('UserPasswordSetRequest', body);
  if (!checked.ok) return checked.response;
  user.password = hashPassword(String(checked.body.password));
  user.password_change_date = now();
  return { status: 204 };
};

export const userHandlers: Record<string, Handler> = {
  ...viewset(users),
  core_users_set_password_create: setPassword,
};
