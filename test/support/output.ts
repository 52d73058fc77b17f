// What a piece of work writes: for the tests that search every line of output for a secret.
import { vi } from 'vitest';

/** Every line written to stdout/stderr or the console while `work` runs. */
export async function capturingOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const keep = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep as typeof process.stderr.write);
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
    });
  }
  try {
    return { result: await work(), output: chunks.join('\n') };
  } finally {
    vi.restoreAllMocks();
  }
}
