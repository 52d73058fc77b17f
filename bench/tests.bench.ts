// How long `npm test` takes: its wall time end to end (typecheck, lint, every test), and per kind of
// test (test/<kind>/) the wall time between its first file starting and its last file ending, with
// the summed durations of its files (the work, whatever ran beside it). Run on an idle machine: the figure is
// the one the README quotes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { printFigure } from './figure.ts';

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

const dir = mkdtempSync(join(tmpdir(), 'tests-bench-'));
try {
  const report = join(dir, 'report.json');
  const started = performance.now();
  const typecheck = timed('npm', ['run', '--silent', 'typecheck']);
  const lint = timed('npx', ['biome', 'check', '.']);
  const tests = timed('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${report}`]);
  const total = (performance.now() - started) / 1000;

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
