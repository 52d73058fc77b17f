// The generic model viewset, as DRF runs it for Authentik: list (filters, search, ordering, page
// pagination), create, retrieve, update (PUT), partial_update (PATCH) and destroy, with the body
// validated against the operation's request schema, related primary keys checked, uniqueness
// reported as 400 field errors, and object permissions (a user without rights sees empty lists,
// gets 404 on objects and 403 on writes).

import { addFieldError, drfErrors, type FieldErrors, hasErrors } from './drf-errors.ts';
import { authentikSchema } from './schema.ts';
import type { SerializeContext } from './serializers.ts';
import type { AuthentikStore, UserRecord } from './store.ts';

export type Body = Record<string, unknown>;
export type Json = Record<string, unknown>;

export interface ApiContext extends SerializeContext {
  /** Where the emulator listens, e.g. http://127.0.0.1:9000. */
  baseUrl: string;
  /** The user the bearer token belongs to. */
  user: UserRecord;
  superuser: boolean;
  query: URLSearchParams;
  /** Called when an expression policy had to be denied because the emulator runs no Python. */
  noPython(): void;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One operation of the API, keyed by its operationId in schema.yml. */
export type Handler = (ctx: ApiContext, params: Record<string, string>, body: unknown) => ApiResponse;

export const notFound = (objectName: string): ApiResponse => ({
  status: 404,
  body: { detail: `No ${objectName} matches the given query.` },
});

export const forbidden = (): ApiResponse => ({
  status: 403,
  body: { detail: 'You do not have permission to perform this action.' },
});

export const badRequest = (errors: FieldErrors): ApiResponse => ({ status: 400, body: errors });

export interface UniqueRule {
  field: string;
  message: string;
}

export interface RelationRule {
  field: string;
  exists(store: AuthentikStore, value: unknown): boolean;
}

type Filter<R> = (record: R, values: string[], ctx: ApiContext) => boolean;

export interface ResourceSpec<R extends { pk: string | number }> {
  /** The operationId prefix in schema.yml, e.g. `core_groups`. */
  operationPrefix: string;
  /** The model class name Django prints in 404s: "No Group matches the given query." */
  objectName: string;
  records(store: AuthentikStore): Map<R['pk'], R>;
  /** The record a path parameter names (pk, or slug for applications and flows). */
  find(store: AuthentikStore, param: string): R | undefined;
  requestSchema: string;
  patchSchema: string;
  /** A new record from a validated create body, defaults filled in. */
  build(ctx: ApiContext, body: Body): R;
  /** The record with a validated update body applied (fields absent from the body are kept). */
  apply(ctx: ApiContext, record: R, body: Body): R;
  /** Side effects on other models once the record is saved (a group's `users`, for example). */
  afterSave?(ctx: ApiContext, record: R, body: Body): void;
  serialize(ctx: ApiContext, record: R): Json;
  unique?: UniqueRule[];
  relations?: RelationRule[];
  /** Field checks beyond the schema (PEM parsing, regex compilation, ...). */
  validateFields?(ctx: ApiContext, body: Body, existing: R | undefined): FieldErrors;
  /** Checks spanning fields (DRF's `validate()`, unique_together): messages for `non_field_errors`. */
  validateObject?(ctx: ApiContext, candidate: R, existing: R | undefined): string[];
  filters?: Record<string, Filter<R>>;
  /** The text `?search=` looks in. */
  search?(record: R, ctx: ApiContext): string[];
  ordering: string[];
  /** Deletes the record and what Django would cascade. */
  remove(ctx: ApiContext, record: R): void;
  /** What a user without model rights may list (default: nothing). */
  visibleTo?(ctx: ApiContext, record: R): boolean;
}

// ---- query parameters ----

export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['true', 'True', '1'].includes(value)) return true;
  if (['false', 'False', '0'].includes(value)) return false;
  return undefined; // django-filter ignores a value it cannot read
}

/** An exact-match filter on a field (django-filter's default for `filterset_fields`). */
export function exact<R>(pick: (r: R) => unknown): Filter<R> {
  return (record, values) => {
    const value = values[values.length - 1];
    const actual = pick(record);
    if (typeof actual === 'boolean') {
      const wanted = parseBoolean(value);
      return wanted === undefined || actual === wanted;
    }
    return String(actual ?? '') === value;
  };
}

