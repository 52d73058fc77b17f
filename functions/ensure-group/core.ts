// Step 1 of the guide: the Authentik group the test user joins and the access policy may require
// (`cognito-users-<tenantId>` by default). Found by name, created when absent, and marked with the
// tenant that created it (functions/lib/ownership.ts): a group of that name that is not this
// tenant's (unmarked, another tenant's, or a person's) is a conflict, never adopted by name. A group
// that grants superuser rights or roles is refused whoever owns it: the test user's password sits in
// Secrets Manager, and membership would hand those rights to whoever can read it.
import { type AuthentikClient, dataOf } from '#lib/authentik/client.ts';
import {
  adminRights,
  createGroup,
  deleteGroup,
  findGroupByName,
  type Group,
  getGroup,
} from '#lib/authentik/groups.ts';
import { isAlreadyExists } from '#lib/authentik/http-errors.ts';
import { ConflictError } from '#lib/errors.ts';
import type { ResolvedClients } from '#lib/lambda.ts';
import {
  attributeEvidence,
  foreignObjectError,
  markerOfAttributes,
  mayDelete,
  OWNER_ATTRIBUTE,
  type OwnershipEvidence,
  ownershipOf,
} from '#lib/ownership.ts';
import { withoutResources } from '#lib/registry.ts';
import type { ApplyResult, CheckResult, DestroyResult, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export type GroupClients = Pick<ResolvedClients, 'authentik'>;

export { OWNER_ATTRIBUTE };

function evidenceOf(group: Group, resources: Resources): OwnershipEvidence {
  return attributeEvidence(group, resources, 'groupPk');
}

async function renameGroup(client: AuthentikClient, pk: string, name: string): Promise<Group> {
  return dataOf(
    await client.api.PATCH('/core/groups/{group_uuid}/', {
      params: { path: { group_uuid: pk } },
      body: { name },
    }),
  );
}

async function refuseAdminGroup(client: AuthentikClient, group: Group): Promise<void> {
  const why = await adminRights(client, group);
  if (why) {
    throw new ConflictError(
      `Authentik group "${group.name}" (authentik.group) is refused: ${why}, and the test user, whose ` +
        'password is kept in Secrets Manager, would hold them; name a group without admin rights',
    );
  }
}

/** The group this step manages: by name, or (when renamed behind our back) by the pk we recorded. */
async function findGroup(
  client: AuthentikClient,
  spec: TenantSpec,
  resources: Resources,
): Promise<Group | undefined> {
  const byName = await findGroupByName(client, spec.authentik.group);
  if (byName) return byName;
  if (!resources.groupPk) return undefined;
  const recorded = await getGroup(client, resources.groupPk);
  // Only a group of our own is renamed back; one we merely adopted was renamed by its owner, and the
  // spec's name then names a new group.
  if (recorded && ownershipOf(spec.tenantId, evidenceOf(recorded, resources)) === 'created') {
    return recorded;
  }
  return undefined;
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: GroupClients,
): Promise<ApplyResult> {
  const client = clients.authentik;
  const name = spec.authentik.group;
  let writes = 0;
  let outcome: ApplyResult['outcome'] = 'unchanged';
  let group = await findGroup(client, spec, resources);

  if (!group) {
    writes += 1;
    try {
      group = await createGroup(client, { name, attributes: { [OWNER_ATTRIBUTE]: spec.tenantId } });
      outcome = 'created';
    } catch (err) {
      // Created meanwhile by another run (or a request whose answer we lost): look again.
      if (!isAlreadyExists(err, 'name')) throw err;
      group = await findGroupByName(client, name);
      if (!group) throw err;
    }
  }
  const ownership =
    outcome === 'created' ? 'created' : ownershipOf(spec.tenantId, evidenceOf(group, resources));
  if (ownership === 'foreign') {
    throw foreignObjectError(spec.tenantId, {
      what: 'Authentik group',
      name,
      field: 'authentik.group',
      id: group.pk,
      adoptKind: 'group',
      marker: markerOfAttributes(group.attributes),
    });
  }
  await refuseAdminGroup(client, group);
  if (group.name !== name) {
    writes += 1;
    group = await renameGroup(client, group.pk, name);
    outcome = 'updated';
  }
  return {
    outcome,
    writes,
    resources: {
      groupPk: group.pk,
      ...(ownership === 'created' ? { created: ['groupPk'] } : { adopted: ['groupPk'] }),
    },
  };
}

/**
 * Deletes the group when the record says this tenant created it and it still carries the tenant's
 * marker, and nobody is left in it. Found by the recorded pk or by name, so a repeated destroy
 * answers 'absent' whatever the record still says.
 */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: GroupClients,
): Promise<DestroyResult> {
  const client = clients.authentik;
  const recorded = resources.groupPk ? await getGroup(client, resources.groupPk) : undefined;
  const group = recorded ?? (await findGroupByName(client, spec.authentik.group));
  if (!group) return { outcome: 'absent', resources: withoutResources(resources, ['groupPk']) };
  if (!mayDelete(spec.tenantId, evidenceOf(group, resources))) return { outcome: 'kept', resources };
  // Members left in the group belong to other tenants or people (this tenant's test user is
  // deleted before its group): deleting the group would lock them out of their applications.
  if ((group.users ?? []).length > 0) return { outcome: 'kept', resources };
  const deleted = await deleteGroup(client, group.pk);
  return { outcome: deleted ? 'deleted' : 'absent', resources: withoutResources(resources, ['groupPk']) };
}

export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: GroupClients,
): Promise<CheckResult> {
  const client = clients.authentik;
  const name = spec.authentik.group;
  const group = resources.groupPk
    ? await getGroup(client, resources.groupPk)
    : await findGroupByName(client, name);
  if (!group) {
    return { outcome: 'missing', drift: [{ field: 'group', expected: name, actual: null }] };
  }
  if (group.name !== name) {
    return { outcome: 'drifted', drift: [{ field: 'name', expected: name, actual: group.name }] };
  }
  return { outcome: 'in-sync', drift: [] };
}
