// POST /tenants/{tenantId}/plan: what provisioning the spec would do now, step by step and field by
// field, without writing anything. The body is PUT's without the token (`{ "spec": … }`): a plan
// reads with the tenant's stored token, so a spec without `authentik.tokenSecretArn` names that one.
import { AuthentikAuthError, PreconditionError } from '#lib/errors.ts';
import type { TenantPlan } from '#lib/plan/types.ts';
import type { Deployment, TenantSpec } from '#lib/tenant-spec.ts';
import { checkJsonContentType, checkQuery, parseJsonObject } from './body.ts';
import { placeholderArn, readCreateRequest, withTokenSecretArn } from './create-request.ts';
import { type ApiRequest, type ApiResponse, HttpError } from './http.ts';

/** Plans a validated spec against what the tenant's registry record and both sides hold. */
export interface Planner {
  plan(spec: TenantSpec): Promise<TenantPlan>;
}

export interface PlanDeps {
  deployment: Deployment;
  secretPrefix: string;
  bodyLimitBytes?: number;
  /** Absent where the deployment cannot plan: 501. */
  planner?: Planner | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export async function planTenant(
  deps: PlanDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<TenantPlan>> {
  checkQuery(request.query, []);
  checkJsonContentType(request.headers['content-type']);
  const body = parseJsonObject(request.body, deps.bodyLimitBytes);
  if (Object.hasOwn(body, 'authentikToken')) {
    throw new HttpError(400, 'invalid request', {
      authentikToken: ['a plan takes no token: it reads with the one stored for the tenant'],
    });
  }
  const given = body.spec;
  const authentik = isObject(given) && isObject(given.authentik) ? given.authentik : undefined;
  const spec =
    isObject(given) && authentik && !Object.hasOwn(authentik, 'tokenSecretArn')
      ? withTokenSecretArn(given, placeholderArn(deps.secretPrefix, tenantId))
      : given;
  const parsed = readCreateRequest({ ...body, spec }, deps.deployment, deps.secretPrefix, tenantId);
  if (!deps.planner) throw new HttpError(501, 'this deployment cannot plan');
  try {
    return { status: 200, body: await deps.planner.plan(parsed.spec) };
  } catch (error) {
    // No stored token, or Authentik refused it: the caller can fix that, and the message says how.
    if (error instanceof PreconditionError || error instanceof AuthentikAuthError) {
      throw new HttpError(422, `cannot plan: ${error.message}`);
    }
    throw error;
  }
}
