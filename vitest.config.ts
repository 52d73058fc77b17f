import { defineConfig } from 'vitest/config';

// Tests are kept apart by kind: unit tests use mocks only; integration, contract and workflow tests
// run against the local world (moto behind the strict Cognito layer, the Authentik emulator).
const kinds = ['unit', 'integration', 'contract', 'workflow', 'infra'] as const;

export default defineConfig({
  test: {
    projects: kinds.map((kind) => ({
      extends: true,
      test: {
        name: kind,
        include: [`test/${kind}/**/*.test.ts`],
        testTimeout: kind === 'unit' ? 5_000 : 60_000,
        hookTimeout: 60_000,
      },
    })),
    setupFiles: ['./test/setup.ts'],
    globalSetup: ['./test/global-setup.ts'],
  },
});
