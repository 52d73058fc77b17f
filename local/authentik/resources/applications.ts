// core/applications/: applications addressed by slug in the path. As in Authentik, the list is
// filtered by the bound policies for the requesting user (page first, then filter: `count` is the
// unfiltered total) unless a superuser asks for `superuser_full_list=true`; `check_access` runs the
// policies for `for_user`.
import { evaluatePolicies, type PolicyVerdict } from '../policy-engine.ts';
import {
  type ApiContext,
  type ApiResponse,
  badRequest,
  exact,
  type Handler,
  notFound,
  paginate,
  parseBoolean,
  type ResourceSpec,
  select,
  viewset,
} from '../resource.ts';
import { serializeApplication } from '../serializers.ts';
import type { ApplicationRecord, UserRecord } from '../store.ts';

export function applicationVerdict(ctx: ApiContext, app: ApplicationRecord, user: UserRecord): PolicyVerdict {
  return evaluatePolicies(ctx.store, app.pk, app.policy_engine_mode, user, ctx.noPython);
}

export const applications: ResourceSpec<ApplicationRecord> = {
  operationPrefix: 'core_applications',
  objectName: 'Application',
  records: (store) => store.applications,
  find: (store, param) => store.findApplicationBySlug(param),
  requestSchema: 'ApplicationRequest',
  patchSchema: 'PatchedApplicationRequest',
  build: (ctx, body) =>
    ({
      pk: ctx.store.newUuid(),
      provider: null,
      backchannel_providers: [],
      open_in_new_tab: false,
      meta_launch_url: '',
      meta_icon: '',
      meta_description: '',
      meta_publisher: '',
      policy_engine_mode: 'any',
      group: '',
      meta_hide: false,
      ...body,
      name: String(body.name),
      slug: String(body.slug),
    }) as ApplicationRecord,
  apply: (_ctx, record, body) => ({ ...record, ...body }) as ApplicationRecord,
  serialize: (ctx, record) => serializeApplication(ctx, record),
  unique: [
    { field: 'slug', message: 'Application with this slug already exists.' },
    { field: 'provider', message: 'Application with this provider already exists.' },
  ],
  relations: [
    { field: 'provider', exists: (store, pk) => store.providers.has(Number(pk)) },
    { field: 'backchannel_providers', exists: (store, pk) => store.providers.has(Number(pk)) },
  ],
  filters: {
    name: exact((a) => a.name),
    slug: exact((a) => a.slug),
    group: exact((a) => a.group),
    meta_description: exact((a) => a.meta_description),
    meta_launch_url: exact((a) => a.meta_launch_url),
    meta_publisher: exact((a) => a.meta_publisher),
  },
  search: (a) => [a.name, a.slug, a.meta_publisher, a.meta_description, a.group],
  ordering: ['name'],
  remove: (ctx, record) => {
    ctx.store.applications.delete(record.pk);
    for (const b of [...ctx.store.bindings.values()])
      if (b.target === record.pk) ctx.store.bindings.delete(b.pk);
  },
};

function forUser(ctx: ApiContext): UserRecord | ApiResponse {
  const raw = ctx.query.get('for_user');
  if (raw === null || !ctx.superuser) return ctx.user;
  if (!/^-?\d+$/.test(raw)) return badRequest({ for_user: ['for_user must be numerical'] });
  const user = ctx.store.users.get(Number(raw));
  return user ?? badRequest({ for_user: ['User not found'] });
}

const listApplications: Handler = (ctx) => {
  const all = select(applications, ctx, [...ctx.store.applications.values()]);
  if (ctx.superuser && parseBoolean(ctx.query.get('superuser_full_list') ?? undefined) === true) {
    return paginate(
      all.map((a) => serializeApplication(ctx, a)),
      ctx.query,
    );
  }
  const user = forUser(ctx);
  if (!('pk' in user)) return user;
  const page = paginate(all, ctx.query);
  if (page.status !== 200) return page;
  const body = page.body as { results: ApplicationRecord[] };
  let allowed = body.results.filter((a) => applicationVerdict(ctx, a, user).passing);
  if (parseBoolean(ctx.query.get('only_with_launch_url') ?? undefined) === true) {
    allowed = allowed.filter((a) => serializeApplication(ctx, a).launch_url !== null);
  }
  return { status: 200, body: { ...body, results: allowed.map((a) => serializeApplication(ctx, a)) } };
};

// Only a superuser may ask about another user and see the policy log; everyone else learns
// whether they themselves pass.
const checkAccess: Handler = (ctx, params) => {
  const app = ctx.store.findApplicationBySlug(params.slug ?? '');
  if (app === undefined) return notFound('Application');
  const user = forUser(ctx);
  if (!('pk' in user)) return user;
  const verdict = applicationVerdict(ctx, app, user);
  if (!ctx.superuser)
    return { status: 200, body: { passing: verdict.passing, messages: [], log_messages: [] } };
  return {
    status: 200,
    body: { passing: verdict.passing, messages: verdict.messages, log_messages: verdict.log },
  };
};

export const applicationHandlers: Record<string, Handler> = {
  ...viewset(applications),
  core_applications_list: listApplications,
  core_applications_check_access_retrieve: checkAccess,
};
