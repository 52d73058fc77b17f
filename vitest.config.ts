import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Tests are kept apart by kind: unit tests use mocks only; integration, contract and workflow tests
// run against the local world (moto behind the strict Cognito layer, the Authentik emulator).
// `local` holds the tests of the local world itself (moto's wrapper, the strict Cognito layer, the
// Authentik emulator, the runner), apart from the product's.
const kinds = ['unit', 'integration', 'contract', 'workflow', 'infra', 'local'] as const;
// The kinds that start a world, and the unit tests with them, run as one project, `shared`, heaviest
// kind first: a worker of a project keeps its module cache from file to file, and one of another
// project starts with an empty one, so the five kinds in one project load the SDK, zod, the product's
// modules, the emulator and its compiled schema three times (once per worker) instead of up to
// fifteen. (Measured on the 2-core machine: unit files in a project of their own cost its three
// workers about 6 s of CPU in loading alone.)
const worldKinds = ['workflow', 'integration', 'local', 'contract'] as const;

// The files of a project share one module cache per worker (isolate: false): loading the SDK, zod,
// aws-cdk-lib and the emulator's compiled OpenAPI schema once per worker instead of once per file
// halves the CPU the suite needs on this 2-core machine. A file that replaces modules, globals or
// environment variables (vi.mock, vi.stubEnv, vi.stubGlobal, process.env.X = …) would leak them
// into the next file, so those files are found here and run in a project of their own with a fresh
// module cache each. (vi.spyOn does not leak: restoreMocks puts every spied method back before the
// next test. A stubbed env or global is only undone before the next test too, which is after the
// module that read it at import time has kept it. A test that needs every log line passes
// `logLevel` to the handlers it builds instead of setting POWERTOOLS_LOG_LEVEL.)
const replacesModules =
  /\bvi\.(mock|doMock|stubEnv|stubGlobal)\(|process\.env\.\w+\s*=(?!=)|process\.env\[[^\]]+\]\s*=(?!=)/;
const filesOf = (kind: string) =>
  readdirSync(`test/${kind}`, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `test/${kind}/${file}`);
const isolatedFiles = kinds
  .flatMap(filesOf)
  .filter((file) => replacesModules.test(readFileSync(file, 'utf8')));

const worldSetup = { globalSetup: ['./test/global-setup.ts'] };

// vitest runs the projects in the order of their names, and on a fresh clone (no timings cached) a
// project's files largest first. That put the workflow files, which take longest, last: the
// 200-tenant verification started when the rest of the run was over and ran alone. The projects
// that take longest start first instead, and in each the files that take longest: this list (the
// files of 3 s or more by vitest's own timings, slowest first; a name that no longer matches
// changes nothing), then the heaviest kinds. A fresh clone has no timings of its own, and with only
// file sizes to go by it ran some 10% longer. A project's files stay together, as vitest hands a
// worker the next file of the same project without starting a new one (and reloading every module).
const projectsByWeight = ['shared', 'isolated', 'infra'];
const kindOf = (file: string) => /^test\/([^/]+)\//.exec(file)?.[1] ?? '';
// `npm run synth` (synth.test.ts) is a child process of some 25 s that leaves its worker idle: it
// starts first, beside the world's files, where it used to start last and run alone.
const startsFirst = ['test/infra/synth.test.ts'];
const slowestFiles = [
  'test/workflow/verify-scale.test.ts',
  'test/workflow/verify-federations.test.ts',
  'test/infra/stack.test.ts',
  'test/workflow/faults.test.ts',
  'test/workflow/rotation.test.ts',
  'test/integration/authentik-versions.test.ts',
  'test/local/world.test.ts',
  'test/workflow/verify-pages.test.ts',
  'test/integration/verify-federation-drift.test.ts',
  'test/workflow/cli-plan.test.ts',
  'test/local/moto.test.ts',
  'test/workflow/isolation.test.ts',
  'test/integration/cli-loading.test.ts',
  'test/integration/tenant-lock.test.ts',
  'test/infra/config.test.ts',
  'test/infra/least-privilege.test.ts',
  'test/infra/first-deploy.test.ts',
  'test/unit/authentik-client.test.ts',
  'test/integration/authentik-real-behaviour.test.ts',
  'test/integration/verify-federation.test.ts',
  'test/integration/test-it-browser.test.ts',
  'test/workflow/hosted-ui.test.ts',
  'test/integration/authentik-client.test.ts',
  'test/workflow/deprovision.test.ts',
  'test/integration/api-fuzz.test.ts',
  'test/integration/api.test.ts',
];
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rankOf = (list: string[], item: string) => {
      const index = list.indexOf(item);
      return index === -1 ? list.length : index;
    };
    const path = (file: TestSpecification) => relative(file.project.config.root, file.moduleId);
    const slowness = (file: TestSpecification) => rankOf(slowestFiles, path(file));
    const kindWeight = (file: TestSpecification) => rankOf([...worldKinds], kindOf(path(file)));
    // Array sort is stable: what ties keeps vitest's own order (cached durations, or file sizes).
    return (await super.sort(files)).sort(
      (a, b) =>
        rankOf(startsFirst, path(a)) - rankOf(startsFirst, path(b)) ||
        rankOf(projectsByWeight, a.project.name) - rankOf(projectsByWeight, b.project.name) ||
        slowness(a) - slowness(b) ||
        kindWeight(a) - kindWeight(b),
    );
  }
}

export default defineConfig({
  test: {
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, so
    // every file waited for the one before it. Most of a world test's time is spent waiting (on
    // moto, on the emulator, on Cognito's pacing), so three files at once keep both cores busy.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    setupFiles: ['./test/setup.ts'],
    projects: [
      ...[
        { name: 'infra', dirs: ['infra'] },
        { name: 'shared', dirs: [...worldKinds, 'unit'] },
      ].map(({ name, dirs }) => ({
        extends: true as const,
        test: {
          name,
          include: dirs.map((kind) => `test/${kind}/**/*.test.ts`),
          exclude: isolatedFiles,
          isolate: false,
          // Added to the root's test/setup.ts (`extends` appends to it).
          setupFiles: ['./test/support/shared-module-cache.ts'],
          // What one test spies on or stubs is put back before the next (files share a worker).
          restoreMocks: true,
          unstubEnvs: true,
          unstubGlobals: true,
          // Unit files tighten it to 5 s each (test/setup.ts).
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Only the project that starts worlds needs moto (a pool of it, test/support/moto-pool.ts).
          ...(name === 'shared' ? worldSetup : {}),
        },
      })),
      {
        extends: true as const,
        test: {
          name: 'isolated',
          include: isolatedFiles,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          ...worldSetup,
        },
      },
    ],
  },
});
