import { execFile } from 'node:child_process';

// Every benchmark prints its figures the same way, one per line, so `npm run bench` output can be
// read by people and grepped by scripts: `name: value unit`.
export function printFigure(name: string, value: number, unit: string): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  process.stdout.write(`${name}: ${shown} ${unit}\n`);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export interface ReferenceLoops {
  /** One fixed loop in a fresh Node process (ms). */
  one: number;
  /** Two of them at once, in two processes (ms): the two cores together, as a test run uses them. */
  two: number;
}

const LOOP =
  'let x=0;const t=performance.now();for(let i=0;i<5e8;i++)x+=i%7;console.log(performance.now()-t)';

function loop(): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', LOOP], (error, stdout) =>
      error ? reject(error) : resolve(Number(stdout)),
    );
  });
}

/**
 * How fast the machine is now. The same 2-core machine runs the same work 10-40% faster or slower
 * from one hour to the next, so a bench prints these beside its
 * figures: a figure is only comparable with another taken at a like reference.
 */
export async function referenceLoops(): Promise<ReferenceLoops> {
  const one = await loop();
  const two = Math.max(...(await Promise.all([loop(), loop()])));
  return { one, two };
}

export function printReferenceLoops(when: string, loops: ReferenceLoops): void {
  printFigure(`reference loop ${when} (one process)`, loops.one, 'ms');
  printFigure(`reference loop ${when} (two at once)`, loops.two, 'ms');
}
