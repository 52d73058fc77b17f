// Adoption: the operator's way to let a tenant use an Authentik object this product did not make
// (a group or a provider set up by hand, an application the team already runs). A spec can never
// adopt anything, since names are no proof of ownership; an operator, who may write the registry,
// records the object's id under the tenant as adopted. The steps then converge it like their own but
// never delete it, and an object that carries another tenant's marker stays refused.
// Users are not adoptable: the test user is always one the product creates (ensure-test-user).
import { ValidationError } from './errors.ts';
import type { ResourceKey } from './ownership.ts';
import type { TenantRecord, TenantRegistry } from './registry.ts';
import type { Resources } from './step.ts';

export const ADOPTABLE_KINDS = ['group', 'provider', 'application'] as const;
export type AdoptableKind = (typeof ADOPTABLE_KINDS)[number];

const KEY_OF_KIND: ReadonlyMap<AdoptableKind, ResourceKey> = new Map([
  ['group', 'groupPk'],
  ['provider', 'providerPk'],
  ['application', 'applicationPk'],
]);

// Groups and applications have uuid keys, OAuth2 providers integer ones (Authentik's schema).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const POSITIVE_INT = /^[1-9]\d{0,9}$/;

function isAdoptable(kind: string): kind is AdoptableKind {
  return (ADOPTABLE_KINDS as readonly string[]).includes(kind);
}

/** The resource key and the id as the registry keeps it; ValidationError naming the bad argument. */
export function adoptionOf(kind: string, id: string): { key: ResourceKey; id: string | number } {
  if (!isAdoptable(kind)) {
    throw new ValidationError(`cannot adopt a ${kind}: only ${ADOPTABLE_KINDS.join(', ')} can be adopted`, {
      kind: [`must be one of ${ADOPTABLE_KINDS.join(', ')}`],
    });
  }
  const key = KEY_OF_KIND.get(kind) as ResourceKey;
  if (kind === 'provider') {
    if (!POSITIVE_INT.test(id)) {
      throw new ValidationError('a provider is adopted by its numeric id', {
        id: ['must be a positive integer'],
      });
    }
    return { key, id: Number(id) };
  }
  if (!UUID.test(id)) {
    throw new ValidationError(`a ${kind} is adopted by its uuid`, { id: ['must be a lower-case uuid'] });
  }
  return { key, id };
}

/** The resources with the object recorded as adopted (and no longer as created, if it was). */
export function withAdopted(resources: Resources, key: ResourceKey, id: string | number): Resources {
  return {
    ...resources,
    [key]: id,
    created: (resources.created ?? []).filter((k) => k !== key),
    adopted: [...new Set([...(resources.adopted ?? []), key])],
  };
}

/**
 * Records the adoption in the tenant's registry record. The tenant must be registered (a provisioning
 * that failed on the conflict leaves its record), and must not be mid-execution.
 */
export async function adopt(
  registry: Pick<TenantRegistry, 'update'>,
  tenantId: string,
  kind: string,
  id: string,
): Promise<TenantRecord> {
  const adoption = adoptionOf(kind, id);
  return registry.update(tenantId, (current) => {
    if (!current) {
      throw new ValidationError(
        `tenant ${tenantId} is not registered: provision it first (the conflict it reports names the object to adopt)`,
        { tenantId: ['must be a registered tenant'] },
      );
    }
    if (current.status === 'provisioning' || current.status === 'deprovisioning') {
      throw new ValidationError(
        `tenant ${tenantId} is ${current.status}: adopt once the execution has ended`,
        {
          tenantId: [`is ${current.status}`],
        },
      );
    }
    const { version: _version, updatedAt: _updatedAt, ...rest } = current;
    return { ...rest, resources: withAdopted(current.resources, adoption.key, adoption.id) };
  });
}
