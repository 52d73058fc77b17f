// The local runner ends an execution as Step Functions would when it crosses the history quota
// (25,000 events) or the payload quota (256 KiB), and counts history events as Step Functions
// records them. Tiny synthetic machines, run in-process.
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { HISTORY_EVENTS_QUOTA, PAYLOAD_BYTES_QUOTA } from '#local/execution-limits.ts';
import { runDefinition } from '#local/runner.ts';

/** A Map over `items` whose iterations are one Pass state: 4 history events each, 6 around them. */
function mapOfPasses(): StateMachineDefinition {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Nothing',
          States: { Nothing: { Type: 'Pass', Result: 1, End: true } },
        },
        ResultPath: null,
        End: true,
      },
    },
  } as unknown as StateMachineDefinition;
}

// An ASL placeholder, as the deployed definitions name their functions.
const WORK = ['$', '{WorkFunctionArn}'].join('');

const items = (n: number) => ({ items: Array.from({ length: n }, (_, i) => i) });

describe('the history quota', () => {
  it('counts a Map iteration as Step Functions records it, and lets a history of 25,000 events through', async () => {
    // ExecutionStarted, MapStateEntered, MapStateStarted, 4 per item, MapStateSucceeded,
    // MapStateExited, ExecutionSucceeded.
    const n = (HISTORY_EVENTS_QUOTA - 6) / 4 - 0.5;
    const result = await runDefinition('limits', mapOfPasses(), items(Math.floor(n)), { handlers: {} });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.historyEvents).toBe(Math.floor(n) * 4 + 6);
    expect(result.historyEvents).toBeLessThanOrEqual(HISTORY_EVENTS_QUOTA);
  }, 60_000);

  it('fails the execution once its history passes 25,000 events, naming the quota', async () => {
    const result = await runDefinition('limits', mapOfPasses(), items(6_250), { handlers: {} });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toMatch(/over the quota of 25000 events per execution/);
  }, 60_000);

  it('counts a Lambda task with its retries: 3 events per failed attempt, as the history shows them', async () => {
    let calls = 0;
    const definition = {
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: WORK,
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3, IntervalSeconds: 1 }],
          End: true,
        },
      },
    } as unknown as StateMachineDefinition;
    const handlers = {
      WorkFunctionArn: async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return { done: true };
      },
    };
    const result = await runDefinition('limits', definition, {}, { handlers, retryIntervalMs: 1 });
    expect(result.status).toBe('SUCCEEDED');
    // ExecutionStarted; TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted; twice
    // LambdaFunctionFailed, LambdaFunctionScheduled, LambdaFunctionStarted; LambdaFunctionSucceeded,
    // TaskStateExited; ExecutionSucceeded.
    expect(result.historyEvents).toBe(1 + 3 + 2 * 3 + 2 + 1);
  });
});

describe('the payload quota', () => {
  const passing = (bytes: number) =>
    ({
      StartAt: 'Big',
      States: { Big: { Type: 'Pass', Result: 'x'.repeat(bytes), End: true } },
    }) as unknown as StateMachineDefinition;

  it('lets a state output of 256 KiB through', async () => {
    // The JSON string's two quotes count.
    const result = await runDefinition('limits', passing(PAYLOAD_BYTES_QUOTA - 2), {}, { handlers: {} });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.largestPayloadBytes).toBe(PAYLOAD_BYTES_QUOTA);
  });

  it('fails with States.DataLimitExceeded one byte over, naming the state', async () => {
    const result = await runDefinition('limits', passing(PAYLOAD_BYTES_QUOTA - 1), {}, { handlers: {} });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
    expect(result.cause).toMatch(/the output of state "Big" is 262145 bytes/);
  });

  it('is terminal: a Catch of States.ALL does not turn it into a success', async () => {
    const definition = {
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: WORK,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    } as unknown as StateMachineDefinition;
    const handlers = { WorkFunctionArn: async () => ({ blob: 'y'.repeat(PAYLOAD_BYTES_QUOTA) }) };
    const result = await runDefinition('limits', definition, {}, { handlers });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
  });

  it('refuses an execution input over the quota before any state runs', async () => {
    const result = await runDefinition(
      'limits',
      passing(1),
      { blob: 'z'.repeat(PAYLOAD_BYTES_QUOTA) },
      {
        handlers: {},
      },
    );
    expect(result.error).toBe('States.DataLimitExceeded');
    expect(result.cause).toMatch(/the execution input/);
  });
});
