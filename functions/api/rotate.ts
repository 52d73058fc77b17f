// POST /tenants/{tenantId}/rotate: rotate the tenant's OIDC client secret and test user's password
// now, as the schedule would (`?kind=oidc-client` or `?kind=test-user` for one of them). On AWS this is
// RotateSecret without parameters, and Secrets Manager runs the rotation function in the background
// (functions/lib/rotation-schedule.ts rotateNow); the local API plays Secrets Manager's part
// (local/rotation.ts). The answer names the versions being made, never a value.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsErrorName } from '#lib/aws-errors.ts';
import type { TenantRecord, TenantRegistry } from '#lib/registry.ts';
import { rotateNow } from '#lib/rotation-schedule.ts';
import { secretName } from '#lib/secrets.ts';
import { ROTATED_KINDS, type RotatedKind } from '../rotate-secret/event.ts';
import { checkQuery } from './body.ts';
import { type ApiRequest, type ApiResponse, badRequest, HttpError } from './http.ts';

export interface RotationStarted {
  kind: RotatedKind;
  /** The version the rotation makes (its ClientRequestToken), when Secrets Manager says. */
  versionId?: string;
}

/** Starts a rotation of each of the tenant's secrets named. */
export interface Rotator {
  rotate(record: TenantRecord, kinds: readonly RotatedKind[]): Promise<RotationStarted[]>;
}

export interface RotateResponse {
  tenantId: string;
  rotations: RotationStarted[];
  /** Where the outcome shows (the tenant's record keeps the last rotation of each secret). */
  statusUrl: string;
}

export interface RotateDeps {
  registry: Pick<TenantRegistry, 'get'>;
  /** Absent where the deployment cannot rotate: 501. */
  rotator?: Rotator | undefined;
}

function kindsOf(request: ApiRequest): readonly RotatedKind[] {
  checkQuery(request.query, ['kind']);
  const kind = request.query.kind?.[0];
  if (kind === undefined) return ROTATED_KINDS;
  if (!(ROTATED_KINDS as readonly string[]).includes(kind)) {
    throw badRequest('query.kind', `must be ${ROTATED_KINDS.join(' or ')}`);
  }
  return [kind as RotatedKind];
}

export async function rotateTenant(
  deps: RotateDeps,
  request: ApiRequest,
  tenantId: string,
): Promise<ApiResponse<RotateResponse>> {
  const kinds = kindsOf(request);
  if (!deps.rotator) throw new HttpError(501, 'this deployment cannot rotate secrets');
  const record = await deps.registry.get(tenantId);
  if (!record) throw new HttpError(404, `tenant ${tenantId} is not registered`);
  if (record.status !== 'active') {
    throw new HttpError(
      409,
      `tenant ${tenantId} is ${record.status}: only a provisioned tenant's secrets rotate`,
    );
  }
  const rotations = await deps.rotator.rotate(record, kinds);
  return {
    status: 202,
    body: { tenantId, rotations, statusUrl: `/tenants/${encodeURIComponent(tenantId)}` },
  };
}

/** Secrets Manager's answers a caller can act on, as 409s; the rest pass through. */
function conflictOf(error: unknown, kind: RotatedKind): unknown {
  const name = awsErrorName(error);
  if (name === 'InvalidRequestException') {
    // A rotation still in progress, or none configured (API Reference, RotateSecret: Errors).
    return new HttpError(
      409,
      `the ${kind} secret cannot rotate now: a rotation is in progress or none is configured`,
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new HttpError(409, `the ${kind} secret does not exist: provision the tenant again`);
  }
  return error;
}

/** RotateSecret on each secret: Secrets Manager invokes the rotation function. */
export function secretsManagerRotator(
  secretsFor: (tenantId: string) => SecretsManagerClient,
  secretPrefix: string,
): Rotator {
  return {
    async rotate(record, kinds) {
      const secrets = secretsFor(record.tenantId);
      const started: RotationStarted[] = [];
      for (const kind of kinds) {
        const recorded =
          kind === 'oidc-client'
            ? record.resources.oidcClientSecretArn
            : record.resources.testUserPasswordSecretArn;
        const versionId = await rotateNow(
          secrets,
          recorded ?? secretName(secretPrefix, record.tenantId, kind),
        ).catch((error: unknown) => {
          throw conflictOf(error, kind);
        });
        started.push({ kind, ...(versionId ? { versionId } : {}) });
      }
      return started;
    },
  };
}
