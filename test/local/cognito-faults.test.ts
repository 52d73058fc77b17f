import { describe, expect, it } from 'vitest';
import { FaultInjector } from '#local/cognito/faults.ts';

const run = (injector: FaultInjector, count: number, operation = 'DescribeIdentityProvider') =>
  Array.from({ length: count }, () => injector.next(operation));

describe('FaultInjector', () => {
  it('injects nothing without faults or at rate 0', () => {
    expect(run(new FaultInjector(undefined), 10).filter(Boolean)).toHaveLength(0);
    expect(run(new FaultInjector({ rate: 0 }), 10).filter(Boolean)).toHaveLength(0);
  });

  it('fails exactly floor(n × rate) of n requests, deterministically', () => {
    for (const rate of [0.1, 0.25, 0.3, 0.5, 1]) {
      const faults = run(new FaultInjector({ rate }), 100);
      expect(faults.filter(Boolean)).toHaveLength(Math.floor(100 * rate + 1e-9));
      expect(run(new FaultInjector({ rate }), 100)).toEqual(faults);
    }
  });

  it('rotates through the kinds', () => {
    const faults = run(new FaultInjector({ rate: 1, kinds: ['reset', 'TooManyRequestsException'] }), 4);
    expect(faults).toEqual(['reset', 'TooManyRequestsException', 'reset', 'TooManyRequestsException']);
  });

  it('defaults to internal errors', () => {
    expect(run(new FaultInjector({ rate: 1 }), 1)).toEqual(['InternalErrorException']);
  });

  it('only touches the operations named, and stops after maxFaults', () => {
    const injector = new FaultInjector({ rate: 1, operations: ['UpdateUserPoolClient'], maxFaults: 2 });
    expect(injector.next('DescribeUserPoolClient')).toBeUndefined();
    expect(run(injector, 4, 'UpdateUserPoolClient')).toEqual([
      'InternalErrorException',
      'InternalErrorException',
      undefined,
      undefined,
    ]);
  });

  it('refuses a rate outside 0..1', () => {
    expect(() => new FaultInjector({ rate: 2 })).toThrow(RangeError);
  });
});
