// Access to an application, as the emulator's policy engine decides it: the two expression templates
// the product writes, the denial (logged once) of any other expression, and Authentik's binding
// semantics (enabled, negate, order, policy_engine_mode, group and user bindings).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyoneExpression, groupMemberExpression } from '#lib/authentik/policy-templates.ts';
import { NO_PYTHON_MESSAGE } from '#local/authentik/policy-engine.ts';
import { type AuthentikEmulator, createApiToken, startAuthentikEmulator } from '#local/authentik/server.ts';

type Json = Record<string, unknown>;

let ak: AuthentikEmulator;
const logged: string[] = [];
let members: Json;
let member: Json;
let childMember: Json;
let outsider: Json;

async function api(
  method: string,
  path: string,
  body?: unknown,
  token = ak.token,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${ak.url}/api/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

async function created(path: string, body: unknown): Promise<Json> {
  const answer = await api('POST', path, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

let apps = 0;
/** An application with one binding per entry: an expression, or a group or user binding. */
async function application(
  bindings: ({ expression: string } | { group: unknown } | { user: unknown })[],
  extra: { mode?: 'all' | 'any'; negate?: boolean[]; enabled?: boolean[] } = {},
): Promise<string> {
  apps += 1;
  const slug = `app-${apps}`;
  const app = await created('/core/applications/', {
    name: slug,
    slug,
    policy_engine_mode: extra.mode ?? 'any',
  });
  for (const [order, binding] of bindings.entries()) {
    let subject: Json = binding as Json;
    if ('expression' in binding) {
      const policy = await created('/policies/expression/', {
        name: `${slug}-${order}`,
        expression: binding.expression,
      });
      subject = { policy: policy.pk };
    }
    await created('/policies/bindings/', {
      target: app.pk,
      order,
      negate: extra.negate?.[order] ?? false,
      enabled: extra.enabled?.[order] ?? true,
      ...subject,
    });
  }
  return slug;
}

async function passes(slug: string, user: Json): Promise<boolean> {
  const answer = await api('GET', `/core/applications/${slug}/check_access/?for_user=${user.pk}`);
  expect(answer.status).toBe(200);
  return answer.body.passing as boolean;
}

beforeAll(async () => {
  ak = await startAuthentikEmulator({ log: (message) => logged.push(message) });
  members = await created('/core/groups/', { name: 'cognito-users' });
  const child = await created('/core/groups/', { name: 'cognito-users-eu', parents: [members.pk] });
  member = await created('/core/users/', { username: 'member', name: 'Member', groups: [members.pk] });
  childMember = await created('/core/users/', {
    username: 'child-member',
    name: 'Child',
    groups: [child.pk],
  });
  outsider = await created('/core/users/', { username: 'outsider', name: 'Outsider' });
});

afterAll(async () => {
  expect(ak.schemaViolations).toEqual([]);
  await ak?.stop();
});

describe('check_access', () => {
  it('lets everyone in when no policy is bound', async () => {
    const slug = await application([]);
    expect(await passes(slug, outsider)).toBe(true);
  });

  it('lets everyone in with `return True`', async () => {
    const slug = await application([{ expression: everyoneExpression() }]);
    expect(await passes(slug, outsider)).toBe(true);
    expect(await passes(slug, member)).toBe(true);
  });

  it('lets members in with the group-membership template, members of child groups too', async () => {
    const slug = await application([{ expression: groupMemberExpression('cognito-users') }]);
    expect(await passes(slug, member)).toBe(true);
    expect(await passes(slug, childMember)).toBe(true);
    expect(await passes(slug, outsider)).toBe(false);
    expect(
      await passes(await application([{ expression: groupMemberExpression('no-such-group') }]), member),
    ).toBe(false);
  });

  it('denies any other expression, says why, and logs it once', async () => {
    const slug = await application([{ expression: 'return request.user.username == "member"' }]);
    const answer = await api('GET', `/core/applications/${slug}/check_access/?for_user=${member.pk}`);
    expect(answer.body).toMatchObject({ passing: false, messages: [NO_PYTHON_MESSAGE] });
    expect(await passes(slug, member)).toBe(false);
    // Negation never turns an expression the emulator did not run into access.
    expect(
      await passes(await application([{ expression: 'return False' }], { negate: [true] }), member),
    ).toBe(false);
    expect(logged.filter((line) => line.includes('runs no Python'))).toHaveLength(1);
  });

  it('inverts a negated binding and skips a disabled one', async () => {
    const negated = await application([{ expression: groupMemberExpression('cognito-users') }], {
      negate: [true],
    });
    expect(await passes(negated, member)).toBe(false);
    expect(await passes(negated, outsider)).toBe(true);
    const disabled = await application([{ expression: groupMemberExpression('cognito-users') }], {
      enabled: [false],
    });
    expect(await passes(disabled, outsider)).toBe(true);
  });

  it('combines bindings by the policy engine mode', async () => {
    const bindings = [{ expression: groupMemberExpression('cognito-users') }, { user: outsider.pk }];
    const any = await application(bindings, { mode: 'any' });
    expect(await passes(any, member)).toBe(true);
    expect(await passes(any, outsider)).toBe(true);
    const all = await application(bindings, { mode: 'all' });
    expect(await passes(all, member)).toBe(false);
    expect(await passes(all, outsider)).toBe(false);
  });

  it('evaluates group and user bindings', async () => {
    expect(await passes(await application([{ group: members.pk }]), childMember)).toBe(true);
    expect(await passes(await application([{ group: members.pk }]), outsider)).toBe(false);
    expect(await passes(await application([{ user: member.pk }]), member)).toBe(true);
  });

  it('follows group membership changes made later', async () => {
    const slug = await application([{ expression: groupMemberExpression('cognito-users') }]);
    const late = await created('/core/users/', { username: 'late-joiner', name: 'Late' });
    expect(await passes(slug, late)).toBe(false);
    await api('PATCH', `/core/users/${late.pk}/`, { groups: [members.pk] });
    expect(await passes(slug, late)).toBe(true);
  });

  it('answers for the caller only when the caller is no superuser, and refuses a bad for_user', async () => {
    const slug = await application([{ expression: groupMemberExpression('cognito-users') }]);
    const plain = createApiToken(ak);
    expect(
      (await api('GET', `/core/applications/${slug}/check_access/?for_user=${member.pk}`, undefined, plain))
        .body,
    ).toEqual({
      passing: false,
      messages: [],
      log_messages: [],
    });
    expect(await api('GET', `/core/applications/${slug}/check_access/?for_user=abc`)).toMatchObject({
      status: 400,
      body: { for_user: ['for_user must be numerical'] },
    });
    expect(await api('GET', `/core/applications/${slug}/check_access/?for_user=999`)).toMatchObject({
      status: 400,
      body: { for_user: ['User not found'] },
    });
    expect((await api('GET', '/core/applications/no-such-app/check_access/')).status).toBe(404);
  });
});

describe('the application list', () => {
  it('shows only what the requesting user may open, unless a superuser asks for the full list', async () => {
    const slug = await application([{ expression: groupMemberExpression('cognito-users') }]);
    const forAkadmin = await api('GET', `/core/applications/?slug=${slug}`);
    // Authentik pages first, then filters: the count still includes the hidden application.
    expect(forAkadmin.body.pagination).toMatchObject({ count: 1 });
    expect(forAkadmin.body.results).toEqual([]);
    expect(
      (await api('GET', `/core/applications/?slug=${slug}&superuser_full_list=true`)).body.results,
    ).toHaveLength(1);
    expect(
      (await api('GET', `/core/applications/?slug=${slug}&for_user=${member.pk}`)).body.results,
    ).toHaveLength(1);
  });
});
