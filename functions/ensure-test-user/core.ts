// Step 2 of the guide: the test user the verification signs in as, in the tenant's group, with a
// generated password kept in Secrets Manager.
//
// The test user is always one this product created for this tenant (marked with the tenant, see
// functions/lib/ownership.ts). A user of that name that is not (an admin, a person, another tenant's
// test user) is a conflict: adopting it would overwrite its name and email and set a password that
// only Secrets Manager knows. Unlike groups, users cannot be adopted by an operator either.
//
// The password cannot be read back from Authentik, so the order of writes is what keeps it known:
//   generate → store the secret → create the user INACTIVE → set_password → activate.
// The secret is written first, so a crash never leaves a password nobody knows; the user is
// activated last, so an active user always holds the stored password (unless someone changed it
// by hand, which only the verification's login can notice). A re-run that finds the secret and an
// active user therefore writes nothing; one that finds an inactive user (a crash before set_password,
// or a user disabled behind our back) sets the stored password again and activates it.

import type { AuthentikClient } from '#lib/authentik/client.ts';
import { isAlreadyExists } from '#lib/authentik/http-errors.ts';
import {
  createUser,
  deleteUser,
  findUserByUsername,
  getUser,
  setUserPassword,
  type User,
  type UserPatch,
  updateUser,
} from '#lib/authentik/users.ts';
import { PreconditionError, ValidationError } from '#lib/errors.ts';
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
import { ensureRotation } from '#lib/rotation-schedule.ts';
import { deleteSecret, putSecret, secretName } from '#lib/secrets.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { generatePassword, readStoredPassword } from './password.ts';

export type TestUserClients = Pick<ResolvedClients, 'authentik' | 'secrets' | 'secretPrefix'> &
  Partial<Pick<ResolvedClients, 'secretsKmsKeyId' | 'rotation'>>;

export { OWNER_ATTRIBUTE };

/** Where Authentik files users by default (its `default_user_path`). */
export const USER_PATH = 'users';

/** Users are never adopted: only the marker and the record of creating it count. */
function evidenceOf(user: User, resources: Resources): OwnershipEvidence {
  return attributeEvidence(user, resources, 'testUserPk');
}

function isOurs(user: User, spec: TenantSpec, resources: Resources): boolean {
  return ownershipOf(spec.tenantId, evidenceOf(user, resources)) === 'created';
}

function passwordSecretName(spec: TenantSpec, clients: TestUserClients): string {
  return secretName(clients.secretPrefix, spec.tenantId, 'test-user');
}

/** The fields that must hold, other than the password and `is_active` (tied to the password). */
function fieldChanges(spec: TenantSpec, groupPk: string, user: User): UserPatch {
  const { username, name, email } = spec.authentik.testUser;
  const patch: UserPatch = {};
  if (user.username !== username) patch.username = username;
  if (user.name !== name) patch.name = name;
  if ((user.email ?? '') !== email) patch.email = email;
  // A service account cannot sign in through a flow, which is what the verification does.
  if (user.type !== 'internal') patch.type = 'internal';
  // Other groups the user is in are kept: only membership of ours is this step's business.
  if (!(user.groups ?? []).includes(groupPk)) patch.groups = [...(user.groups ?? []), groupPk];
  return patch;
}

/** The user by username, or (when renamed behind our back) the one we created under the recorded pk. */
async function findOurUser(
  client: AuthentikClient,
  spec: TenantSpec,
  resources: Resources,
): Promise<User | undefined> {
  const byName = await findUserByUsername(client, spec.authentik.testUser.username);
  if (byName) return byName;
  if (resources.testUserPk === undefined) return undefined;
  const recorded = await getUser(client, resources.testUserPk);
  return recorded && isOurs(recorded, spec, resources) ? recorded : undefined;
}

function foreignUser(spec: TenantSpec, user: User): Error {
  return foreignObjectError(spec.tenantId, {
    what: 'Authentik user',
    name: spec.authentik.testUser.username,
    field: 'authentik.testUser.username',
    id: user.pk,
    marker: markerOfAttributes(user.attributes),
  });
}

/**
 * The error with the password cut out of its message, stack and field errors. Authentik does not
 * echo a password it rejects, but a proxy or a future version might, and the message of this error
 * ends up in the execution history and the logs.
 */
export function withoutSecret(err: unknown, secret: string): unknown {
  if (!(err instanceof Error)) return err;
  const cut = (text: string) => text.replaceAll(secret, '[redacted]');
  err.message = cut(err.message);
  if (err.stack) err.stack = cut(err.stack);
  if (err instanceof ValidationError) {
    for (const [field, messages] of Object.entries(err.fields)) err.fields[field] = messages.map(cut);
  }
  return err;
}

