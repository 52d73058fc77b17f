import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Tests are kept apart by kind: unit tests use mocks only; integration, contract and workflow tests
// run against the local world (moto behind the strict Cognito layer, the Authentik emulator).
const kinds = ['unit', 'integration', 'contract', 'workflow', 'infra'] as const;
const worldKinds = new Set<string>(['integration', 'contract', 'workflow']);

// Unit tests share one module cache per worker (isolate: false): loading the SDK and zod once
// instead of once per file is most of the unit project's time. A file that replaces modules or
// globals (vi.mock, vi.stubEnv, vi.stubGlobal) would leak them into the next file, so those files
// are found here and keep a fresh module cache each.
const replacesModules = /\bvi\.(mock|doMock|stubEnv|stubGlobal)\(/;
const isolatedUnitFiles = readdirSync('test/unit', { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.test.ts'))
  .filter((file) => replacesModules.test(readFileSync(`test/unit/${file}`, 'utf8')))
  .map((file) => `test/unit/${file}`);

const common = { extends: true } as const;

export default defineConfig({
  test: {
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, so
    // every file waited for the one before it. Most of a world test's time is spent waiting (on
    // moto, on the emulator, on Cognito's pacing), so three files at once keep both cores busy.
    maxWorkers: 3,
    projects: [
      {
        ...common,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: isolatedUnitFiles,
          isolate: false,
          setupFiles: ['./test/setup.ts', './test/support/shared-module-cache.ts'],
          // What one test spies on or stubs is put back before the next (files share a worker).
          restoreMocks: true,
          unstubEnvs: true,
          unstubGlobals: true,
          testTimeout: 5_000,
        },
      },
      {
        ...common,
        test: { name: 'unit-isolated', include: isolatedUnitFiles, testTimeout: 5_000 },
      },
      ...kinds
        .filter((kind) => kind !== 'unit')
        .map((kind) => ({
          ...common,
          test: {
            name: kind,
            include: [`test/${kind}/**/*.test.ts`],
            testTimeout: 60_000,
            hookTimeout: 60_000,
            // Only the projects that start a world need moto (a pool of it, test/support/moto-pool.ts).
            ...(worldKinds.has(kind) ? { globalSetup: ['./test/global-setup.ts'] } : {}),
          },
        })),
    ],
    setupFiles: ['./test/setup.ts'],
  },
});
