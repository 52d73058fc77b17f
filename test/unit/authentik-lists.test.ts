import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { findGroupByName } from '#lib/authentik/groups.ts';
import { listAll } from '#lib/authentik/list.ts';
import {
  findScopeMappings,
  findSigningKey,
  OIDC_SCOPE_MAPPINGS,
  requireFlow,
  requireScopeMappings,
  requireSigningKey,
} from '#lib/authentik/lookups.ts';
import { PreconditionError } from '#lib/errors.ts';

type Answer = (url: URL) => unknown;

/** A client whose fake Authentik answers every GET with `answer(url)` as a 200 JSON body. */
function clientAnswering(answer: Answer) {
  const urls: URL[] = [];
  const client = createAuthentikClient({
    baseUrl: 'https://auth.example.com',
    token: 'token-for-tests',
    fetch: async (request) => {
      const url = new URL(request.url);
      urls.push(url);
      return new Response(JSON.stringify(answer(url)), { headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, urls };
}

/** One page of `items` cut as Authentik does, with `next` 0 on the last page. */
function page<T>(items: T[], url: URL) {
  const size = Number(url.searchParams.get('page_size') ?? 100);
  const current = Number(url.searchParams.get('page') ?? 1);
  const totalPages = Math.max(1, Math.ceil(items.length / size));
  const results = items.slice((current - 1) * size, current * size);
  return {
    pagination: {
      next: current < totalPages ? current + 1 : 0,
      previous: current > 1 ? current - 1 : 0,
      count: items.length,
      current,
      total_pages: totalPages,
      start_index: results.length ? (current - 1) * size + 1 : 0,
      end_index: (current - 1) * size + results.length,
    },
    results,
    autocomplete: {},
  };
}

describe('pagination', () => {
  it('follows pagination.next to the last page (250 groups = 3 pages of 100)', async () => {
    const groups = Array.from({ length: 250 }, (_, i) => ({ pk: `uuid-${i}`, name: `group-${i}` }));
    const { client, urls } = clientAnswering((url) => page(groups, url));
    const all = await listAll(client, '/core/groups/', { include_users: false });
    expect(all.map((group) => group.name)).toEqual(groups.map((group) => group.name));
    expect(urls.map((url) => url.searchParams.get('page'))).toEqual(['1', '2', '3']);
    expect(urls.every((url) => url.searchParams.get('page_size') === '100')).toBe(true);
    expect(urls.every((url) => url.searchParams.get('include_users') === 'false')).toBe(true);
  });

  it('finds a group that sits on the last page', async () => {
    const groups = Array.from({ length: 250 }, (_, i) => ({ pk: `uuid-${i}`, name: `group-${i}` }));
    // The fake ignores the name filter, as an Authentik that does not know a filter would.
    const { client } = clientAnswering((url) => page(groups, url));
    expect((await findGroupByName(client, 'group-249'))?.pk).toBe('uuid-249');
    expect(await findGroupByName(client, 'group-250')).toBeUndefined();
  });

  it('keeps only the exact match when a filter matches loosely', async () => {
    const groups = [
      { pk: 'a', name: 'Cognito-Users' },
      { pk: 'b', name: 'cognito-users' },
    ];
    const { client } = clientAnswering((url) => page(groups, url));
    expect((await findGroupByName(client, 'cognito-users'))?.pk).toBe('b');
  });

  it('stops on a next page that points backwards instead of looping', async () => {
    const { client } = clientAnswering(() => ({
      pagination: {
        next: 1,
        previous: 0,
        count: 1,
        current: 1,
        total_pages: 1,
        start_index: 1,
        end_index: 1,
      },
      results: [{ pk: 'a', name: 'a' }],
      autocomplete: {},
    }));
    await expect(listAll(client, '/core/groups/')).rejects.toThrow(/points back to page 1/);
  });
});

describe('lookups', () => {
  const scopeMappings = OIDC_SCOPE_MAPPINGS.map((managed, i) => ({ pk: `pm-${i}`, managed, name: managed }));

  it('asks for managed scope mappings with a repeated parameter, not a comma-joined one', async () => {
    const { client, urls } = clientAnswering((url) =>
      page(
        scopeMappings.filter((mapping) => url.searchParams.getAll('managed').includes(mapping.managed)),
        url,
      ),
    );
    const found = await findScopeMappings(client, OIDC_SCOPE_MAPPINGS);
    expect(found.map((mapping) => mapping.pk)).toEqual(['pm-0', 'pm-1', 'pm-2']);
    const url = urls[0] as URL;
    expect(url.pathname).toBe('/api/v3/propertymappings/provider/scope/');
    expect(url.searchParams.getAll('managed')).toEqual([...OIDC_SCOPE_MAPPINGS]);
    expect(url.search).toContain(
      'managed=goauthentik.io%2Fproviders%2Foauth2%2Fscope-openid&managed=goauthentik.io%2Fproviders%2Foauth2%2Fscope-email',
    );
  });

  it('names the missing scope mappings', async () => {
    const { client } = clientAnswering((url) => page(scopeMappings.slice(0, 1), url));
    const failure = requireScopeMappings(client);
    await expect(failure).rejects.toBeInstanceOf(PreconditionError);
    await expect(requireScopeMappings(client)).rejects.toThrow(
      /goauthentik\.io\/providers\/oauth2\/scope-email, goauthentik\.io\/providers\/oauth2\/scope-profile/,
    );
  });

  it('looks a flow up by slug and says which slug is missing', async () => {
    const flows = [{ pk: 'f1', slug: 'default-provider-authorization-explicit-consent' }];
    const { client, urls } = clientAnswering((url) =>
      page(
        flows.filter((flow) => flow.slug === url.searchParams.get('slug')),
        url,
      ),
    );
    expect((await requireFlow(client, 'default-provider-authorization-explicit-consent')).pk).toBe('f1');
    expect(urls[0]?.searchParams.get('slug')).toBe('default-provider-authorization-explicit-consent');
    await expect(requireFlow(client, 'default-authentication-flow-explicit')).rejects.toThrow(
      new PreconditionError('Authentik has no flow with the slug "default-authentication-flow-explicit"'),
    );
  });

  it('takes only a certificate key pair that holds a private key', async () => {
    const pairs = [{ pk: 'k1', name: 'authentik Self-signed Certificate', private_key_available: false }];
    const { client, urls } = clientAnswering((url) => page(pairs, url));
    expect(await findSigningKey(client, 'authentik Self-signed Certificate')).toBeUndefined();
    expect(urls[0]?.searchParams.get('has_key')).toBe('true');
    expect(urls[0]?.searchParams.get('name')).toBe('authentik Self-signed Certificate');
    await expect(requireSigningKey(client, 'authentik Self-signed Certificate')).rejects.toBeInstanceOf(
      PreconditionError,
    );
  });
});
