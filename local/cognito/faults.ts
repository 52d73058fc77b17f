// Transient failures on demand, so tests can prove that the workflow retries what Cognito may
// answer on a bad day: an internal error (500), throttling, or a connection dropped mid-request.

export type CognitoFaultKind = 'InternalErrorException' | 'TooManyRequestsException' | 'reset';

export interface CognitoFaults {
  /** Share of the matching requests that fail, 0..1. */
  rate: number;
  /** What the failures look like, used in turn (default: InternalErrorException only). */
  kinds?: CognitoFaultKind[];
  /** Only these operations fail (default: every Cognito operation). */
  operations?: string[];
  /** Stop failing after this many faults (e.g. `{ rate: 1, maxFaults: 2 }`: the next two fail). */
  maxFaults?: number;
}

/**
 * Decides, request by request, whether to inject a fault. Deterministic rather than random: it
 * accumulates `rate` per matching request and fails one whenever the sum reaches 1, so exactly
 * floor(n × rate) of n matching requests fail (rate 0.5: the 2nd, 4th, …), and kinds rotate.
 */
export class FaultInjector {
  private readonly faults: CognitoFaults | undefined;
  private credit = 0;
  private injected = 0;

  constructor(faults: CognitoFaults | undefined) {
    if (faults && !(faults.rate >= 0 && faults.rate <= 1)) {
      throw new RangeError(`fault rate must be within 0..1, got ${faults.rate}`);
    }
    this.faults = faults;
  }

  /** The fault to answer this request with, if any. */
  next(operation: string): CognitoFaultKind | undefined {
    const faults = this.faults;
    if (!faults || faults.rate === 0) return undefined;
    if (faults.operations && !faults.operations.includes(operation)) return undefined;
    if (faults.maxFaults !== undefined && this.injected >= faults.maxFaults) return undefined;
    this.credit += faults.rate;
    // A small tolerance keeps rates like 0.1 from drifting below 1 after ten additions.
    if (this.credit < 1 - 1e-9) return undefined;
    this.credit -= 1;
    const kinds = faults.kinds?.length ? faults.kinds : (['InternalErrorException'] as const);
    const kind = kinds[this.injected % kinds.length];
    this.injected++;
    return kind;
  }
}