function requireGroup(resources: Resources): string {
  if (!resources.groupPk) {
    throw new PreconditionError(
      'ensure-test-user needs the group (resources.groupPk): run ensure-group first',
    );
  }
  return resources.groupPk;
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: TestUserClients,
): Promise<ApplyResult> {
  const groupPk = requireGroup(resources);
  const client = clients.authentik;
  const { username, name, email } = spec.authentik.testUser;
  let writes = 0;
  let outcome: ApplyResult['outcome'] = 'unchanged';

  let user = await findOurUser(client, spec, resources);
  // Checked before anything is written: not even the password secret changes for a user not ours.
  if (user && !isOurs(user, spec, resources)) throw foreignUser(spec, user);
  // A stored password for another username (the spec's username changed) is not this user's.
  const stored = await readStoredPassword(clients.secrets, passwordSecretName(spec, clients));
  const reusable = stored?.username === username ? stored.password : undefined;
  const password = reusable ?? generatePassword();
  // The secret first: from here on the password is known, whatever happens next. A stored value
  // that already matches costs no write.
  const secret = await putSecret(clients.secrets, {
    prefix: clients.secretPrefix,
    kmsKeyId: clients.secretsKmsKeyId,
    tenantId: spec.tenantId,
    kind: 'test-user',
    value: { username, password },
    description: `Password of the Authentik test user of tenant ${spec.tenantId}`,
  });
  writes += secret.writes;
  if (secret.writes > 0) outcome = 'updated';

  if (!user) {
    writes += 1;
    try {
      user = await createUser(client, {
        username,
        name,
        email,
        groups: [groupPk],
        path: USER_PATH,
        type: 'internal',
        // Activated only once its password is set (see the top of this file).
        is_active: false,
        attributes: { [OWNER_ATTRIBUTE]: spec.tenantId },
      });
      outcome = 'created';
    } catch (err) {
      if (!isAlreadyExists(err, 'username')) throw err;
      user = await findUserByUsername(client, username);
      if (!user) throw err;
      if (!isOurs(user, spec, resources)) throw foreignUser(spec, user);
    }
  }

  const patch = fieldChanges(spec, groupPk, user);
  // A new password, or an inactive user, means Authentik may not hold the stored password yet.
  if (reusable === undefined || user.is_active !== true) {
    writes += 1;
    await setUserPassword(client, user.pk, password).catch((err: unknown) => {
      throw withoutSecret(err, password);
    });
    if (user.is_active !== true) patch.is_active = true;
    if (outcome === 'unchanged') outcome = 'updated';
  }
  if (Object.keys(patch).length > 0) {
    writes += 1;
    user = await updateUser(client, user.pk, patch);
    if (outcome === 'unchanged') outcome = 'updated';
  }
  // The password rotates from now on (functions/rotate-secret/), once the user holds it.
  if (clients.rotation) {
    const days = spec.rotation?.automaticallyAfterDays ?? clients.rotation.afterDays;
    const scheduled = await ensureRotation(clients.secrets, secret.arn, clients.rotation, days);
    writes += scheduled;
    if (scheduled > 0 && outcome === 'unchanged') outcome = 'updated';
  }

  return {
    outcome,
    writes,
    resources: {
      testUserPk: user.pk,
      testUserPasswordSecretArn: secret.arn,
      // The secret is named after this deployment and tenant: always this product's.
      created: ['testUserPk', 'testUserPasswordSecretArn'],
    },
  };
}

/**
 * Deletes the user when the record says this product created it and it still carries the tenant's
 * marker, and the password secret in any case: nothing reads it once the tenant is gone. Any other
 * user under that name is kept.
 */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: TestUserClients,
): Promise<DestroyResult> {
  const client = clients.authentik;
  const secretId = resources.testUserPasswordSecretArn ?? passwordSecretName(spec, clients);
  const secret = await deleteSecret(clients.secrets, secretId);
  const gone: (keyof Resources)[] = ['testUserPasswordSecretArn', 'testUserPk'];
  const recorded =
    resources.testUserPk === undefined ? undefined : await getUser(client, resources.testUserPk);
  const user = recorded ?? (await findUserByUsername(client, spec.authentik.testUser.username));
  if (user && !mayDelete(spec.tenantId, evidenceOf(user, resources))) {
    return { outcome: 'kept', resources: withoutResources(resources, ['testUserPasswordSecretArn']) };
  }
  const deleted = user ? await deleteUser(client, user.pk) : false;
  return {
    outcome: deleted || secret === 'deleted' ? 'deleted' : 'absent',
    resources: withoutResources(resources, gone),
  };
}

export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: TestUserClients,
): Promise<CheckResult> {
  const { username } = spec.authentik.testUser;
  const user =
    resources.testUserPk === undefined
      ? await findUserByUsername(clients.authentik, username)
      : await getUser(clients.authentik, resources.testUserPk);
  if (!user) return { outcome: 'missing', drift: [{ field: 'user', expected: username, actual: null }] };

  const drift: Drift[] = [];
  const expected = spec.authentik.testUser;
  if (user.username !== expected.username)
    drift.push({ field: 'username', expected: expected.username, actual: user.username });
  if (user.name !== expected.name) drift.push({ field: 'name', expected: expected.name, actual: user.name });
  if ((user.email ?? '') !== expected.email)
    drift.push({ field: 'email', expected: expected.email, actual: user.email ?? '' });
  if (user.type !== 'internal')
    drift.push({ field: 'type', expected: 'internal', actual: user.type ?? null });
  if (user.is_active !== true)
    drift.push({ field: 'is_active', expected: true, actual: user.is_active ?? false });
  if (resources.groupPk && !(user.groups ?? []).includes(resources.groupPk)) {
    drift.push({ field: 'groups', expected: `includes ${resources.groupPk}`, actual: user.groups ?? [] });
  }
  // Only whether a password is stored, and for whom: its value is never compared in the open.
  const stored = await readStoredPassword(
    clients.secrets,
    resources.testUserPasswordSecretArn ?? passwordSecretName(spec, clients),
  );
  if (!stored) {
    drift.push({ field: 'password', expected: 'stored in Secrets Manager', actual: null });
  } else if (stored.username !== expected.username) {
    drift.push({
      field: 'password',
      expected: `stored for ${expected.username}`,
      actual: `stored for ${stored.username}`,
    });
  }
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
