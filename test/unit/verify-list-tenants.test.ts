// The verification machine's first state: what the run was asked, from any input, and the tenants
// to verify, a page at a time.
import { describe, expect, it, vi } from 'vitest';
import type { TenantRecord, TenantStatus } from '#lib/registry.ts';
import {
  LISTED_PATHS,
  type ListClients,
  listPage,
  runSettings,
  start,
} from '../../functions/list-tenants/core.ts';

const record = (tenantId: string, status: TenantStatus) =>
  ({
    tenantId,
    status,
    spec: {
      cognito: { identityProviderName: `authentik-${tenantId}` },
      authentik: { baseUrl: 'https://a.example', applicationSlug: 's' },
    },
    resources: { userPoolId: `pool-${tenantId}`, appClientId: `client-${tenantId}` },
  }) as unknown as TenantRecord;
/** What the listing hands each Map item: the tenant and the Cognito names its verification reads first. */
const ref = (tenantId: string) => ({
  tenantId,
  userPoolId: `pool-${tenantId}`,
  appClientId: `client-${tenantId}`,
  identityProviderName: `authentik-${tenantId}`,
});

function registry(
  pages: { items: TenantRecord[]; cursor?: string }[],
  byId: Record<string, TenantRecord> = {},
) {
  const list = vi.fn(
    async ({ cursor }: { cursor?: string } = {}) => pages[cursor ? Number(cursor) : 0] ?? { items: [] },
  );
  const get = vi.fn(async (id: string) => byId[id]);
  return { clients: { registry: { list, get } } as unknown as ListClients, list, get };
}

describe('runSettings', () => {
  it('reads repair and one tenant from the input, and ignores anything else (a scheduled event)', () => {
    expect(runSettings({}, 'now')).toEqual({ repair: false, tenantId: null, startedAt: 'now' });
    expect(runSettings({ repair: true }, 'now')).toMatchObject({ repair: true, tenantId: null });
    expect(runSettings({ repair: 'yes', tenantId: 'acme' }, 'now')).toMatchObject({
      repair: false,
      tenantId: 'acme',
    });
    expect(
      runSettings({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {}, tenantId: 3 }, 'now'),
    ).toMatchObject({ repair: false, tenantId: null });
    expect(runSettings(null, 'now').tenantId).toBeNull();
  });
});

describe('listPage', () => {
  it('lists the active and failed tenants of a page, counts the others as skipped, and passes the cursor on', async () => {
    const { clients, list } = registry([
      {
        items: [
          record('a', 'active'),
          record('b', 'failed'),
          record('c', 'provisioning'),
          record('d', 'deprovisioned'),
          record('e', 'deprovisioning'),
        ],
        cursor: '1',
      },
      { items: [record('f', 'active')] },
    ]);
    const run = runSettings({}, 'now');
    expect(await listPage(run, undefined, clients, 5)).toEqual({
      tenants: [ref('a'), ref('b')],
      skipped: 3,
      cursor: '1',
    });
    // Only what the names come from: not the records' reports and step history.
    expect(list).toHaveBeenLastCalledWith({ limit: 5, paths: LISTED_PATHS });
    expect(LISTED_PATHS).not.toContain('spec');
    expect(await listPage(run, '1', clients, 5)).toEqual({ tenants: [ref('f')], skipped: 0 });
    expect(list).toHaveBeenLastCalledWith({ limit: 5, paths: LISTED_PATHS, cursor: '1' });
  });

  it('lists only the tenant the run names, without scanning', async () => {
    const { clients, list } = registry([], { acme: record('acme', 'active') });
    expect(await listPage(runSettings({ tenantId: 'acme' }, 'now'), undefined, clients)).toEqual({
      tenants: [ref('acme')],
      skipped: 0,
    });
    expect(await listPage(runSettings({ tenantId: 'nobody' }, 'now'), undefined, clients)).toEqual({
      tenants: [],
      skipped: 1,
    });
    expect(list).not.toHaveBeenCalled();
  });

  it('starts a run with empty totals', async () => {
    const { clients } = registry([{ items: [record('a', 'active')] }]);
    expect(await start({ repair: true }, 't0', clients)).toEqual({
      run: { repair: true, tenantId: null, startedAt: 't0' },
      page: { tenants: [ref('a')], skipped: 0, number: 1 },
      totals: expect.objectContaining({ tenants: 0, attention: [] }),
    });
  });
});
