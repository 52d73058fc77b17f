// The API's routes, once: the router matches on them, and a test checks openapi.yaml describes exactly
// these. Path parameters are checked here, so a handler only ever sees a well-formed tenant id.
// Every method on one tenant names it in the path, so an IAM policy on `execute-api` resources
// (`…/*/tenants/acme`, `…/*/tenants/acme/*`) grants one tenant; only the list and the batch
// (POST /tenants) are not per tenant.
import { TENANT_ID, TENANT_ID_RULE } from '#lib/tenant-id.ts';
import { badRequest, HttpError } from './http.ts';

export const routes = [
  { method: 'GET', path: '/tenants', operation: 'listTenants' },
  { method: 'POST', path: '/tenants', operation: 'createTenants' },
  { method: 'GET', path: '/tenants/{tenantId}', operation: 'getTenant' },
  { method: 'PUT', path: '/tenants/{tenantId}', operation: 'createTenant' },
  { method: 'DELETE', path: '/tenants/{tenantId}', operation: 'deleteTenant' },
  { method: 'POST', path: '/tenants/{tenantId}/verify', operation: 'verifyTenant' },
  { method: 'POST', path: '/tenants/{tenantId}/plan', operation: 'planTenant' },
  { method: 'POST', path: '/tenants/{tenantId}/rotate', operation: 'rotateTenant' },
] as const;

export type Route = (typeof routes)[number];
export type Operation = Route['operation'];

export interface RouteMatch {
  route: Route;
  tenantId?: string;
}

// Paths are checked against the tenant spec's own rule for ids, so a path can name only a tenant
// that can exist.
// Longer paths than any route can be are refused before splitting them.
const MAX_PATH = 512;

function segmentsOf(path: string): string[] {
  if (path.length > MAX_PATH || !path.startsWith('/')) throw new HttpError(404, 'no such route');
  // API Gateway treats /tenants and /tenants/ alike.
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(1).split('/');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('path.tenantId', 'is not valid percent-encoding', 'invalid path');
  }
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.slice(1).split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith('{')) {
      if (segment === '') return undefined;
      params[part.slice(1, -1)] = segment;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

/** The route for a method and path; 404 when no path matches, 405 (with Allow) for another method. */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = segmentsOf(path);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchTemplate(route.path, segments);
    if (!params) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    if (params.tenantId === undefined) return { route };
    const tenantId = decodeSegment(params.tenantId);
    if (!TENANT_ID.test(tenantId)) throw badRequest('path.tenantId', TENANT_ID_RULE, 'invalid tenant id');
    return { route, tenantId };
  }
  if (allowed.length > 0) {
    throw new HttpError(
      405,
      'method not allowed on this route',
      undefined,
      {},
      { allow: allowed.join(', ') },
    );
  }
  throw new HttpError(404, 'no such route');
}
