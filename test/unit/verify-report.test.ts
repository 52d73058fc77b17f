// What a verification run tells the world: an event per state change (from its item), EMF metrics, totals,
// and EventBridge delivery in batches with the failed entries sent again.
import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '#lib/errors.ts';
import { noTotals, type RunSettings } from '../../functions/list-tenants/core.ts';
import {
  type ItemResult,
  reportChange,
  reportPage,
  summarize,
  type TenantChange,
} from '../../functions/report-verification/core.ts';
import { eventBridgeSink, memoryEventSink } from '../../functions/report-verification/events.ts';
import { type EmfDocument, emfDocument } from '../../functions/report-verification/metrics.ts';

const run: RunSettings = { repair: false, tenantId: null, startedAt: '2026-01-01T00:00:00.000Z' };
const at = new Date('2026-01-01T00:00:30.000Z');

function summary(tenantId: string, overrides: Partial<ItemResult> = {}): ItemResult {
  return {
    tenantId,
    state: 'verified',
    changed: false,
    durationMs: 300,
    reasons: [],
    repairAttempted: false,
    ...overrides,
  };
}

function change(tenantId: string, overrides: Partial<TenantChange> = {}): TenantChange {
  return {
    tenantId,
    state: 'verified',
    previousState: 'verified',
    changed: false,
    failing: [],
    ...overrides,
  };
}

function deps() {
  const events = memoryEventSink();
  const metrics: EmfDocument[] = [];
  return {
    events,
    metrics,
    deps: {
      events,
      metrics: (d: EmfDocument) => metrics.push(d),
      namespace: 'NS',
      service: 'svc',
      now: () => at,
    },
  };
}

describe('reportChange', () => {
  it('puts one event for a tenant whose state changed, with the new state as its detail type', async () => {
    const { events, deps: d } = deps();
    const changes = [
      change('new', { previousState: 'unknown', changed: true }),
      change('drift', {
        state: 'drifted',
        changed: true,
        failing: [{ check: 'ensure-application', reason: 'APPLICATION_CHANGED', repairable: true }],
      }),
      change('down', {
        state: 'broken',
        changed: true,
        failing: [{ check: 'test-user', reason: 'USER_DISABLED', repairable: true }],
      }),
    ];
    for (const c of changes) {
      expect(await reportChange({ change: c, execution: 'arn:execution' }, d)).toEqual({ sent: true });
    }
    expect(events.events.map((e) => [e.detailType, e.detail.tenantId])).toEqual([
      ['Federation Verified', 'new'],
      ['Federation Drift Detected', 'drift'],
      ['Federation Broken', 'down'],
    ]);
    expect(events.events[2]?.detail).toEqual({
      tenantId: 'down',
      state: 'broken',
      previousState: 'verified',
      failing: [{ check: 'test-user', reason: 'USER_DISABLED' }],
      execution: 'arn:execution',
      checkedAt: at.toISOString(),
    });
  });

  it('puts nothing for a tenant whose state did not change, or whose verification could not run', async () => {
    const { events, deps: d } = deps();
    expect(await reportChange({ change: change('same'), execution: 'x' }, d)).toEqual({ sent: false });
    const error = change('lost', { state: 'error', changed: true });
    expect(await reportChange({ change: error, execution: 'x' }, d)).toEqual({ sent: false });
    expect(events.events).toEqual([]);
  });

  it('tells what a repair fixed', async () => {
    const { events, deps: d } = deps();
    const repair = { provisioning: 'SUCCEEDED' as const, cause: null, fixed: ['test-user'], remaining: [] };
    await reportChange(
      { change: change('fixed', { changed: true, previousState: 'broken', repair }), execution: 'x' },
      d,
    );
    expect(events.events[0]?.detail.repair).toEqual({ provisioning: 'SUCCEEDED', fixed: ['test-user'] });
  });
});

