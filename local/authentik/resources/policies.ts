// policies/expression/ and policies/bindings/. Expression policies are stored as written (the
// emulator cannot compile Python, so it cannot reject a syntax error as Authentik would); bindings
// tie exactly one of policy, group or user to a target, unique on (policy, target, order).
import { exact, type Handler, type ResourceSpec, viewset } from '../resource.ts';
import { serializeBinding, serializeExpressionPolicy } from '../serializers.ts';
import type { ExpressionPolicyRecord, PolicyBindingRecord } from '../store.ts';

const now = (): string => new Date().toISOString();

export const expressionPolicies: ResourceSpec<ExpressionPolicyRecord> = {
  operationPrefix: 'policies_expression',
  objectName: 'ExpressionPolicy',
  records: (store) => store.expressionPolicies,
  find: (store, param) => store.expressionPolicies.get(param),
  requestSchema: 'ExpressionPolicyRequest',
  patchSchema: 'PatchedExpressionPolicyRequest',
  build: (ctx, body) =>
    ({
      pk: ctx.store.newUuid(),
      execution_logging: false,
      ...body,
      created: now(),
      last_updated: now(),
    }) as ExpressionPolicyRecord,
  apply: (_ctx, record, body) => ({ ...record, ...body, last_updated: now() }) as ExpressionPolicyRecord,
  serialize: (ctx, record) => serializeExpressionPolicy(ctx, record),
  unique: [{ field: 'name', message: 'Policy with this name already exists.' }],
  filters: {
    name: exact((p) => p.name),
    expression: exact((p) => p.expression),
    policy_uuid: exact((p) => p.pk),
    execution_logging: exact((p) => p.execution_logging),
  },
  search: (p) => [p.name],
  ordering: ['name'],
  remove: (ctx, record) => {
    ctx.store.expressionPolicies.delete(record.pk);
    for (const b of [...ctx.store.bindings.values()])
      if (b.policy === record.pk) ctx.store.bindings.delete(b.pk);
  },
};

const SUPPORTED = "'policy', 'group', 'user'";

export const bindings: ResourceSpec<PolicyBindingRecord> = {
  operationPrefix: 'policies_bindings',
  objectName: 'PolicyBinding',
  records: (store) => store.bindings,
  find: (store, param) => store.bindings.get(param),
  requestSchema: 'PolicyBindingRequest',
  patchSchema: 'PatchedPolicyBindingRequest',
  build: (ctx, body) =>
    ({
      pk: ctx.store.newUuid(),
      policy: null,
      group: null,
      user: null,
      negate: false,
      enabled: true,
      timeout: 30,
      failure_result: false,
      ...body,
    }) as PolicyBindingRecord,
  apply: (_ctx, record, body) => ({ ...record, ...body }) as PolicyBindingRecord,
  serialize: (ctx, record) => serializeBinding(ctx, record),
  relations: [
    { field: 'policy', exists: (store, pk) => store.expressionPolicies.has(String(pk)) },
    { field: 'group', exists: (store, pk) => store.groups.has(String(pk)) },
    { field: 'user', exists: (store, pk) => store.users.has(Number(pk)) },
    { field: 'target', exists: (store, pk) => store.isBindingTarget(String(pk)) },
  ],
  validateObject: (ctx, candidate, existing) => {
    const set = [candidate.policy, candidate.group, candidate.user].filter((v) => v !== null).length;
    if (set > 1) return [`Only one of ${SUPPORTED} can be set.`];
    if (set < 1) return [`One of ${SUPPORTED} must be set.`];
    // unique_together (policy, target, order); a NULL policy never collides.
    if (candidate.policy === null) return [];
    for (const other of ctx.store.bindings.values()) {
      if (
        other.pk !== existing?.pk &&
        other.policy === candidate.policy &&
        other.target === candidate.target &&
        other.order === candidate.order
      ) {
        return ['The fields policy, target, order must make a unique set.'];
      }
    }
    return [];
  },
  filters: {
    target: exact((b) => b.target),
    policy: exact((b) => b.policy),
    enabled: exact((b) => b.enabled),
    order: exact((b) => b.order),
    timeout: exact((b) => b.timeout),
    policy__isnull: (b, values) => {
      const v = values[values.length - 1];
      return v === undefined || (b.policy === null) === ['true', 'True', '1'].includes(v);
    },
    target_in: (b, values) => values.includes(b.target),
  },
  search: (b, ctx) => [b.policy === null ? '' : (ctx.store.expressionPolicies.get(b.policy)?.name ?? '')],
  ordering: ['target', 'order'],
  remove: (ctx, record) => {
    ctx.store.bindings.delete(record.pk);
  },
};

export const policyHandlers: Record<string, Handler> = {
  ...viewset(expressionPolicies),
  ...viewset(bindings),
};
