// The ownership half of the preflight: every Authentik object the spec names that exists already
// must be this tenant's (functions/lib/ownership.ts), and the group must grant no admin rights, so a
// spec naming another tenant's objects fails before the first write rather than half-way. Reads
// only; the steps check again when they write, since objects can change hands in between.
import { findApplicationBySlug } from '#lib/authentik/applications.ts';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { adminRights, findGroupByName } from '#lib/authentik/groups.ts';
import { findProviderByName } from '#lib/authentik/providers.ts';
import { findUserByUsername } from '#lib/authentik/users.ts';
import {
  applicationEvidence,
  attributeEvidence,
  type ForeignObject,
  foreignObjectError,
  markerOfAttributes,
  markerOfClientId,
  ownershipOf,
  providerEvidence,
} from '#lib/ownership.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { PreflightProblem } from './problems.ts';

function conflict(spec: TenantSpec, object: ForeignObject): PreflightProblem {
  return {
    field: object.field,
    expected: "this tenant's",
    actual: object.marker === undefined ? 'not made by this product for this tenant' : "another tenant's",
    message: foreignObjectError(spec.tenantId, object).message,
    kind: 'conflict',
  };
}

export async function ownershipProblems(
  spec: TenantSpec,
  resources: Resources,
  authentik: AuthentikClient,
): Promise<PreflightProblem[]> {
  const { tenantId } = spec;
  const { group: groupName, testUser, providerName, applicationSlug } = spec.authentik;
  const [group, user, provider, application] = await Promise.all([
    findGroupByName(authentik, groupName),
    findUserByUsername(authentik, testUser.username),
    findProviderByName(authentik, providerName),
    findApplicationBySlug(authentik, applicationSlug),
  ]);
  const problems: PreflightProblem[] = [];
  if (group) {
    if (ownershipOf(tenantId, attributeEvidence(group, resources, 'groupPk')) === 'foreign') {
      problems.push(
        conflict(spec, {
          what: 'Authentik group',
          name: groupName,
          field: 'authentik.group',
          id: group.pk,
          adoptKind: 'group',
          marker: markerOfAttributes(group.attributes),
        }),
      );
    } else {
      const why = await adminRights(authentik, group);
      if (why) {
        problems.push({
          field: 'authentik.group',
          expected: 'a group without admin rights',
          actual: why,
          message: `Authentik group "${groupName}" (authentik.group) is refused: ${why}; name a group without admin rights`,
          kind: 'conflict',
        });
      }
    }
  }
  if (user && ownershipOf(tenantId, attributeEvidence(user, resources, 'testUserPk')) === 'foreign') {
    problems.push(
      conflict(spec, {
        what: 'Authentik user',
        name: testUser.username,
        field: 'authentik.testUser.username',
        id: user.pk,
        marker: markerOfAttributes(user.attributes),
      }),
    );
  }
  const providerOurs =
    provider !== undefined && ownershipOf(tenantId, providerEvidence(provider, resources)) !== 'foreign';
  if (provider && !providerOurs) {
    problems.push(
      conflict(spec, {
        what: 'OAuth2 provider',
        name: providerName,
        field: 'authentik.providerName',
        id: provider.pk,
        adoptKind: 'provider',
        marker: markerOfClientId(provider.client_id),
      }),
    );
  }
  if (application) {
    const ourProviderPk = providerOurs ? provider?.pk : resources.providerPk;
    const evidence = applicationEvidence(tenantId, application, ourProviderPk, resources);
    if (ownershipOf(tenantId, evidence) === 'foreign') {
      problems.push(
        conflict(spec, {
          what: 'Authentik application',
          name: applicationSlug,
          field: 'authentik.applicationSlug',
          id: application.pk,
          adoptKind: 'application',
        }),
      );
    }
  }
  return problems;
}