describe('reportPage', () => {
  it('counts the states and the changes, and keeps the tenants to look at', async () => {
    const { events, deps: d } = deps();
    const totals = await reportPage(
      {
        run,
        totals: noTotals(),
        results: [
          summary('same'),
          summary('new', { changed: true }),
          summary('drift', { state: 'drifted', changed: true, reasons: ['APPLICATION_CHANGED'] }),
          summary('down', { state: 'broken', changed: true, reasons: ['USER_DISABLED'] }),
          summary('lost', { state: 'error' }),
        ],
      },
      d,
    );
    // The items sent the events; the page only counts them.
    expect(events.events).toEqual([]);
    expect(totals).toMatchObject({
      tenants: 5,
      verified: 2,
      drifted: 1,
      broken: 1,
      errors: 1,
      changed: 3,
      events: 3,
      attention: ['drift', 'down', 'lost'],
    });
  });

  it('emits the counts, the durations and the failing checks by reason code as EMF', async () => {
    const { metrics, deps: d } = deps();
    await reportPage(
      {
        run,
        totals: noTotals(),
        results: [
          summary('a', { durationMs: 200 }),
          summary('b', {
            state: 'broken',
            durationMs: 400,
            reasons: ['USER_DISABLED', 'USER_DISABLED'],
            repairAttempted: true,
          }),
        ],
      },
      d,
    );
    expect(metrics[0]).toMatchObject({
      Service: 'svc',
      TenantsVerified: 1,
      TenantsBroken: 1,
      RepairsAttempted: 1,
      RepairsSucceeded: 0,
      VerificationDuration: [200, 400],
    });
    expect(metrics[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'NS',
      Dimensions: [['Service']],
    });
    expect(metrics[1]).toMatchObject({ Service: 'svc', Reason: 'USER_DISABLED', FailingChecks: 2 });
    expect(metrics[1]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Service', 'Reason']]);
  });

  it('adds to the totals of the pages before, and keeps at most 50 tenants to look at', async () => {
    const { deps: d } = deps();
    const before = {
      ...noTotals(),
      tenants: 100,
      broken: 49,
      attention: Array.from({ length: 49 }, (_, i) => `t${i}`),
    };
    const totals = await reportPage(
      {
        run,
        totals: before,
        results: [summary('u', { state: 'broken' }), summary('v', { state: 'broken' })],
      },
      d,
    );
    expect(totals.tenants).toBe(102);
    expect(totals.broken).toBe(51);
    expect(totals.attention).toHaveLength(50);
    expect(totals.attention.at(-1)).toBe('u');
  });
});

describe('summarize', () => {
  it('closes the run with its duration', () => {
    const { metrics, deps: d } = deps();
    const summary = summarize({ run: { ...run, repair: true }, totals: { ...noTotals(), tenants: 3 } }, d);
    expect(summary).toMatchObject({
      tenants: 3,
      repair: true,
      durationMs: 30_000,
      finishedAt: at.toISOString(),
    });
    expect(metrics[0]).toMatchObject({ VerificationRunDuration: 30_000 });
  });
});

describe('eventBridgeSink', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ detailType: 'Federation Broken', detail: { i } }));

  it('puts at most 10 entries a call, on the bus and with the source it was given', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [], FailedEntryCount: 0 });
    await eventBridgeSink(new EventBridgeClient({ region: 'eu-west-1' }), {
      busName: 'bus',
      source: 'src',
    }).put(many(23));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toEqual({
      EventBusName: 'bus',
      Source: 'src',
      DetailType: 'Federation Broken',
      Detail: '{"i":0}',
    });
  });

  it('sends the entries EventBridge refused again, and gives up with a TransientError', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        Entries: [{ EventId: '1' }, { ErrorCode: 'ThrottlingException' }],
        FailedEntryCount: 1,
      })
      .resolves({ Entries: [{ EventId: '2' }], FailedEntryCount: 0 });
    const sink = eventBridgeSink(new EventBridgeClient({ region: 'eu-west-1' }), {
      busName: 'b',
      source: 's',
    });
    await sink.put(many(2));
    const second = eventBridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries;
    expect(second?.map((e) => e.Detail)).toEqual(['{"i":1}']);

    eventBridge.reset();
    eventBridge
      .on(PutEventsCommand)
      .resolves({ Entries: [{ ErrorCode: 'InternalFailure' }], FailedEntryCount: 1 });
    await expect(sink.put(many(1))).rejects.toBeInstanceOf(TransientError);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });
});

describe('emfDocument', () => {
  it('is the Embedded Metric Format: metadata under _aws, values at the top level', () => {
    expect(emfDocument('NS', { Service: 's' }, [{ name: 'M', unit: 'Count', value: 2 }], 5)).toEqual({
      _aws: {
        Timestamp: 5,
        CloudWatchMetrics: [
          { Namespace: 'NS', Dimensions: [['Service']], Metrics: [{ Name: 'M', Unit: 'Count' }] },
        ],
      },
      Service: 's',
      M: 2,
    });
  });
});
