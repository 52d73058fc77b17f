// What a verification run tells the world: an event per state change (from its item), metrics (as
// Powertools writes them on Lambda: EMF lines on stdout), totals, and EventBridge delivery in batches
// with the failed entries sent again.
import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '#lib/errors.ts';
import { type EmfDocument, emit, lambdaMetrics, METRIC } from '#lib/metrics.ts';
import { noTotals, type RunSettings } from '../../functions/list-tenants/core.ts';
import { reportChange, reportPage, summarize } from '../../functions/report-verification/core.ts';
import { eventBridgeSink, memoryEventSink } from '../../functions/report-verification/events.ts';
import { tenantChange as change, itemResult as summary } from '../support/fake-verification.ts';

// Recent enough for CloudWatch (Powertools refuses timestamps older than 14 days).
const at = new Date(Math.floor(Date.now() / 1000) * 1000);
const run: RunSettings = {
  repair: false,
  tenantId: null,
  startedAt: new Date(at.getTime() - 30_000).toISOString(),
};

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * A Lambda's metrics (Powertools, namespace NS) and the EMF documents it writes on stdout, parsed
 * line by line as CloudWatch Logs would read them. Other output passes through.
 */
function stdoutMetrics() {
  const documents: EmfDocument[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: never[]) => {
    const text = String(chunk);
    if (!text.startsWith('{"_aws"')) return write(chunk as string, ...rest);
    for (const line of text.split('\n').filter(Boolean)) documents.push(JSON.parse(line) as EmfDocument);
    return true;
  }) as typeof process.stdout.write);
  return { metrics: lambdaMetrics('NS'), documents };
}

function deps() {
  const events = memoryEventSink();
  const { metrics, documents } = stdoutMetrics();
  return { events, metrics: documents, deps: { events, metrics, now: () => at } };
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

  it('writes the counts, the durations and the failing checks by reason code as EMF lines', async () => {
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
    expect(metrics).toHaveLength(2);
    expect(metrics[0]).toMatchObject({
      service: 'authentik-cognito-federation',
      TenantsVerified: 1,
      TenantsBroken: 1,
      RepairsAttempted: 1,
      RepairsSucceeded: 0,
      VerificationDuration: [200, 400],
    });
    expect(metrics[0]?._aws.Timestamp).toBe(at.getTime());
    expect(metrics[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'NS',
      Dimensions: [['service']],
    });
    expect(metrics[0]?._aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({
      Name: 'VerificationDuration',
      Unit: 'Milliseconds',
    });
    expect(metrics[1]).toMatchObject({ Reason: 'USER_DISABLED', FailingChecks: 2 });
    expect(metrics[1]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'Reason']]);
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
  it('closes the run with its duration and the tenants in each state', () => {
    const { metrics, deps: d } = deps();
    const totals = { ...noTotals(), tenants: 3, verified: 2, broken: 1 };
    const summary = summarize({ run: { ...run, repair: true }, totals }, d);
    expect(summary).toMatchObject({
      tenants: 3,
      repair: true,
      durationMs: 30_000,
      finishedAt: at.toISOString(),
    });
    expect(metrics[0]).toMatchObject({ VerificationRunDuration: 30_000, TenantsSkipped: 0 });
    const gauge = Object.fromEntries(
      metrics.filter((m) => 'Tenants' in m).map((m) => [m.State, m.Tenants] as const),
    );
    expect(gauge).toEqual({ verified: 2, drifted: 0, broken: 1, error: 0 });
    expect(metrics[1]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'State']]);
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

describe('emit', () => {
  it('writes one EMF line: metadata under _aws, the values and dimensions at the top level', () => {
    const { metrics, documents } = stdoutMetrics();
    emit(metrics, { Step: 'ensure-group' }, [{ name: METRIC.stepSucceeded, unit: 'Count', value: 2 }], at);
    expect(documents).toEqual([
      {
        _aws: {
          Timestamp: at.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'NS',
              Dimensions: [['service', 'Step']],
              Metrics: [{ Name: 'StepSucceeded', Unit: 'Count' }],
            },
          ],
        },
        service: 'authentik-cognito-federation',
        Step: 'ensure-group',
        StepSucceeded: 2,
      },
    ]);
  });

  it('splits more than 100 values of a metric over documents that all keep the dimensions', () => {
    const { metrics, documents } = stdoutMetrics();
    const values = Array.from({ length: 230 }, (_, i) => i);
    emit(
      metrics,
      { Reason: 'R' },
      [{ name: METRIC.verificationDuration, unit: 'Milliseconds', value: values }],
      at,
    );
    expect(documents.map((d) => (d.VerificationDuration as number[]).length)).toEqual([100, 100, 30]);
    expect(documents.every((d) => d.Reason === 'R')).toBe(true);
    expect(documents.flatMap((d) => d.VerificationDuration as number[])).toEqual(values);
    expect(documents.map((d) => d._aws.Timestamp)).toEqual([at.getTime(), at.getTime(), at.getTime()]);
  });
});
