// Step 1 of the guide: the Authentik group the test user joins and the access policy may require
// (`cognito-users` by default). Found by name, created when absent, and marked with the tenant that
// created it, so a run that crashed between the create and recording it still knows the group is
// its own.
//
// The default group name is the same for every tenant: one tenant may create it and others adopt
// it. Deprovisioning therefore deletes it only when this tenant created it and nobody is left in it.
import { type AuthentikClient, dataOf } from '#lib/authentik/client.ts';
import { createGroup, deleteGroup, findGroupByName, type Group, getGroup } from '#lib/authentik/groups.ts';
import { isAlreadyExists } from '#lib/authentik/http-errors.ts';
import type { ResolvedClients } from '#lib/lambda.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import { withoutResources } from '#lib/registry.ts';
import type { ApplyResult, CheckResult, DestroyResult, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export type GroupClients = Pick<ResolvedClients, 'authentik'>;

/** The attribute a group created by this product carries: the id of the tenant that created it. */
export const OWNER_ATTRIBUTE = `${SERVICE_NAME}/tenant`;

function markedAsOurs(group: Group, tenantId: string): boolean {
  return group.attributes?.[OWNER_ATTRIBUTE] === tenantId;
}

function recordedAsOurs(group: Group, resources: Resources): boolean {
  return resources.groupPk === group.pk && resources.created?.includes('groupPk') === true;
}

async function renameGroup(client: AuthentikClient, pk: string, name: string): Promise<Group> {
  return dataOf(
    await client.api.PATCH('/core/groups/{group_uuid}/', {
      params: { path: { group_uuid: pk } },
      body: { name },
    }),
  );
}

/** The group this step manages: by name, or (when renamed behind our back) by the pk we recorded. */
async function findOurGroup(
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
  if (recorded && (recordedAsOurs(recorded, resources) || markedAsOurs(recorded, spec.tenantId))) {
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
  let group = await findOurGroup(client, spec, resources);

  if (group && group.name !== name) {
    writes += 1;
    group = await renameGroup(client, group.pk, name);
    outcome = 'updated';
  }
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

  const owned =
    outcome === 'created' || recordedAsOurs(group, resources) || markedAsOurs(group, spec.tenantId);
  return {
    outcome,
    writes,
    resources: { groupPk: group.pk, ...(owned ? { created: ['groupPk'] } : {}) },
  };
}

/** The resources without the keys a destroy removed, so the record stops naming what is gone. */
/**
 * Deletes the group when this tenant created it (recorded, or marked) and nobody is left in it.
 * Found by the recorded pk or by name, so a repeated destroy answers 'absent' whatever the record
 * still says.
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
  if (!recordedAsOurs(group, resources) && !markedAsOurs(group, spec.tenantId)) {
    return { outcome: 'kept', resources };
  }
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
