// A plan's reads are tried again when they fail for a passing reason (a throttled Cognito read),
// and only then; what is wrong with the spec or the token ends the plan at once.
import { describe, expect, it } from 'vitest';
import { AuthentikAuthError, TransientError } from '#lib/errors.ts';
import { retried } from '#lib/plan/plan.ts';

function failing(times: number, error: () => Error) {
  let calls = 0;
  return {
    read: async () => {
      calls += 1;
      if (calls <= times) throw error();
      return 'answer';
    },
    calls: () => calls,
  };
}

describe('a plan read', () => {
  it('is tried again after a throttled answer, and answers once Cognito does', async () => {
    const read = failing(3, () => new TransientError('Rate exceeded'));
    await expect(retried(read.read, 1)).resolves.toBe('answer');
    expect(read.calls()).toBe(4);
  });

  it('gives up after five attempts, with the last error', async () => {
    const read = failing(10, () => new TransientError('Rate exceeded'));
    await expect(retried(read.read, 1)).rejects.toThrow('Rate exceeded');
    expect(read.calls()).toBe(5);
  });

  it('is not tried again when the failure will not pass', async () => {
    const read = failing(10, () => new AuthentikAuthError('the token was refused'));
    await expect(retried(read.read, 1)).rejects.toBeInstanceOf(AuthentikAuthError);
    expect(read.calls()).toBe(1);
  });
});
