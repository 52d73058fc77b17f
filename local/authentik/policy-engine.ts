// Authentik's policy engine, for the bindings this product makes: a binding's policy, group or user
// decides, `negate` inverts it, disabled bindings are skipped, and the target's policy_engine_mode
// combines the results (`any` by default; no bindings at all lets everyone through). Expression
// policies are Python inside Authentik; the emulator runs none, so it evaluates exactly the two
// expressions the product writes and denies every other one.
import { parseExpressionTemplate } from '#lib/authentik/policy-templates.ts';
import type { AuthentikStore, PolicyBindingRecord, UserRecord } from './store.ts';

export interface LogEvent {
  timestamp: string;
  log_level: 'info' | 'warning' | 'debug';
  logger: string;
  event: string;
  attributes: Record<string, unknown>;
}

export interface PolicyVerdict {
  passing: boolean;
  messages: string[];
  log: LogEvent[];
}

export const NO_PYTHON_MESSAGE =
  'The Authentik emulator runs no Python: an expression policy other than `return True` or ' +
  '`return ak_is_group_member(request.user, name="<group>")` denies, and a scope mapping whose ' +
  "expression is not Authentik's default yields no claims.";

interface BindingResult {
  passing: boolean;
  messages: string[];
  unsupported: boolean;
}

function logEvent(
  event: string,
  attributes: Record<string, unknown>,
  level: LogEvent['log_level'] = 'debug',
): LogEvent {
  return {
    timestamp: new Date().toISOString(),
    log_level: level,
    logger: 'authentik.policies.engine',
    event,
    attributes,
  };
}

function bindingPasses(store: AuthentikStore, binding: PolicyBindingRecord, user: UserRecord): BindingResult {
  if (binding.policy !== null) {
    const policy = store.expressionPolicies.get(binding.policy);
    if (policy === undefined) return { passing: false, messages: [], unsupported: false };
    const template = parseExpressionTemplate(policy.expression);
    if (template === undefined) return { passing: false, messages: [NO_PYTHON_MESSAGE], unsupported: true };
    if (template.kind === 'everyone') return { passing: true, messages: [], unsupported: false };
    const member = store.allGroupsOf(user).some((g) => g.name === template.groupName);
    return { passing: member, messages: [], unsupported: false };
  }
  if (binding.group !== null) {
    return {
      passing: store.allGroupsOf(user).some((g) => g.pk === binding.group),
      messages: [],
      unsupported: false,
    };
  }
  if (binding.user !== null) return { passing: binding.user === user.pk, messages: [], unsupported: false };
  return { passing: false, messages: [], unsupported: false };
}

/**
 * The verdict of the bindings on a target (application or flow) for a user. `onUnsupported` is called
 * when an expression the emulator cannot evaluate was met (the caller logs it once).
 */
export function evaluatePolicies(
  store: AuthentikStore,
  targetPk: string,
  mode: 'all' | 'any',
  user: UserRecord,
  onUnsupported: () => void = () => {},
): PolicyVerdict {
  const bindings = store.bindingsOf(targetPk).filter((b) => b.enabled);
  const log: LogEvent[] = [];
  if (bindings.length === 0) {
    log.push(logEvent('P_ENG: No bindings, passing', { target: targetPk, user: user.username }));
    return { passing: true, messages: [], log };
  }
  const results: BindingResult[] = [];
  for (const binding of bindings) {
    const result = bindingPasses(store, binding, user);
    // An expression the emulator cannot run denies, whatever negate or failure_result say: the
    // emulator must never grant access on a policy it did not evaluate.
    const passing = result.unsupported ? false : binding.negate ? !result.passing : result.passing;
    if (result.unsupported) onUnsupported();
    results.push({ ...result, passing });
    log.push(
      logEvent(
        'P_ENG(proc): finished',
        { binding: binding.pk, order: binding.order, passing, user: user.username },
        result.unsupported ? 'warning' : 'debug',
      ),
    );
  }
  const passing = mode === 'all' ? results.every((r) => r.passing) : results.some((r) => r.passing);
  return { passing, messages: results.flatMap((r) => r.messages), log };
}
