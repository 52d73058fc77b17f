// Ownership: which objects in Authentik and Cognito a tenant's spec may touch. Names are never proof:
// a spec names objects, so a name alone would let one tenant's spec adopt, rewrite or delete another
// tenant's objects, or an object a person made by hand. Every object this product creates carries
// the tenant it was made for (its marker), and the tenant's registry record says which objects it
// created and which an operator adopted for it:
//
//   Authentik user, group      attribute `<service>/tenant` (both models have `attributes`)
//   Authentik OAuth2 provider  its client id `federation.<tenantId>.<random>`, set at creation (the
//                              model has no attributes; the client id is unique and writable)
//   Authentik application      it serves this tenant's (marked) provider
//   Authentik expression policy its name is derived from the tenant id and its text is a template
//   Cognito user pool          the tags `tenant` and `managed-by` (an operator tags a pool it brings)
//
// An object is this tenant's when it carries this tenant's marker, or when an operator adopted it
// (`federation adopt`, recorded in the registry as adopted, never as created). Anything else is a
// ConflictError that names the object and the ways out. Deprovisioning deletes only what the record
// lists as created AND still carries the marker.
import { POOL_TAG_TENANT } from './cognito.ts';
import { ConflictError } from './errors.ts';
import { SERVICE_NAME } from './logger.ts';
import type { Resources } from './step.ts';
import { TENANT_ID_PATTERN } from './tenant-id.ts';

/** The Authentik attribute (users, groups) naming the tenant an object was made for. */
export const OWNER_ATTRIBUTE = `${SERVICE_NAME}/tenant`;

/** A resource key that names one object (not the bookkeeping lists). */
export type ResourceKey = Exclude<keyof Resources, 'created' | 'adopted'>;

export type Ownership = 'created' | 'adopted' | 'foreign';

export interface OwnershipEvidence {
  /** The tenant the object's marker names; undefined when it carries none. */
  marker: string | undefined;
  /** The registry lists this very object (same id) as created for the tenant. */
  recordedCreated: boolean;
  /** The registry lists this very object as adopted for the tenant by an operator. */
  recordedAdopted: boolean;
}

/**
 * Whose an object is. Another tenant's marker wins over anything the record says: a record can be
 * stale, a marker is on the object itself.
 */
export function ownershipOf(tenantId: string, evidence: OwnershipEvidence): Ownership {
  if (evidence.marker !== undefined && evidence.marker !== tenantId) return 'foreign';
  if (evidence.recordedAdopted) return 'adopted';
  if (evidence.marker === tenantId || evidence.recordedCreated) return 'created';
  return 'foreign';
}

/** Deprovisioning deletes an object only when the record says it was created AND it is still marked. */
export function mayDelete(tenantId: string, evidence: OwnershipEvidence): boolean {
  return evidence.recordedCreated && !evidence.recordedAdopted && evidence.marker === tenantId;
}

/** What the registry says about the object with this id under `key`. */
export function recordedAs(
  resources: Resources,
  key: ResourceKey,
  id: string | number,
): Pick<OwnershipEvidence, 'recordedCreated' | 'recordedAdopted'> {
  const same = resources[key] === id;
  return {
    recordedCreated: same && (resources.created ?? []).includes(key),
    recordedAdopted: same && (resources.adopted ?? []).includes(key),
  };
}

/** The tenant an Authentik object's `attributes` name, if they name one as a string. */
export function markerOfAttributes(attributes: unknown): string | undefined {
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) return undefined;
  if (!Object.hasOwn(attributes, OWNER_ATTRIBUTE)) return undefined;
  const value = (attributes as Record<string, unknown>)[OWNER_ATTRIBUTE];
  return typeof value === 'string' ? value : undefined;
}

const CLIENT_ID_MARKER = new RegExp(`^federation\\.(${TENANT_ID_PATTERN})\\.[0-9a-f]{32}$`);

