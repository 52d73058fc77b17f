// Expression policies and their bindings to an application (guide step 5). The expression text
// comes only from policy-templates.ts: it is Python that Authentik runs.
import { type AuthentikClient, dataOf } from './client.ts';
import { unlessNotFound } from './http-errors.ts';
import { listAll } from './list.ts';
import type { components } from './schema.d.ts';

export type ExpressionPolicy = components['schemas']['ExpressionPolicy'];
export type ExpressionPolicyRequest = components['schemas']['ExpressionPolicyRequest'];
export type ExpressionPolicyPatch = components['schemas']['PatchedExpressionPolicyRequest'];
export type PolicyBinding = components['schemas']['PolicyBinding'];
export type PolicyBindingRequest = components['schemas']['PolicyBindingRequest'];

export async function findExpressionPolicyByName(
  client: AuthentikClient,
  name: string,
): Promise<ExpressionPolicy | undefined> {
  const policies = await listAll(client, '/policies/expression/', { name });
  return policies.find((policy) => policy.name === name);
}

export async function createExpressionPolicy(
  client: AuthentikClient,
  body: ExpressionPolicyRequest,
): Promise<ExpressionPolicy> {
  return dataOf(await client.api.POST('/policies/expression/', { body }));
}

/** Changes only the fields given (PATCH). */
export async function updateExpressionPolicy(
  client: AuthentikClient,
  uuid: string,
  body: ExpressionPolicyPatch,
): Promise<ExpressionPolicy> {
  return dataOf(
    await client.api.PATCH('/policies/expression/{policy_uuid}/', {
      params: { path: { policy_uuid: uuid } },
      body,
    }),
  );
}

/** True when deleted, false when it was already gone. */
export async function deleteExpressionPolicy(client: AuthentikClient, uuid: string): Promise<boolean> {
  const deleted = await unlessNotFound(
    client.api.DELETE('/policies/expression/{policy_uuid}/', { params: { path: { policy_uuid: uuid } } }),
  );
  return deleted !== undefined;
}

/** The bindings on a target: for an application, its `pk` (the policy binding model UUID). */
export async function listBindings(client: AuthentikClient, target: string): Promise<PolicyBinding[]> {
  const bindings = await listAll(client, '/policies/bindings/', { target });
  return bindings.filter((binding) => binding.target === target);
}

/** `{target, policy, order, enabled, negate, timeout}`. */
export async function createBinding(
  client: AuthentikClient,
  body: PolicyBindingRequest,
): Promise<PolicyBinding> {
  return dataOf(await client.api.POST('/policies/bindings/', { body }));
}

/** True when deleted, false when it was already gone. */
export async function deleteBinding(client: AuthentikClient, uuid: string): Promise<boolean> {
  const deleted = await unlessNotFound(
    client.api.DELETE('/policies/bindings/{policy_binding_uuid}/', {
      params: { path: { policy_binding_uuid: uuid } },
    }),
  );
  return deleted !== undefined;
}
