import '../local/polyfills.ts';
import { expect, vi } from 'vitest';

// Step logs are JSON lines per step; keep test output readable. A test that inspects the logs
// (the secrets test) turns them up again before it builds its handlers.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

// Unit tests use mocks only, so one that runs for seconds waits on something real by mistake: 5 s
// each, where the projects allow 60 s (vitest.config.ts). Unit files share workers with the world's
// files, which is why every file sets its own timeout here rather than inherit the last one's.
if (/\/test\/unit\//.test(expect.getState().testPath ?? '')) vi.setConfig({ testTimeout: 5_000 });
else vi.resetConfig();