/** A client id for a new provider of the tenant: its marker, and random enough to stay unique. */
export function markedClientId(tenantId: string, random: string): string {
  return `federation.${tenantId}.${random}`;
}

/** The tenant a provider's client id names, when it is one this product generated. */
export function markerOfClientId(clientId: string | undefined): string | undefined {
  return clientId === undefined ? undefined : CLIENT_ID_MARKER.exec(clientId)?.[1];
}

// The evidence for each kind of object, from the fields its marker lives in, so the steps and the
// preflight judge an object the same way.

/** Users and groups: the attribute. Users are never adopted (see ensure-test-user). */
export function attributeEvidence(
  object: { pk: string | number; attributes?: unknown },
  resources: Resources,
  key: 'groupPk' | 'testUserPk',
): OwnershipEvidence {
  const recorded = recordedAs(resources, key, object.pk);
  return {
    marker: markerOfAttributes(object.attributes),
    ...recorded,
    recordedAdopted: key === 'testUserPk' ? false : recorded.recordedAdopted,
  };
}

/** OAuth2 providers: the client id this product generated. */
export function providerEvidence(
  provider: { pk: number; client_id?: string },
  resources: Resources,
): OwnershipEvidence {
  return {
    marker: markerOfClientId(provider.client_id),
    ...recordedAs(resources, 'providerPk', provider.pk),
  };
}

/** Applications: marked when they serve the tenant's provider (`ourProviderPk`, created or adopted). */
export function applicationEvidence(
  tenantId: string,
  app: { pk: string; provider?: number | null },
  ourProviderPk: number | undefined,
  resources: Resources,
): OwnershipEvidence {
  const servesOurs = ourProviderPk !== undefined && app.provider === ourProviderPk;
  return {
    marker: servesOurs ? tenantId : undefined,
    ...recordedAs(resources, 'applicationPk', app.pk),
  };
}

export interface ForeignObject {
  /** What it is, in the domain's words: `Authentik user`, `OAuth2 provider`. */
  what: string;
  /** How the spec named it: the name and the field. */
  name: string;
  field: string;
  /** Its id, for an operator who adopts it. */
  id: string | number;
  /** The `federation adopt` kind, when an operator may adopt this kind of object. */
  adoptKind?: string;
  /** The tenant whose marker it carries, if any. */
  marker?: string | undefined;
}

/** The error for an object the spec names that is not this tenant's, with the ways out. */
export function foreignObjectError(tenantId: string, object: ForeignObject): ConflictError {
  const whose =
    object.marker === undefined
      ? 'was not made by this product for this tenant'
      : 'belongs to another tenant';
  const adopt =
    object.adoptKind === undefined || object.marker !== undefined
      ? ''
      : `, or have an operator adopt it for this tenant (federation adopt ${tenantId} ${object.adoptKind} ${object.id}; it is then never deleted)`;
  return new ConflictError(
    `${object.what} "${object.name}" (${object.field}) ${whose}: choose another ${object.field}${adopt}`,
  );
}

/**
 * Why a user pool may not serve this tenant, or undefined when it may: its `tenant` tag must name
 * the tenant. Pools carry tags (CreateUserPool `UserPoolTags`, TagResource), app clients and
 * identity providers do not, so the pool's tag vouches for everything in it.
 */
export function poolTagProblem(
  tenantId: string,
  poolId: string,
  tags: Readonly<Record<string, string>> | undefined,
): string | undefined {
  const tagged =
    tags !== undefined && Object.hasOwn(tags, POOL_TAG_TENANT) ? tags[POOL_TAG_TENANT] : undefined;
  if (tagged === tenantId) return undefined;
  if (tagged === undefined) {
    return (
      `user pool ${poolId} is not tagged for this tenant: an operator who brings a pool tags it ` +
      `${POOL_TAG_TENANT}=${tenantId} (aws cognito-idp tag-resource) before provisioning`
    );
  }
  return `user pool ${poolId} is tagged for another tenant and cannot serve this one`;
}
