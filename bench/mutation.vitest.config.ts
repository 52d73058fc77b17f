// The unit tests StrykerJS runs against each mutant (stryker.config.mjs): the tests of the module it
// mutates, named by the bench in MUTATION_TESTS (comma-separated globs), nothing that needs the local
// world. Without it: the tests of every module the bench knows.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const named = (process.env.MUTATION_TESTS ?? '')
  .split(',')
  .map((glob) => glob.trim())
  .filter((glob) => glob !== '');

export default defineConfig({
  test: {
    root: join(dirname(fileURLToPath(import.meta.url)), '..'),
    include:
      named.length > 0
        ? named
        : [
            'test/unit/authentik-address.test.ts',
            'test/unit/tenant-spec*.test.ts',
            'test/unit/ownership*.test.ts',
          ],
    setupFiles: ['./test/setup.ts'],
    testTimeout: 5_000,
  },
});
