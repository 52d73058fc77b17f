// The names a tenant's defaults derive from its id (group, application, provider, identity provider),
// and the two checks that keep a spec to its own tenant: its token secret is named for the tenant,
// and no name it gives is one derived for another tenant.

import { createHash } from 'node:crypto';
import { TENANT_ID } from './tenant-id.ts';

/** The group derived for a tenant when the spec names none (the guide's `cognito-users`, per tenant). */
export function derivedGroupName(tenantId: string): string {
  return `cognito-users-${tenantId}`;
}

// Secrets Manager ARNs end in the secret's name and a hyphen with six random characters.
const TOKEN_SECRET_NAME = /:secret:(?:.+\/)?([^/]+)\/authentik-token(?:-[A-Za-z0-9]{6})?$/;

/** Whether the ARN names `<prefix>/<tenantId>/authentik-token` (any prefix: the deployment checks its own). */
export function tokenSecretNamesTenant(arn: string, tenantId: string): boolean {
  return TOKEN_SECRET_NAME.exec(arn)?.[1] === tenantId;
}

// Each name a tenant's defaults derive from its id, as a pattern capturing the id. A spec naming an
// object by another tenant's derived name would otherwise reach for that tenant's object.
const DERIVED_NAMES: readonly { path: readonly string[]; pattern: RegExp }[] = [
  { path: ['authentik', 'group'], pattern: /^cognito-users-(.+)$/ },
  { path: ['authentik', 'testUser', 'username'], pattern: /^cognito-test-(.+)$/ },
  { path: ['authentik', 'applicationSlug'], pattern: /^cognito-(.+)$/ },
  { path: ['authentik', 'providerName'], pattern: /^Cognito (.+) \(OIDC\)$/ },
  { path: ['cognito', 'userPoolName'], pattern: /^federation-(.+)$/ },
  { path: ['cognito', 'appClientName'], pattern: /^federation-(.+)$/ },
];

function valueAt(spec: unknown, path: readonly string[]): unknown {
  let at: unknown = spec;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The names in a spec that another tenant's defaults derive, with that tenant's id. */
export function namesOfOtherTenants(
  spec: unknown,
  tenantId: string,
): { path: string[]; value: string; owner: string }[] {
  const found: { path: string[]; value: string; owner: string }[] = [];
  for (const { path, pattern } of DERIVED_NAMES) {
    const value = valueAt(spec, path);
    if (typeof value !== 'string') continue;
    const owner = pattern.exec(value)?.[1];
    // Only what could be a tenant id is another tenant's name (`Cognito My App (OIDC)` is nobody's).
    if (owner !== undefined && owner !== tenantId && TENANT_ID.test(owner)) {
      found.push({ path: [...path], value, owner });
    }
  }
  return found;
}

/** The application slug derived for a tenant when the spec names none. */
export function derivedApplicationSlug(tenantId: string): string {
  return `cognito-${tenantId}`;
}

/** The provider name derived for a tenant when the spec names none. */
export function derivedProviderName(tenantId: string): string {
  return `Cognito ${tenantId} (OIDC)`;
}

/**
 * `authentik-<tenantId>` when it fits Cognito's 32 characters; otherwise `ak-`, the first 20
 * characters and a hash of the whole id, so two long ids sharing a prefix still get distinct names.
 */
export function defaultIdentityProviderName(tenant: string): string {
  const plain = `authentik-${tenant}`;
  if (plain.length <= 32) return plain;
  const hash = createHash('sha256').update(tenant).digest('hex').slice(0, 8);
  return `ak-${tenant.slice(0, 20).replace(/-+$/, '')}-${hash}`;
}
