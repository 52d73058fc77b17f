// How long `npm test` takes: its wall time end to end (typecheck, lint, every test), and per kind of
// test (test/<kind>/) the wall time between its first file starting and its last file ending, with
// the summed durations of its files (the work, whatever ran beside it). Run on an idle machine: the figure is
// the one the README quotes.
//
// The suite is CPU-bound on a 2-core machine, and the same machine runs the same work 10-40% slower
// or faster from one hour to the next. So beside the wall time it prints the CPU the whole machine
// used (Linux's /proc/stat), and the reference loops' times before and after (figure.ts): a figure
// is only comparable with another taken at a like reference.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { printFigure, printReferenceLoops, referenceLoops } from './figure.ts';

interface FileResult {
  name: string;
  startTime: number;
  endTime: number;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  return (performance.now() - started) / 1000;
}

/** CPU seconds the whole machine has been busy (user, nice, system, irq, softirq), on Linux. */
function machineBusySeconds(): number | undefined {
  try {
    const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq] = fields.map(Number);
    const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
    return [user, nice, system, irq, softirq].reduce((sum: number, n) => sum + (n ?? 0), 0) / ticks;
  } catch {
    return undefined;
  }
}

const referenceBefore = await referenceLoops();
const dir = mkdtempSync(join(tmpdir(), 'tests-bench-'));
try {
  const report = join(dir, 'report.json');
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const typecheck = timed('npm', ['run', '--silent', 'typecheck']);
  const lint = timed('npx', ['biome', 'check', '.']);
  const tests = timed('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${report}`]);
  const total = (performance.now() - started) / 1000;
  const busyAfter = machineBusySeconds();

  const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as { testResults: FileResult[] };
  const byProject = new Map<string, FileResult[]>();
  for (const file of testResults) {
    const project = /\/test\/([^/]+)\//.exec(file.name)?.[1] ?? 'other';
    byProject.set(project, [...(byProject.get(project) ?? []), file]);
  }
  printFigure('npm test wall time', total, 's');
  printFigure('typecheck', typecheck, 's');
  printFigure('lint', lint, 's');
  printFigure('vitest run', tests, 's');
  if (busyBefore !== undefined && busyAfter !== undefined) {
    printFigure('CPU the machine used during npm test', busyAfter - busyBefore, 's');
  }
  printReferenceLoops('before', referenceBefore);
  printReferenceLoops('after', await referenceLoops());
  for (const [project, files] of [...byProject].sort(([a], [b]) => a.localeCompare(b))) {
    const wall =
      (Math.max(...files.map((f) => f.endTime)) - Math.min(...files.map((f) => f.startTime))) / 1000;
    const work = files.reduce((sum, f) => sum + (f.endTime - f.startTime), 0) / 1000;
    printFigure(`test/${project} wall time (${files.length} files)`, wall, 's');
    printFigure(`test/${project} summed file time`, work, 's');
  }
  const slowest = [...testResults]
    .sort((a, b) => b.endTime - b.startTime - (a.endTime - a.startTime))
    .slice(0, 5);
  for (const file of slowest) {
    printFigure(
      `slow file ${file.name.replace(/^.*\/test\//, 'test/')}`,
      (file.endTime - file.startTime) / 1000,
      's',
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
