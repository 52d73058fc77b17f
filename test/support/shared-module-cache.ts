// The shared and infra projects keep one module cache per worker (vitest.config.ts). aws-sdk-client-mock
// replaces a client class's `send` on its prototype through sinon's default sandbox, which would
// leave the class mocked for every file after this one: put every such stub back when a file ends.
// The CommonJS sinon is the one aws-sdk-client-mock's CommonJS build uses (its ES build is another
// module with another sandbox).
import { createRequire } from 'node:module';
import { afterAll } from 'vitest';

const sinon = createRequire(import.meta.url)('sinon') as { restore(): void };

afterAll(() => {
  sinon.restore();
});
