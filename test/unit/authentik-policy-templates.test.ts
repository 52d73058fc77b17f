import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  everyoneExpression,
  groupMemberExpression,
  isQuotableGroupName,
  parseExpressionTemplate,
} from '#lib/authentik/policy-templates.ts';
import { ValidationError } from '#lib/errors.ts';

describe('expression policy templates', () => {
  it('writes the canonical texts', () => {
    expect(everyoneExpression()).toBe('return True');
    expect(groupMemberExpression('cognito-users')).toBe(
      'return ak_is_group_member(request.user, name="cognito-users")',
    );
  });

  it('recognises both templates and nothing else', () => {
    expect(parseExpressionTemplate('return True')).toEqual({ kind: 'everyone' });
    expect(parseExpressionTemplate('return True\n')).toEqual({ kind: 'everyone' });
    expect(parseExpressionTemplate(groupMemberExpression('Team A'))).toEqual({
      kind: 'group-member',
      groupName: 'Team A',
    });
    for (const other of [
      'return False',
      'return true',
      'import os\nreturn True',
      'return True or os.system("x")',
      'return ak_is_group_member(request.user, name="a") or True',
      'return ak_is_group_member(request.user, name="a\\"b")',
      "return ak_is_group_member(request.user, name='a')",
      'return ak_is_group_member(request.user, name="")',
    ]) {
      expect(parseExpressionTemplate(other), other).toBeUndefined();
    }
  });

  it.each(['a"b', 'a\\b', 'a\nb', 'a\rb', 'a\u0000b', ''])('refuses the group name %j', (name) => {
    expect(isQuotableGroupName(name)).toBe(false);
    expect(() => groupMemberExpression(name)).toThrow(ValidationError);
  });

  it('round-trips every quotable group name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }).filter(isQuotableGroupName), (name) => {
        expect(parseExpressionTemplate(groupMemberExpression(name))).toEqual({
          kind: 'group-member',
          groupName: name,
        });
      }),
    );
  });
});