/** A repeated filter (`?managed=a&managed=b`): any of the values matches. */
export function anyOf<R>(pick: (r: R) => unknown): Filter<R> {
  return (record, values) => values.includes(String(pick(record) ?? ''));
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a ?? '');
  const y = String(b ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

function order<R extends { pk: string | number }>(records: R[], fields: string[]): R[] {
  return [...records].sort((a, b) => {
    for (const raw of fields) {
      const desc = raw.startsWith('-');
      const field = desc ? raw.slice(1) : raw;
      const c = compare((a as Record<string, unknown>)[field], (b as Record<string, unknown>)[field]);
      if (c !== 0) return desc ? -c : c;
    }
    return compare(a.pk, b.pk);
  });
}

// DRF's PageNumberPagination with Authentik's response shape (`next`/`previous` 0 when absent).
export function paginate(items: unknown[], query: URLSearchParams): ApiResponse {
  const sizeParam = Number(query.get('page_size'));
  const pageSize = Number.isInteger(sizeParam) && sizeParam > 0 ? sizeParam : 100;
  const count = items.length;
  const totalPages = Math.max(1, Math.ceil(count / pageSize));
  const pageParam = query.get('page');
  // DRF also accepts `page=last`.
  const page = pageParam === null ? 1 : pageParam === 'last' ? totalPages : Number(pageParam);
  if (!Number.isInteger(page) || page < 1 || page > totalPages) {
    return { status: 404, body: { detail: 'Invalid page.' } };
  }
  const start = (page - 1) * pageSize;
  const results = items.slice(start, start + pageSize);
  return {
    status: 200,
    body: {
      pagination: {
        next: page < totalPages ? page + 1 : 0,
        previous: page > 1 ? page - 1 : 0,
        count,
        current: page,
        total_pages: totalPages,
        start_index: count === 0 ? 0 : start + 1,
        end_index: count === 0 ? 0 : start + results.length,
      },
      results,
      autocomplete: {},
    },
  };
}

// ---- validation ----

/** A body checked against a request schema: the known fields, or the 400 to answer. */
export function validated(
  schemaName: string,
  raw: unknown,
): { ok: true; body: Body } | { ok: false; response: ApiResponse } {
  const validate = authentikSchema().validator(schemaName);
  if (!validate(raw)) return { ok: false, response: badRequest(drfErrors(validate.errors ?? [], raw)) };
  return { ok: true, body: pickKnown(schemaName, raw as Body) };
}

function pickKnown(schemaName: string, body: Body): Body {
  // DRF ignores fields the serializer does not declare (read-only ones included).
  const validate = authentikSchema().validator(schemaName);
  const properties = (validate.schema as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.fromEntries(Object.entries(body).filter(([k]) => k in properties));
}

function validateBody<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  raw: unknown,
  existing: R | undefined,
  partial: boolean,
): { ok: true; body: Body; candidate: R } | { ok: false; response: ApiResponse } {
  const checked = validated(partial ? spec.patchSchema : spec.requestSchema, raw);
  if (!checked.ok) return checked;
  const { body } = checked;
  const errors: FieldErrors = spec.validateFields?.(ctx, body, existing) ?? {};
  for (const rule of spec.relations ?? []) {
    if (!(rule.field in body)) continue;
    const value = body[rule.field];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || rule.exists(ctx.store, item)) continue;
      addFieldError(errors, [rule.field], `Invalid pk "${String(item)}" - object does not exist.`, body);
    }
  }
  const candidate = existing === undefined ? spec.build(ctx, body) : spec.apply(ctx, existing, body);
  for (const rule of spec.unique ?? []) {
    if (!(rule.field in body)) continue;
    const value = (candidate as Record<string, unknown>)[rule.field];
    if (value === null) continue; // NULLs never collide in a unique index
    for (const other of spec.records(ctx.store).values()) {
      if (other.pk !== existing?.pk && (other as Record<string, unknown>)[rule.field] === value) {
        addFieldError(errors, [rule.field], rule.message, body);
        break;
      }
    }
  }
  if (hasErrors(errors)) return { ok: false, response: badRequest(errors) };
  // DRF runs object-level validation only once every field is valid.
  const objectErrors = spec.validateObject?.(ctx, candidate, existing) ?? [];
  if (objectErrors.length > 0) return { ok: false, response: badRequest({ non_field_errors: objectErrors }) };
  return { ok: true, body, candidate };
}

