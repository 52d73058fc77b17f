// What each deployed function costs: its bundle size (built with the construct's own esbuild
// options, infra/bundling.ts), the median time to import the bundle in a fresh Node process (a
// cold-start proxy: module load, SDK clients, environment check), and how long the CDK app takes to
// synthesize. The SDK choice (infra/bundling.ts `sdkBundling`) is measured against the other two
// options on the same functions, so the choice stays a measured one. Exits non-zero when a deployed
// bundle is over the size budget.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { functionCatalog } from '../functions/catalog.ts';
import {
  esbuildOptions,
  handlerEntry,
  projectRoot,
  SDK_BUNDLING_OPTIONS,
  type SdkBundling,
  sdkBundling,
} from '../infra/bundling.ts';
import { percentile, printFigure } from './figure.ts';

// With every SDK client bundled (sdkBundling `all`), a bundle is the function's own code plus the
// clients it uses and their shared core (about 350 KB of the SDK alone): the largest, verify-tenant
// (Cognito, Secrets Manager, STS, DynamoDB), is about 580 KB minified. 150 KB was the budget of the
// function's own code with the SDK left out; 800 KB keeps room for one more client, and a bundle that
// suddenly grows by half (a whole package pulled in instead of its commands) fails it.
const BUDGET_KB = sdkBundling === 'runtime' ? 150 : 800;
const IMPORT_RUNS = 10;
const names = functionCatalog.map((f) => f.name);

// Enough for every function's environment schema to pass at import time.
const environment = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-west-1',
  SECRET_PREFIX: 'federation',
  REGISTRY_TABLE_NAME: 'federation-registry',
  ALLOWED_AUTHENTIK_HOSTS: 'auth.example.com',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision',
  DEPROVISION_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:deprovision',
};

const dir = mkdtempSync(join(tmpdir(), 'federation-bundles-'));
// Under the `runtime` and `cognito` choices the SDK stays external, as on Lambda (where the runtime
// provides it); here it resolves upwards to the pinned packages.
symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));

function importOnce(file: string): number {
  const script =
    'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';
  const run = spawnSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script, pathToFileURL(file).href],
    { encoding: 'utf8', env: environment, timeout: 30_000 },
  );
  if (run.status !== 0) throw new Error(`importing ${file} failed: ${run.stderr}`);
  return Number(run.stdout);
}

/**
 * Builds every function under each SDK choice and imports the three builds in turn, run after run,
 * so that the load of the machine weighs on every choice alike. Prints size and import median per
 * function for the deployed choice, and per choice the largest bundle and the import medians.
 */
async function measure(): Promise<{ over: number }> {
  let over = 0;
  const sizes = new Map<SdkBundling, number[]>(SDK_BUNDLING_OPTIONS.map((c) => [c, []]));
  const medians = new Map<SdkBundling, number[]>(SDK_BUNDLING_OPTIONS.map((c) => [c, []]));
  for (const name of names) {
    const files = new Map<SdkBundling, string>();
    for (const choice of SDK_BUNDLING_OPTIONS) {
      const outdir = join(dir, choice, name);
      mkdirSync(outdir, { recursive: true });
      const outfile = join(outdir, 'index.mjs');
      await build(esbuildOptions(handlerEntry(name), outfile, choice));
      files.set(choice, outfile);
      const kb = statSync(outfile).size / 1024;
      sizes.get(choice)?.push(kb);
      if (choice === sdkBundling) {
        printFigure(`bundle ${name}`, kb, 'KB');
        if (kb > BUDGET_KB) over += 1;
      }
    }
    const times = new Map<SdkBundling, number[]>(SDK_BUNDLING_OPTIONS.map((c) => [c, []]));
    for (let run = 0; run < IMPORT_RUNS; run += 1) {
      for (const choice of SDK_BUNDLING_OPTIONS) times.get(choice)?.push(importOnce(files.get(choice) ?? ''));
    }
    for (const choice of SDK_BUNDLING_OPTIONS) {
      const median = percentile(times.get(choice) ?? [], 50);
      medians.get(choice)?.push(median);
      if (choice === sdkBundling) printFigure(`import ${name} median of ${IMPORT_RUNS}`, median, 'ms');
    }
  }
  for (const choice of SDK_BUNDLING_OPTIONS) {
    const label = choice === sdkBundling ? '' : ` (sdk ${choice})`;
    printFigure(`bundle largest${label}`, Math.max(...(sizes.get(choice) ?? [])), 'KB');
    printFigure(`import slowest function median${label}`, Math.max(...(medians.get(choice) ?? [])), 'ms');
    printFigure(`import median over functions${label}`, percentile(medians.get(choice) ?? [], 50), 'ms');
  }
  return { over };
}

let over = 0;
try {
  process.stderr.write(`# deployed SDK bundling: ${sdkBundling}; the other options are labelled\n`);
  ({ over } = await measure());
  // What every function pays before its own code: the SDK clients the runtime provides.
  const baseline = join(dir, 'sdk-baseline.mjs');
  writeFileSync(
    baseline,
    [
      '@aws-sdk/client-cognito-identity-provider',
      '@aws-sdk/client-secrets-manager',
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/lib-dynamodb',
    ]
      .map((pkg) => `import '${pkg}';`)
      .join('\n'),
  );
  const baselineTimes = Array.from({ length: IMPORT_RUNS }, () => importOnce(baseline));
  printFigure(
    `import SDK clients alone (baseline) median of ${IMPORT_RUNS}`,
    percentile(baselineTimes, 50),
    'ms',
  );
  printFigure(`bundles over ${BUDGET_KB} KB`, over, 'functions');

  // The app in this process, bundling skipped: the construct tree, cdk-nag and CDK's own checks.
  const { createFederationApp } = await import('../infra/federation-app.ts');
  const t0 = performance.now();
  createFederationApp({
    outdir: join(dir, 'cdk.out'),
    context: { 'aws:cdk:bundling-stacks': [], allowedAuthentikHosts: 'auth.example.com' },
  }).app.synth();
  printFigure('synth in-process (no bundling, with cdk-nag)', performance.now() - t0, 'ms');

  // `npm run synth`: the CDK CLI, the app, esbuild for every function.
  const t1 = performance.now();
  const synth = spawnSync('npm', ['run', 'synth', '--silent', '--', '--output', join(dir, 'cli.out')], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (synth.status !== 0) throw new Error(`npm run synth failed: ${synth.stderr}`);
  printFigure('synth npm run synth (CLI, esbuild bundling)', (performance.now() - t1) / 1000, 's');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (over > 0) {
  process.stderr.write(`${over} bundle(s) over the ${BUDGET_KB} KB budget\n`);
  process.exitCode = 1;
}
