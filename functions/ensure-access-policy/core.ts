// Step 5 of the guide: who may sign in through the application. An expression policy whose text is
// one of the two templates (everyone, or members of a group) — never anything a caller wrote, since
// Authentik runs it as Python — bound to the application.
//
// The policy's name is derived from the tenant id and never taken from the spec. Policies carry no
// attributes, so a policy is this tenant's when the record says it created it, or when it has the
// derived name and one of the two templates as its text (what a run that crashed before recording
// it leaves behind); a policy under that name with any other text was written by a person and is a
// conflict (functions/lib/ownership.ts). Its binding to the application is owned with it.
import { type AuthentikClient, dataOf } from '#lib/authentik/client.ts';
import { isAlreadyExists, unlessNotFound } from '#lib/authentik/http-errors.ts';
import {
  createBinding,
  createExpressionPolicy,
  deleteBinding,
  deleteExpressionPolicy,
  type ExpressionPolicy,
  type ExpressionPolicyPatch,
  findExpressionPolicyByName,
  listBindings,
  type PolicyBinding,
  type PolicyBindingRequest,
  updateExpressionPolicy,
} from '#lib/authentik/policies.ts';
import {
  everyoneExpression,
  groupMemberExpression,
  parseExpressionTemplate,
} from '#lib/authentik/policy-templates.ts';
import { PreconditionError } from '#lib/errors.ts';
import type { ResolvedClients } from '#lib/lambda.ts';
import {
  foreignObjectError,
  mayDelete,
  type OwnershipEvidence,
  ownershipOf,
  recordedAs,
} from '#lib/ownership.ts';
import { withoutResources } from '#lib/registry.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export type AccessPolicyClients = Pick<ResolvedClients, 'authentik'>;

export function policyName(tenantId: string): string {
  return `cognito-${tenantId}-access`;
}

/** The policy text, from the templates only. */
export function expressionFor(spec: TenantSpec): string {
  return spec.access.template === 'everyone'
    ? everyoneExpression()
    : groupMemberExpression(spec.access.group);
}

/** The binding's settings besides target and policy: first in order, active, not negated, 30 s. */
export const BINDING = { order: 0, enabled: true, negate: false, timeout: 30 } as const;
type BindingField = keyof typeof BINDING;
const BINDING_FIELDS = Object.keys(BINDING) as BindingField[];

function requireApplication(resources: Resources): string {
  if (!resources.applicationPk) {
    throw new PreconditionError(
      'ensure-access-policy needs the application (resources.applicationPk): run ensure-application first',
    );
  }
  return resources.applicationPk;
}

async function getPolicy(client: AuthentikClient, pk: string): Promise<ExpressionPolicy | undefined> {
  return unlessNotFound(
    client.api
      .GET('/policies/expression/{policy_uuid}/', { params: { path: { policy_uuid: pk } } })
      .then(dataOf),
  );
}

function evidenceOf(spec: TenantSpec, policy: ExpressionPolicy, resources: Resources): OwnershipEvidence {
  const marked =
    policy.name === policyName(spec.tenantId) && parseExpressionTemplate(policy.expression) !== undefined;
  return { marker: marked ? spec.tenantId : undefined, ...recordedAs(resources, 'policyPk', policy.pk) };
}

/** By name; when renamed behind our back, the one under the recorded pk. */
async function findOurPolicy(
  client: AuthentikClient,
  spec: TenantSpec,
  resources: Resources,
): Promise<ExpressionPolicy | undefined> {
  const byName = await findExpressionPolicyByName(client, policyName(spec.tenantId));
  if (byName) return byName;
  return resources.policyPk ? getPolicy(client, resources.policyPk) : undefined;
}

/** Our policy's binding on the application: the recorded one if it is still there, else the first. */
async function findOurBinding(
  client: AuthentikClient,
  target: string,
  policyPk: string,
  resources: Resources,
): Promise<PolicyBinding | undefined> {
  const ours = (await listBindings(client, target)).filter((binding) => binding.policy === policyPk);
  return ours.find((binding) => binding.pk === resources.policyBindingPk) ?? ours[0];
}

function bindingChanges(binding: PolicyBinding): Partial<PolicyBindingRequest> {
  const patch: Partial<PolicyBindingRequest> = {};
  for (const field of BINDING_FIELDS) {
    if (binding[field] !== BINDING[field]) Object.assign(patch, { [field]: BINDING[field] });
  }
  return patch;
}