// ---- the viewset ----

/** The records a list request selects: its filters, `search` and `ordering` applied. */
export function select<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  records: R[],
): R[] {
  let selected = records;
  for (const [name, filter] of Object.entries(spec.filters ?? {})) {
    const values = ctx.query.getAll(name);
    if (values.length === 0) continue;
    selected = selected.filter((r) => filter(r, values, ctx));
  }
  const search = ctx.query.get('search');
  if (search !== null && search !== '' && spec.search !== undefined) {
    const needle = search.toLowerCase();
    const searchIn = spec.search;
    selected = selected.filter((r) => searchIn(r, ctx).some((text) => text.toLowerCase().includes(needle)));
  }
  const ordering = ctx.query.get('ordering');
  return order(selected, ordering ? ordering.split(',').map((f) => f.trim()) : spec.ordering);
}

export function list<R extends { pk: string | number }>(spec: ResourceSpec<R>, ctx: ApiContext): ApiResponse {
  let records = [...spec.records(ctx.store).values()];
  if (!ctx.superuser) records = records.filter((r) => spec.visibleTo?.(ctx, r) ?? false);
  return paginate(
    select(spec, ctx, records).map((r) => spec.serialize(ctx, r)),
    ctx.query,
  );
}

function visible<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  param: string,
): R | undefined {
  const record = spec.find(ctx.store, param);
  if (record === undefined) return undefined;
  return ctx.superuser || spec.visibleTo?.(ctx, record) === true ? record : undefined;
}

export function retrieve<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  param: string,
): ApiResponse {
  const record = visible(spec, ctx, param);
  if (record === undefined) return notFound(spec.objectName);
  return { status: 200, body: spec.serialize(ctx, record) };
}

export function create<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  raw: unknown,
): ApiResponse {
  if (!ctx.superuser) return forbidden();
  const result = validateBody(spec, ctx, raw, undefined, false);
  if (!result.ok) return result.response;
  spec.records(ctx.store).set(result.candidate.pk, result.candidate);
  spec.afterSave?.(ctx, result.candidate, result.body);
  return { status: 201, body: spec.serialize(ctx, result.candidate) };
}

export function update<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  param: string,
  raw: unknown,
  partial: boolean,
): ApiResponse {
  // DRF checks model permissions before it looks the object up.
  if (!ctx.superuser) return forbidden();
  const existing = spec.find(ctx.store, param);
  if (existing === undefined) return notFound(spec.objectName);
  const result = validateBody(spec, ctx, raw ?? {}, existing, partial);
  if (!result.ok) return result.response;
  const records = spec.records(ctx.store);
  records.delete(existing.pk);
  records.set(result.candidate.pk, result.candidate);
  spec.afterSave?.(ctx, result.candidate, result.body);
  return { status: 200, body: spec.serialize(ctx, result.candidate) };
}

export function destroy<R extends { pk: string | number }>(
  spec: ResourceSpec<R>,
  ctx: ApiContext,
  param: string,
): ApiResponse {
  if (!ctx.superuser) return forbidden();
  const existing = spec.find(ctx.store, param);
  if (existing === undefined) return notFound(spec.objectName);
  spec.remove(ctx, existing);
  return { status: 204 };
}

/** Routes the six standard operations of a spec by operationId suffix. */
export function viewset<R extends { pk: string | number }>(spec: ResourceSpec<R>): Record<string, Handler> {
  const param = (params: Record<string, string>): string => Object.values(params)[0] ?? '';
  return {
    [`${spec.operationPrefix}_list`]: (ctx) => list(spec, ctx),
    [`${spec.operationPrefix}_create`]: (ctx, _p, body) => create(spec, ctx, body),
    [`${spec.operationPrefix}_retrieve`]: (ctx, p) => retrieve(spec, ctx, param(p)),
    [`${spec.operationPrefix}_update`]: (ctx, p, body) => update(spec, ctx, param(p), body, false),
    [`${spec.operationPrefix}_partial_update`]: (ctx, p, body) => update(spec, ctx, param(p), body, true),
    [`${spec.operationPrefix}_destroy`]: (ctx, p) => destroy(spec, ctx, param(p)),
  };
}

/** A path parameter as an int pk (Django's lookup fails, so the view answers 404, on anything else). */
export function intParam(param: string): number | undefined {
  return /^\d+$/.test(param) ? Number(param) : undefined;
}
