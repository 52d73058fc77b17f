import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { stepFunctions } from '../../functions/catalog.ts';
import { placeholdersOf, readDefinition, type StateMachineName } from '../../local/runner.ts';

const machines = readdirSync('statemachine')
  .filter((file) => file.endsWith('.asl.json'))
  .map((file) => file.replace('.asl.json', '') as StateMachineName);

type State = { Type: string; Retry?: { ErrorEquals: string[] }[]; Catch?: { ErrorEquals: string[] }[] };

describe.each(machines)('%s.asl.json', (name) => {
  const definition = readDefinition(name);
  const states = Object.entries(definition.States) as [string, State][];

  it('is valid ASL', () => {
    const text = readFileSync(join('statemachine', `${name}.asl.json`), 'utf8');
    // Placeholders stand where CDK puts ARNs; give the validator a real-looking ARN in their place.
    const substituted = JSON.parse(
      text.replace(/\$\{(\w+)\}/g, 'arn:aws:lambda:us-east-1:123456789012:function:$1'),
    );
    const { isValid, errors } = aslValidator(substituted);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('uses JSONPath, not JSONata (the local runner ignores JSONata)', () => {
    expect((definition as { QueryLanguage?: string }).QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [, state] of states)
      expect((state as { QueryLanguage?: string }).QueryLanguage).toBeUndefined();
  });

  it('maps every placeholder to a function of the catalog that has a handler', () => {
    const known = new Map<string, string>(stepFunctions.map((f) => [f.placeholder, f.name]));
    for (const placeholder of placeholdersOf(definition)) {
      const fn = known.get(placeholder);
      expect(fn, placeholder).toBeDefined();
      expect(existsSync(join('functions', fn as string, 'handler.ts')), `${fn}/handler.ts`).toBe(true);
    }
  });

  it('retries only transient and Lambda service errors, never a blanket error', () => {
    const retryable = new Set([
      'TransientError',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
      // Starting an execution while the account runs its most (developer guide, "Start a new AWS
      // Step Functions state machine from a running execution": the example's Retry).
      'StepFunctions.ExecutionLimitExceeded',
    ]);
    for (const [stateName, state] of states.filter(([, s]) => s.Type === 'Task')) {
      const names = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(names.length, `${stateName} has retries`).toBeGreaterThan(0);
      for (const errorName of names)
        expect(retryable.has(errorName), `${stateName}: ${errorName}`).toBe(true);
      for (const retry of state.Retry ?? []) {
        expect(retry).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number) });
      }
    }
  });
});

it('every function of the catalog is used by some state machine', () => {
  const used = new Set(machines.flatMap((name) => placeholdersOf(readDefinition(name))));
  for (const fn of stepFunctions) expect(used.has(fn.placeholder), fn.name).toBe(true);
});
