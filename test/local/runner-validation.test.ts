// The local runner validates each definition as aws-local-stepfunctions would, but each text once per
// install (local/asl-validation.ts): an invalid definition is refused every time it is run, and a
// valid one is remembered by its exact text.
import { randomUUID } from 'node:crypto';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { isKnownValid } from '#local/asl-validation.ts';
import { runDefinition } from '#local/runner.ts';

// A comment no other run has used, so the text is new to the cache of this install.
const passing = (comment: string) =>
  ({
    Comment: comment,
    StartAt: 'Done',
    States: { Done: { Type: 'Pass', End: true } },
  }) as unknown as StateMachineDefinition;

describe('definition validation', () => {
  it('refuses an invalid definition on every run, not only the first', async () => {
    const invalid = {
      Comment: randomUUID(),
      StartAt: 'Start',
      States: { Start: { Type: 'Pass', Next: 'Nowhere' } },
    } as unknown as StateMachineDefinition;
    await expect(runDefinition('invalid', invalid, {}, { handlers: {} })).rejects.toThrow(/Nowhere|valid/i);
    expect(isKnownValid(JSON.stringify(invalid))).toBe(false);
    await expect(runDefinition('invalid', invalid, {}, { handlers: {} })).rejects.toThrow(/Nowhere|valid/i);
  });

  it('remembers a valid definition by its exact text', async () => {
    const comment = randomUUID();
    const definition = passing(comment);
    expect(isKnownValid(JSON.stringify(definition))).toBe(false);
    const result = await runDefinition('valid', definition, {}, { handlers: {} });
    expect(result.status).toBe('SUCCEEDED');
    expect(isKnownValid(JSON.stringify(passing(comment)))).toBe(true);
    expect(isKnownValid(JSON.stringify(passing(`${comment}.`)))).toBe(false);
  });
});
