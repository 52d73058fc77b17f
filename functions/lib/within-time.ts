// A deadline for a request and the reading of its answer.

/**
 * Runs `work` and rejects with a TimeoutError after `ms`, aborting its signal. The deadline is a
 * timer of our own, not just AbortSignal.timeout: a Request follows its signal through weak
 * references, and when a garbage collection drops the link the abort never arrives and the call
 * waits for ever (reproduced on Node 20 with a collection between the request and its timeout).
 */
export async function withinTime<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`timed out after ${ms} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
