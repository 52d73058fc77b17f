// core/groups/: groups by uuid, unique by name, with `parents` as a list (Authentik 2025.12+).
// Membership is kept on the users; a group's `users` field is read from them and, when written,
// replaces the group's members.
import {
  exact,
  forbidden,
  type Handler,
  notFound,
  parseBoolean,
  type ResourceSpec,
  validated,
  viewset,
} from '../resource.ts';
import { serializeGroup } from '../serializers.ts';
import type { GroupRecord } from '../store.ts';

function options(query: URLSearchParams) {
  const flag = (name: string, fallback: boolean) => parseBoolean(query.get(name) ?? undefined) ?? fallback;
  return {
    includeUsers: flag('include_users', true),
    includeChildren: flag('include_children', false),
    includeParents: flag('include_parents', false),
    includeInheritedRoles: flag('include_inherited_roles', false),
  };
}

export const groups: ResourceSpec<GroupRecord> = {
  operationPrefix: 'core_groups',
  objectName: 'Group',
  records: (store) => store.groups,
  find: (store, param) => store.groups.get(param),
  requestSchema: 'GroupRequest',
  patchSchema: 'PatchedGroupRequest',
  build: (ctx, body) => ({
    pk: ctx.store.newUuid(),
    num_pk: ctx.store.nextGroupNumPk(),
    name: String(body.name),
    is_superuser: (body.is_superuser as boolean | undefined) ?? false,
    parents: (body.parents as string[] | undefined) ?? [],
    attributes: (body.attributes as Record<string, unknown> | undefined) ?? {},
    roles: (body.roles as string[] | undefined) ?? [],
  }),
  apply: (_ctx, record, body) => {
    const { users: _users, ...fields } = body;
    return { ...record, ...fields } as GroupRecord;
  },
  afterSave: (ctx, record, body) => {
    if (!Array.isArray(body.users)) return;
    const wanted = new Set(body.users as number[]);
    for (const user of ctx.store.users.values()) {
      const member = user.groups.includes(record.pk);
      if (wanted.has(user.pk) && !member) user.groups = [...user.groups, record.pk];
      if (!wanted.has(user.pk) && member) user.groups = user.groups.filter((g) => g !== record.pk);
    }
  },
  serialize: (ctx, record) => serializeGroup(ctx, record, options(ctx.query)),
  unique: [{ field: 'name', message: 'Group with this name already exists.' }],
  relations: [
    { field: 'parents', exists: (store, pk) => store.groups.has(String(pk)) },
    { field: 'users', exists: (store, pk) => store.users.has(Number(pk)) },
    { field: 'roles', exists: () => false }, // the emulator has no roles
  ],
  validateObject: (_ctx, candidate) =>
    candidate.parents.includes(candidate.pk) ? ['Cannot set group as parent of itself.'] : [],
  filters: {
    name: exact((g) => g.name),
    is_superuser: exact((g) => g.is_superuser),
    members_by_username: (g, values, ctx) =>
      ctx.store.membersOf(g.pk).some((u) => values.includes(u.username)),
    members_by_pk: (g, values, ctx) => ctx.store.membersOf(g.pk).some((u) => values.includes(String(u.pk))),
  },
  search: (g) => [g.name],
  ordering: ['name'],
  remove: (ctx, record) => {
    const { store } = ctx;
    store.groups.delete(record.pk);
    for (const user of store.users.values()) user.groups = user.groups.filter((g) => g !== record.pk);
    for (const group of store.groups.values()) group.parents = group.parents.filter((p) => p !== record.pk);
    for (const binding of [...store.bindings.values()])
      if (binding.group === record.pk) store.bindings.delete(binding.pk);
  },
};

function membership(add: boolean): Handler {
  return (ctx, params, body) => {
    if (!ctx.superuser) return forbidden();
    const group = ctx.store.groups.get(params.group_uuid ?? '');
    if (group === undefined) return notFound('Group');
    const checked = validated('UserAccountRequest', body);
    if (!checked.ok) return checked.response;
    const user = ctx.store.users.get(checked.body.pk as number);
    if (user === undefined) return { status: 404, body: { detail: 'No User matches the given query.' } };
    const member = user.groups.includes(group.pk);
    if (add && !member) user.groups = [...user.groups, group.pk];
    if (!add && member) user.groups = user.groups.filter((g) => g !== group.pk);
    return { status: 204 };
  };
}

export const groupHandlers: Record<string, Handler> = {
  ...viewset(groups),
  core_groups_add_user_create: membership(true),
  core_groups_remove_user_create: membership(false),
};
