// The verification machine's first state and its pagination: reads what the run was asked to do
// (from any input: `{}`, `{ "repair": true }`, the API's `{ "tenantId": … }`, or the event an
// EventBridge schedule sends), and lists the tenants to verify from the registry, a page at a time,
// so the Map's results stay far below Step Functions' 256 KB payload limit whatever the tenant count.
import type { TenantRegistry, TenantStatus } from '#lib/registry.ts';
import { cognitoNamesOf } from '#lib/verification/target.ts';

/**
 * Tenants per page: 14 rounds of the Map's 15 slots. The Map's state holds each tenant's reference
 * (at most ~320 bytes with the longest ids) and its item's summary (at most ~840 bytes, with all
 * 24 checks failing under the longest reason codes): 210 × 1.16 KB ≈ 244 KB in the worst case,
 * below Step Functions' 256 KB payload limit; ~45 KB when every tenant verifies. Fewer, larger
 * pages matter: at each page's end the Map drains and the next page is listed, which leaves the
 * read quota unused for about a second.
 */
export const PAGE_SIZE = 210;

/** A provisioned tenant, or one whose provisioning failed (verifying it says what is broken). */
const VERIFIABLE: ReadonlySet<TenantStatus> = new Set(['active', 'failed']);

export interface RunSettings {
  /** Re-run provisioning for tenants with a repairable failure, then verify them again. */
  repair: boolean;
  /** Verify only this tenant (the API's POST /tenants/{id}/verify). */
  tenantId: string | null;
  startedAt: string;
}

/**
 * A tenant to verify, with the Cognito names its verification reads (from its record): it sends
 * those reads first, while it loads the rest of the record, which keeps each Map slot's period
 * close to the pace.
 */
export interface TenantRef {
  tenantId: string;
  userPoolId: string | null;
  appClientId: string | null;
  identityProviderName: string;
}

export interface TenantPage {
  tenants: TenantRef[];
  /** The page's number within this execution (1 for its first): what bounds its history. */
  number?: number;
  /** Tenants of this page not verified: provisioning, deprovisioning or deprovisioned. */
  skipped: number;
  /** Present while more pages follow. */
  cursor?: string;
}

/** What every page's report adds up; carried through the run as the machine's state. */
export interface Totals {
  tenants: number;
  verified: number;
  drifted: number;
  broken: number;
  errors: number;
  changed: number;
  repairsAttempted: number;
  repaired: number;
  events: number;
  skipped: number;
  /** Tenants left drifted, broken or unverifiable (the first 50). */
  attention: string[];
}

export function noTotals(): Totals {
  return {
    tenants: 0,
    verified: 0,
    drifted: 0,
    broken: 0,
    errors: 0,
    changed: 0,
    repairsAttempted: 0,
    repaired: 0,
    events: 0,
    skipped: 0,
    attention: [],
  };
}

export interface ListClients {
  registry: Pick<TenantRegistry, 'get' | 'list'>;
}

/**
 * What a listing reads of each record: its status and Cognito names, not its spec and reports
 * (moto's answer for 210 whole records took a second locally, and on AWS it is bytes for nothing).
 */
export const LISTED_PATHS = [
  'tenantId',
  'status',
  'resources.userPoolId',
  'resources.appClientId',
  'resources.identityProviderName',
  'spec.cognito.userPoolId',
  'spec.cognito.appClientId',
  'spec.cognito.identityProviderName',
] as const;

interface ListedRecord {
  tenantId: string;
  status: TenantStatus;
  spec?: Parameters<typeof cognitoNamesOf>[0];
  resources?: Parameters<typeof cognitoNamesOf>[1];
}

/** The run's settings from whatever the execution was started with; unknown fields are ignored. */
export function runSettings(input: unknown, startedAt: string): RunSettings {
  const fields = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const tenantId = typeof fields.tenantId === 'string' && fields.tenantId !== '' ? fields.tenantId : null;
  return { repair: fields.repair === true, tenantId, startedAt };
}

function refOf(record: ListedRecord): TenantRef {
  const names = cognitoNamesOf(record.spec, record.resources);
  return {
    tenantId: record.tenantId,
    userPoolId: names.userPoolId ?? null,
    appClientId: names.appClientId ?? null,
    // Always set on a parsed spec; were it missing, the verification would skip the early read.
    identityProviderName: names.identityProviderName ?? '',
  };
}

function pageOf(items: readonly ListedRecord[], cursor: string | undefined): TenantPage {
  const verifiable = items.filter((item) => VERIFIABLE.has(item.status));
  return {
    tenants: verifiable.map(refOf),
    skipped: items.length - verifiable.length,
    ...(cursor ? { cursor } : {}),
  };
}

export async function listPage(
  run: RunSettings,
  cursor: string | undefined,
  clients: ListClients,
  pageSize = PAGE_SIZE,
): Promise<TenantPage> {
  if (run.tenantId !== null) {
    const record = await clients.registry.get(run.tenantId);
    return record ? pageOf([record], undefined) : { tenants: [], skipped: 1 };
  }
  const page = await clients.registry.list({
    limit: pageSize,
    paths: LISTED_PATHS,
    ...(cursor ? { cursor } : {}),
  });
  return pageOf(page.items as ListedRecord[], page.cursor);
}

/** What an execution hands the next when it continues the run (see PAGES_PER_EXECUTION). */
export interface Continuation {
  run: RunSettings;
  totals: Totals;
  cursor: string;
}

/**
 * Pages one execution of the verification machine verifies before it continues the run in a new
 * execution of itself: each page costs the machine 13 history events (its page execution's Task,
 * the Choice, the next listing), so an execution stays near 2,700 events whatever the tenant count,
 * far below Step Functions' 25,000. The statemachine's "More tenants?" Choice holds the same number.
 */
export const PAGES_PER_EXECUTION = 200;

function continuationOf(input: unknown): Continuation | undefined {
  const continued = (input as { continued?: Partial<Continuation> } | null)?.continued;
  if (!continued || typeof continued.cursor !== 'string' || !continued.run || !continued.totals) {
    return undefined;
  }
  return { run: continued.run, totals: continued.totals, cursor: continued.cursor };
}

/** Tenants not verified on a page are counted as the pages are listed. */
const withSkipped = (totals: Totals, page: TenantPage): Totals => ({
  ...totals,
  skipped: totals.skipped + page.skipped,
});

export async function start(
  input: unknown,
  startedAt: string,
  clients: ListClients,
): Promise<{ run: RunSettings; page: TenantPage; totals: Totals }> {
  // A run continued from an execution that reached PAGES_PER_EXECUTION: its settings and totals.
  const continued = continuationOf(input);
  const run = continued?.run ?? runSettings(input, startedAt);
  const page = { ...(await listPage(run, continued?.cursor, clients)), number: 1 };
  return { run, page, totals: withSkipped(continued?.totals ?? noTotals(), page) };
}

/** The page after `cursor`, numbered after the last, with the run's totals carried. */
export async function next(
  event: { run: RunSettings; cursor?: string; number?: number; totals: Totals },
  clients: ListClients,
): Promise<{ run: RunSettings; page: TenantPage; totals: Totals }> {
  const page = { ...(await listPage(event.run, event.cursor, clients)), number: (event.number ?? 0) + 1 };
  return { run: event.run, page, totals: withSkipped(event.totals, page) };
}
