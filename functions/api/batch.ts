// POST /tenants: several tenants provisioned in one request,
// `{ "tenants": [{ "spec": <tenant spec>, "authentikToken"?: "<token>" }, …] }`, at most
// PROVISIONINGS_AT_ONCE of them (functions/lib/provision-pace.ts): what runs side by side within
// Cognito's quotas; a longer batch is sent in such requests, each after the last one's tenants settled
// (the CLI's `federation provision <dir|file.ndjson>` does). Each tenant goes exactly the way of
// PUT /tenants/{tenantId} (its spec's tenantId names it): validated, its lock taken, its token stored,
// its provision-tenant execution started. The answer is 207 with each tenant's own answer in order:
// 202 accepted, or its error (400 naming the fields as `tenants[i].…`, 409 while another execution
// holds it); a bad tenant does not stop the others. Unlike the routes on one tenant, this one is not
// per tenant in IAM: a caller allowed POST /tenants may provision any tenant.
import { PROVISIONINGS_AT_ONCE } from '#lib/provision-pace.ts';
import { TENANT_ID, TENANT_ID_RULE } from '#lib/tenant-id.ts';
import { checkJsonContentType, checkQuery, parseJsonObject } from './body.ts';
import { type ApiRequest, type ApiResponse, badRequest, errorResponse, HttpError } from './http.ts';
import type { AcceptedResponse, ErrorBody } from './types.ts';

export const BATCH_LIMIT = PROVISIONINGS_AT_ONCE;

/** One tenant's answer within the batch's: its status, and the body PUT would have answered. */
export type BatchItemResult =
  | ({ index: number; status: 202 } & AcceptedResponse)
  | ({ index: number; status: number; tenantId?: string } & ErrorBody);

export interface BatchResponse {
  results: BatchItemResult[];
}

export interface BatchOperations {
  /** PUT /tenants/{tenantId} for one tenant. */
  createTenant(request: ApiRequest, tenantId: string): Promise<ApiResponse>;
  /** How the API answers an error (core.ts): the same for one tenant of a batch. */
  asHttpError(error: unknown): HttpError;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The items of the body, or a 400 naming what is wrong with its shape. */
function itemsOf(body: Record<string, unknown>): unknown[] {
  const unknown = Object.keys(body).filter((key) => key !== 'tenants');
  if (unknown.length > 0)
    throw new HttpError(400, 'invalid request', { [unknown[0] as string]: ['unknown field'] });
  const tenants = body.tenants;
  if (!Array.isArray(tenants) || tenants.length === 0 || tenants.length > BATCH_LIMIT) {
    throw badRequest(
      'tenants',
      `must be an array of 1 to ${BATCH_LIMIT} items: {"spec": …, "authentikToken"?: …}`,
      'invalid request',
    );
  }
  return tenants;
}

/** An item's errors, its fields named within the batch: `spec.cognito` → `tenants[2].spec.cognito`. */
function within(index: number, error: HttpError): HttpError {
  const fields = error.fields
    ? Object.fromEntries(Object.entries(error.fields).map(([field, m]) => [`tenants[${index}].${field}`, m]))
    : undefined;
  return new HttpError(error.status, error.message, fields, error.extra);
}

async function one(
  operations: BatchOperations,
  item: unknown,
  index: number,
  seen: Set<string>,
): Promise<BatchItemResult> {
  const tenantId = isObject(item) && isObject(item.spec) ? item.spec.tenantId : undefined;
  try {
    if (!isObject(item)) throw badRequest('(item)', 'must be an object: {"spec": …}', 'invalid request');
    if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId)) {
      throw badRequest(
        'spec.tenantId',
        `is required here (the batch's path names no tenant): ${TENANT_ID_RULE}`,
      );
    }
    if (seen.has(tenantId)) throw badRequest('spec.tenantId', 'names a tenant already in this batch');
    seen.add(tenantId);
    const request: ApiRequest = {
      method: 'PUT',
      path: `/tenants/${encodeURIComponent(tenantId)}`,
      query: {},
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(item)),
    };
    const answer = (await operations.createTenant(request, tenantId)) as ApiResponse<AcceptedResponse>;
    return { index, status: 202, ...answer.body };
  } catch (error) {
    const answer = errorResponse(within(index, operations.asHttpError(error)));
    return {
      index,
      status: answer.status,
      ...(typeof tenantId === 'string' && TENANT_ID.test(tenantId) ? { tenantId } : {}),
      ...answer.body,
    };
  }
}

export async function createTenants(
  operations: BatchOperations,
  request: ApiRequest,
  bodyLimitBytes?: number,
): Promise<ApiResponse<BatchResponse>> {
  checkQuery(request.query, []);
  checkJsonContentType(request.headers['content-type']);
  const items = itemsOf(parseJsonObject(request.body, bodyLimitBytes));
  const seen = new Set<string>();
  const results: BatchItemResult[] = [];
  // One after the other: each takes its tenant's lock and starts its execution, a few calls each.
  for (const [index, item] of items.entries()) results.push(await one(operations, item, index, seen));
  return { status: 207, body: { results } };
}
