import { defineConfig } from 'vitest/config';

// Tests are kept apart by kind: unit tests use mocks only; integration, contract and workflow tests
// run against the local world (moto behind the strict Cognito layer, the Authentik emulator).
const kinds = ['unit', 'integration', 'contract', 'workflow', 'infra'] as const;
const worldKinds = new Set<string>(['integration', 'contract', 'workflow']);

export default defineConfig({
  test: {
    // vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, so
    // every file waited for the one before it. Most of a world test's time is spent waiting (on
    // moto, on the emulator, on Cognito's pacing), so three files at once keep both cores busy.
    maxWorkers: 3,
    projects: kinds.map((kind) => ({
      extends: true,
      test: {
        name: kind,
        include: [`test/${kind}/**/*.test.ts`],
        testTimeout: kind === 'unit' ? 5_000 : 60_000,
        hookTimeout: 60_000,
        // Only the projects that start a world need moto (a pool of it, test/support/moto-pool.ts).
        ...(worldKinds.has(kind) ? { globalSetup: ['./test/global-setup.ts'] } : {}),
      },
    })),
    setupFiles: ['./test/setup.ts'],
  },
});
