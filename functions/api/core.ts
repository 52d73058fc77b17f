// The tenant API as one function from a request to a response, over injected clients. Every failure
// becomes a JSON error with the right status: bad input is a 4xx naming the field, never a 500.
import type { Logger } from '@aws-lambda-powertools/logger';
import { ConflictError, TransientError, ValidationError } from '#lib/errors.ts';
import { createTenants } from './batch.ts';
import {
  type ApiRequest,
  type ApiResponse,
  errorResponse,
  HttpError,
  type ProxyEvent,
  type ProxyResult,
  toApiRequest,
  toProxyResult,
} from './http.ts';
import {
  type ApiDeps,
  createTenant,
  deleteTenant,
  getTenant,
  listTenants,
  verifyTenant,
} from './operations.ts';
import { planTenant } from './plan.ts';
import { rotateTenant } from './rotate.ts';
import { matchRoute, type Operation } from './routes.ts';
import { VerificationUnavailableError } from './starter.ts';

export type { ApiDeps } from './operations.ts';
export type Api = (request: ApiRequest) => Promise<ApiResponse>;

function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ValidationError) {
    // From the registry (a cursor) or a spec parsed again: input the caller can fix.
    const fields = Object.keys(error.fields).length > 0 ? error.fields : { request: ['is invalid'] };
    return new HttpError(400, 'invalid request', fields);
  }
  if (error instanceof ConflictError) return new HttpError(409, error.message);
  if (error instanceof VerificationUnavailableError) return new HttpError(501, error.message);
  if (error instanceof TransientError) {
    return new HttpError(
      503,
      'a service the API depends on is busy; retry shortly',
      undefined,
      {},
      {
        'retry-after': '2',
      },
    );
  }
  return new HttpError(500, 'internal error');
}

export function createApi(deps: ApiDeps, logger?: Logger): Api {
  const operations: Record<Operation, (request: ApiRequest, tenantId: string) => Promise<ApiResponse>> = {
    listTenants: (request) => listTenants(deps, request),
    createTenant: (request, tenantId) => createTenant(deps, request, tenantId),
    createTenants: (request) =>
      createTenants(
        { createTenant: (one, tenantId) => createTenant(deps, one, tenantId), asHttpError },
        request,
        deps.bodyLimitBytes,
      ),
    getTenant: (request, tenantId) => getTenant(deps, request, tenantId),
    deleteTenant: (request, tenantId) => deleteTenant(deps, request, tenantId),
    verifyTenant: (request, tenantId) => verifyTenant(deps, request, tenantId),
    planTenant: (request, tenantId) => planTenant(deps, request, tenantId),
    rotateTenant: (request, tenantId) => rotateTenant(deps, request, tenantId),
  };
  return async (request) => {
    const started = Date.now();
    let operation: Operation | undefined;
    let tenantId: string | undefined;
    let response: ApiResponse;
    try {
      const match = matchRoute(request.method, request.path);
      operation = match.route.operation;
      tenantId = match.tenantId;
      response = await operations[operation](request, tenantId ?? '');
    } catch (error) {
      const httpError = asHttpError(error);
      if (httpError.status >= 500) {
        // Names and our own messages only: none of them carries a secret or the request body.
        logger?.error('request failed', {
          operation,
          tenantId,
          errorName: (error as Error)?.name,
          errorMessage: (error as Error)?.message,
        });
      }
      response = errorResponse(httpError);
    }
    logger?.info('request', {
      method: request.method,
      operation: operation ?? 'unrouted',
      status: response.status,
      durationMs: Date.now() - started,
      ...(tenantId ? { tenantId } : {}),
      ...(request.requestId ? { requestId: request.requestId } : {}),
    });
    return response;
  };
}

/** The API behind API Gateway's REST proxy integration (and the local API server). */
export function proxyHandler(api: Api): (event: ProxyEvent) => Promise<ProxyResult> {
  return async (event) => {
    let request: ApiRequest;
    try {
      request = toApiRequest(event);
    } catch {
      return toProxyResult(
        errorResponse(new HttpError(400, 'malformed request', { request: ['is malformed'] })),
      );
    }
    return toProxyResult(await api(request));
  };
}
