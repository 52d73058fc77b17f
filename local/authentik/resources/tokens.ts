// core/tokens/: tokens by identifier. The key is never part of a token's representation; only
// `view_key` shows it, to its owner or a superuser.
import { randomBytes } from 'node:crypto';
import { exact, type Handler, notFound, type ResourceSpec, viewset } from '../resource.ts';
import { serializeToken } from '../serializers.ts';
import type { TokenRecord } from '../store.ts';

/** A token key as Authentik generates them (letters and digits). */
export function generateKey(length = 60): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

// Authentik's default lifetime of an expiring token.
const DEFAULT_LIFETIME_MS = 30 * 60 * 1000;

export const tokens: ResourceSpec<TokenRecord> = {
  operationPrefix: 'core_tokens',
  objectName: 'Token',
  records: (store) => store.tokens,
  find: (store, param) => [...store.tokens.values()].find((t) => t.identifier === param),
  requestSchema: 'TokenRequest',
  patchSchema: 'PatchedTokenRequest',
  build: (ctx, body) => {
    const expiring = (body.expiring as boolean | undefined) ?? true;
    return {
      pk: ctx.store.newUuid(),
      key: generateKey(),
      intent: 'verification',
      user: ctx.user.pk,
      description: '',
      managed: null,
      ...body,
      identifier: String(body.identifier),
      expiring,
      expires:
        (body.expires as string | null | undefined) ??
        (expiring ? new Date(Date.now() + DEFAULT_LIFETIME_MS).toISOString() : null),
    } as TokenRecord;
  },
  apply: (_ctx, record, body) => ({ ...record, ...body }) as TokenRecord,
  serialize: (ctx, record) => serializeToken(ctx, record),
  unique: [
    { field: 'identifier', message: 'Token with this identifier already exists.' },
    { field: 'managed', message: 'Token with this Managed by authentik already exists.' },
  ],
  relations: [{ field: 'user', exists: (store, pk) => store.users.has(Number(pk)) }],
  filters: {
    identifier: exact((t) => t.identifier),
    intent: exact((t) => t.intent),
    description: exact((t) => t.description),
    managed: exact((t) => t.managed),
    expiring: exact((t) => t.expiring),
    user__username: (t, values, ctx) => values.includes(ctx.store.users.get(t.user)?.username ?? ''),
  },
  search: (t) => [t.identifier, t.description],
  ordering: ['identifier', 'expires'],
  remove: (ctx, record) => {
    ctx.store.tokens.delete(record.pk);
  },
  // Users see their own tokens.
  visibleTo: (ctx, record) => record.user === ctx.user.pk,
};

const viewKey: Handler = (ctx, params) => {
  const token = tokens.find(ctx.store, params.identifier ?? '');
  if (token === undefined || !(ctx.superuser || token.user === ctx.user.pk)) return notFound('Token');
  return { status: 200, body: { key: token.key } };
};

export const tokenHandlers: Record<string, Handler> = {
  ...viewset(tokens),
  core_tokens_view_key_retrieve: viewKey,
};
