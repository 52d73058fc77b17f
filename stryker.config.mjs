// StrykerJS for `npm run bench -- mutation` (bench/mutation.bench.ts): mutates one module at a time
// and runs only that module's unit tests (bench/mutation.vitest.config.ts), so a run takes minutes on
// two cores. Not part of `npm test`. The bench names the module (MUTATION_MODULES), its tests
// (MUTATION_TESTS) and where the report goes (MUTATION_REPORT).
// https://stryker-mutator.io/docs/stryker-js/configuration/

const modules = (process.env.MUTATION_MODULES ?? '')
  .split(',')
  .map((module) => module.trim())
  .filter((module) => module !== '');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // Only the unit tests named there; `related` would pull in every test importing the module.
  vitest: { configFile: 'bench/mutation.vitest.config.ts', related: false },
  mutate:
    modules.length > 0
      ? modules
      : [
          'functions/lib/authentik-address.ts',
          'functions/lib/address-class.ts',
          'functions/lib/tenant-spec.ts',
          'functions/lib/tenant-spec-fields.ts',
          'functions/lib/tenant-names.ts',
        ],
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['json', 'clear-text'],
  clearTextReporter: { reportTests: false, reportMutants: false, reportScoreTable: true },
  jsonReporter: { fileName: process.env.MUTATION_REPORT ?? 'reports/mutation/mutation.json' },
  // Ignored by git (and so by Biome): the sandboxes and the report.
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['cdk.out', 'coverage', 'dist', 'reports', '.world', '*.log'],
  thresholds: { high: 90, low: 85, break: null },
};