async function updateBinding(
  client: AuthentikClient,
  pk: string,
  body: Partial<PolicyBindingRequest>,
): Promise<PolicyBinding> {
  return dataOf(
    await client.api.PATCH('/policies/bindings/{policy_binding_uuid}/', {
      params: { path: { policy_binding_uuid: pk } },
      body,
    }),
  );
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: AccessPolicyClients,
): Promise<ApplyResult> {
  const target = requireApplication(resources);
  const client = clients.authentik;
  const name = policyName(spec.tenantId);
  const expression = expressionFor(spec);
  let writes = 0;
  let createdSomething = false;
  let updatedSomething = false;

  let policy = await findOurPolicy(client, spec, resources);
  if (!policy) {
    writes += 1;
    try {
      policy = await createExpressionPolicy(client, { name, expression });
      createdSomething = true;
    } catch (err) {
      if (!isAlreadyExists(err, 'name')) throw err;
      policy = await findExpressionPolicyByName(client, name);
      if (!policy) throw err;
    }
  }
  const ownership = createdSomething
    ? 'created'
    : ownershipOf(spec.tenantId, evidenceOf(spec, policy, resources));
  if (ownership === 'foreign') {
    throw foreignObjectError(spec.tenantId, {
      what: 'Authentik expression policy',
      name,
      field: 'tenantId',
      id: policy.pk,
    });
  }
  const policyPatch: ExpressionPolicyPatch = {};
  if (policy.name !== name) policyPatch.name = name;
  if (policy.expression !== expression) policyPatch.expression = expression;
  if (Object.keys(policyPatch).length > 0) {
    writes += 1;
    policy = await updateExpressionPolicy(client, policy.pk, policyPatch);
    updatedSomething = true;
  }

  let binding = await findOurBinding(client, target, policy.pk, resources);
  if (!binding) {
    writes += 1;
    try {
      binding = await createBinding(client, { target, policy: policy.pk, ...BINDING });
      createdSomething = true;
    } catch (err) {
      // Authentik keeps (policy, target, order) unique and says so as a non-field error: one
      // appeared since we looked, so look again.
      if (!isAlreadyExists(err, 'non_field_errors')) throw err;
      binding = await findOurBinding(client, target, policy.pk, resources);
      if (!binding) throw err;
    }
  }
  const patch = bindingChanges(binding);
  if (Object.keys(patch).length > 0) {
    writes += 1;
    binding = await updateBinding(client, binding.pk, patch);
    updatedSomething = true;
  }

  return {
    outcome: createdSomething ? 'created' : updatedSomething ? 'updated' : 'unchanged',
    writes,
    resources: {
      policyPk: policy.pk,
      policyBindingPk: binding.pk,
      // A policy an operator adopted is this tenant's to converge, never to delete: recorded as such.
      ...(ownership === 'adopted'
        ? { created: ['policyBindingPk'], adopted: ['policyPk'] }
        : { created: ['policyPk', 'policyBindingPk'] }),
    },
  };
}

/**
 * Deletes the binding, then the policy (which would take its bindings with it anyway), when the
 * record says this product created them and the policy still has its derived name and a template.
 */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: AccessPolicyClients,
): Promise<DestroyResult> {
  const client = clients.authentik;
  const policy = await findOurPolicy(client, spec, resources);
  if (policy && !mayDelete(spec.tenantId, evidenceOf(spec, policy, resources))) {
    return { outcome: 'kept', resources };
  }
  let deleted = false;
  if (resources.policyBindingPk && (resources.created ?? []).includes('policyBindingPk')) {
    deleted = await deleteBinding(client, resources.policyBindingPk);
  }
  if (policy) deleted = (await deleteExpressionPolicy(client, policy.pk)) || deleted;
  return {
    outcome: deleted ? 'deleted' : 'absent',
    resources: withoutResources(resources, ['policyPk', 'policyBindingPk']),
  };
}

export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: AccessPolicyClients,
): Promise<CheckResult> {
  const client = clients.authentik;
  const name = policyName(spec.tenantId);
  const policy = resources.policyPk
    ? await getPolicy(client, resources.policyPk)
    : await findExpressionPolicyByName(client, name);
  if (!policy) return { outcome: 'missing', drift: [{ field: 'policy', expected: name, actual: null }] };
  const drift: Drift[] = [];
  if (policy.name !== name) drift.push({ field: 'name', expected: name, actual: policy.name });
  const expression = expressionFor(spec);
  if (policy.expression !== expression)
    drift.push({ field: 'expression', expected: expression, actual: policy.expression });
  const target = resources.applicationPk;
  if (!target)
    return {
      outcome: 'missing',
      drift: [...drift, { field: 'binding', expected: 'a binding', actual: null }],
    };
  const binding = await findOurBinding(client, target, policy.pk, resources);
  if (!binding) {
    return {
      outcome: 'missing',
      drift: [...drift, { field: 'binding', expected: { target, ...BINDING }, actual: null }],
    };
  }
  for (const field of BINDING_FIELDS) {
    if (binding[field] !== BINDING[field]) {
      drift.push({ field: `binding.${field}`, expected: BINDING[field], actual: binding[field] ?? null });
    }
  }
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
