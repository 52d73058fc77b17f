// One way to try a call again when it failed for a passing reason (a TransientError: a throttle, a
// 5xx, a dropped connection): full-jitter exponential backoff, a few attempts, then the last error.
// Anything else fails at once. Longer outages are the state machine's Retry's job.
import { TransientError } from './errors.ts';

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** The backoff ceiling after the first failure, doubling after each. */
  baseMs: number;
  /** The most any one wait may be. */
  capMs?: number;
}

export async function retryTransient<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, options.attempts);
  const capMs = options.capMs ?? 2_000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= attempts) throw error;
      const ceiling = Math.min(capMs, options.baseMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
