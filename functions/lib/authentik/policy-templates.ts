// The only expression policies this product writes. An expression policy is Python that Authentik
// runs, so callers choose a template and a group name, never the expression text itself. The
// emulator evaluates exactly these two shapes, through parseExpressionTemplate.
import { ValidationError } from '#lib/errors.ts';

export type ExpressionTemplate = { kind: 'everyone' } | { kind: 'group-member'; groupName: string };

const EVERYONE = 'return True';

// Inside a double-quoted Python literal only `"`, `\` and control characters (line breaks among
// them) change the meaning; names without them are embedded verbatim, so parsing is the exact inverse.
const UNQUOTABLE = /["\\\p{Cc}]/u;
const GROUP_MEMBER = /^return ak_is_group_member\(request\.user, name="([^"\\\p{Cc}]+)"\)$/u;

/** True when the group name can be written into a policy expression without escaping. */
export function isQuotableGroupName(name: string): boolean {
  return name.length > 0 && !UNQUOTABLE.test(name);
}

/** Lets everyone through: the policy of an application open to every Authentik user. */
export function everyoneExpression(): string {
  return EVERYONE;
}

/** Lets through the members of the named group (and, as Authentik does, of its child groups). */
export function groupMemberExpression(groupName: string): string {
  if (!isQuotableGroupName(groupName)) {
    throw new ValidationError('group name cannot be used in a policy expression', {
      group: ['must be non-empty and contain no double quote, backslash or control character'],
    });
  }
  return `return ak_is_group_member(request.user, name="${groupName}")`;
}

/** Recognises an expression written by the two templates above; anything else is undefined. */
export function parseExpressionTemplate(expression: string): ExpressionTemplate | undefined {
  const text = expression.trim();
  if (text === EVERYONE) return { kind: 'everyone' };
  const groupName = GROUP_MEMBER.exec(text)?.[1];
  return groupName === undefined ? undefined : { kind: 'group-member', groupName };
}
