// A client of the tenant API for the CLI: against the local API (`npm run local`, no signing) or a
// deployed stack's API (pass `sigV4Signer(...)` from sigv4.ts). Errors carry the API's status and
// field messages; the token sent with createTenant is never part of an error.
import type { TenantPlan } from '#lib/plan/types.ts';
import type { TenantSpecInput } from '#lib/tenant-spec.ts';
import type { RotateResponse } from '../functions/api/rotate.ts';
import type {
  AcceptedResponse,
  ErrorBody,
  ExecutionView,
  TenantList,
  TenantView,
} from '../functions/api/types.ts';

export interface RequestToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Answers the headers to send (the given ones plus the signature's). */
export type RequestSigner = (request: RequestToSign) => Promise<Record<string, string>>;

export interface ApiClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8787 or https://<id>.execute-api.<region>.amazonaws.com/v1 */
  baseUrl: string;
  signer?: RequestSigner;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string[]> = {},
    readonly runningExecution?: ExecutionView,
  ) {
    super(message);
  }
}

export interface TenantApi {
  /**
   * Provision the tenant (`PUT /tenants/{tenantId}`); `authentikToken` is stored by the API in
   * Secrets Manager, the spec then needs no ARN. The spec's own tenantId, if any, must be `tenantId`.
   */
  createTenant(
    tenantId: string,
    spec: TenantSpecInput | Record<string, unknown>,
    options?: { authentikToken?: string },
  ): Promise<AcceptedResponse>;
  getTenant(tenantId: string): Promise<TenantView>;
  listTenants(options?: { limit?: number; cursor?: string }): Promise<TenantList>;
  /** Every tenant, page after page. */
  listAllTenants(pageSize?: number): AsyncGenerator<TenantList['items'][number]>;
  verifyTenant(tenantId: string): Promise<AcceptedResponse>;
  /** What provisioning the spec would do (`POST /tenants/{tenantId}/plan`); writes nothing. */
  planTenant(tenantId: string, spec: TenantSpecInput | Record<string, unknown>): Promise<TenantPlan>;
  deleteTenant(tenantId: string): Promise<AcceptedResponse>;
  /** Rotates the tenant's OIDC client secret and test-user password now (`POST …/rotate`). */
  rotateTenant(tenantId: string, kind?: 'oidc-client' | 'test-user'): Promise<RotateResponse>;
}

function describe(status: number, body: unknown): ApiError {
  const error = body as Partial<ErrorBody> | undefined;
  const fields = error?.fields ?? {};
  const detail = Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
    .join(' | ');
  const message = `${status} ${typeof error?.error === 'string' ? error.error : 'error'}${detail ? ` (${detail})` : ''}`;
  return new ApiError(status, message, fields, error?.runningExecution);
}

export function createApiClient(options: ApiClientOptions): TenantApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(`${base}${path}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
    };
    if (options.signer) {
      headers = await options.signer({ method, url, headers, ...(text === undefined ? {} : { body: text }) });
    }
    const response = await doFetch(url, {
      method,
      headers,
      ...(text === undefined ? {} : { body: text }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      throw new ApiError(response.status, `${response.status}: the API answered something that is not JSON`);
    }
    if (!response.ok) throw describe(response.status, parsed);
    return parsed as T;
  }

  const tenantPath = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}`;
  const listTenants: TenantApi['listTenants'] = (query = {}) => {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const search = params.toString();
    return call('GET', `/tenants${search ? `?${search}` : ''}`);
  };

  return {
    createTenant: (tenantId, spec, create = {}) =>
      call('PUT', tenantPath(tenantId), {
        spec,
        ...(create.authentikToken === undefined ? {} : { authentikToken: create.authentikToken }),
      }),
    getTenant: (tenantId) => call('GET', tenantPath(tenantId)),
    listTenants,
    async *listAllTenants(pageSize = 100) {
      let cursor: string | undefined;
      do {
        const page = await listTenants({ limit: pageSize, ...(cursor ? { cursor } : {}) });
        yield* page.items;
        cursor = page.cursor;
      } while (cursor !== undefined);
    },
    verifyTenant: (tenantId) => call('POST', `${tenantPath(tenantId)}/verify`),
    planTenant: (tenantId, spec) => call('POST', `${tenantPath(tenantId)}/plan`, { spec }),
    deleteTenant: (tenantId) => call('DELETE', tenantPath(tenantId)),
    rotateTenant: (tenantId, kind) =>
      call('POST', `${tenantPath(tenantId)}/rotate${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`),
  };
}
