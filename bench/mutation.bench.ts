// Mutation testing of the SSRF boundary, the tenant spec and the ownership markers: StrykerJS changes
// a module in small ways (a `<` for a `<=`, a string emptied, a branch dropped) and runs the
// module's own unit tests against every change. The mutation score is the share of changes some
// test notices: (killed + timed out) / (killed + timed out + survived + not covered). The bar for
// the address module is 85 %. One Stryker run per module, with only that module's tests: the spec
// builds its schema when it loads, and Stryker runs every test it has for such a mutant.
// Configuration: stryker.config.mjs and bench/mutation.vitest.config.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../infra/bundling.ts';
import { printFigure } from './figure.ts';

const targets = [
  {
    name: 'authentik-address',
    module: 'functions/lib/authentik-address.ts',
    tests: ['test/unit/authentik-address.test.ts'],
  },
  // The address ranges, split from authentik-address.ts; the same tests cover both.
  {
    name: 'address-class',
    module: 'functions/lib/address-class.ts',
    tests: ['test/unit/authentik-address.test.ts'],
  },
  { name: 'tenant-spec', module: 'functions/lib/tenant-spec.ts', tests: ['test/unit/tenant-spec*.test.ts'] },
  // The spec's field rules and derived names, split from tenant-spec.ts; the spec's tests cover them.
  {
    name: 'tenant-spec-fields',
    module: 'functions/lib/tenant-spec-fields.ts',
    tests: ['test/unit/tenant-spec*.test.ts'],
  },
  {
    name: 'tenant-names',
    module: 'functions/lib/tenant-names.ts',
    tests: ['test/unit/tenant-spec*.test.ts'],
  },
  // Another module of the tenant-isolation work; mutated when it exists.
  { name: 'ownership', module: 'functions/lib/ownership.ts', tests: ['test/unit/ownership*.test.ts'] },
].filter((target) => existsSync(join(projectRoot, target.module)));

interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}
// Compile and runtime errors and ignored mutants are not valid mutants and do not count.
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const stryker = join(projectRoot, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');

let failed = 0;
for (const { name, module, tests } of targets) {
  const report = join('reports', 'mutation', `${name}.json`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.mjs'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      MUTATION_MODULES: module,
      MUTATION_TESTS: tests.join(','),
      MUTATION_REPORT: report,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) {
    process.stderr.write(`stryker failed for ${module} (exit ${run.status ?? run.signal})\n`);
    failed += 1;
    continue;
  }
  const { files } = JSON.parse(readFileSync(join(projectRoot, report), 'utf8')) as MutationReport;
  const mutants = Object.entries(files).find(([file]) => file.endsWith(module))?.[1].mutants ?? [];
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
  printFigure(`mutation score ${name}`, valid === 0 ? 0 : (100 * detected) / valid, '%');
  printFigure(`mutants ${name}`, valid, 'mutants');
  printFigure(`mutation run ${name}`, (Date.now() - started) / 1000, 's');
}
process.exit(failed === 0 ? 0 : 1);
