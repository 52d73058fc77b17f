import '../local/polyfills.ts';

// Step logs are JSON lines per step; keep test output readable. A test that inspects the logs
// (the secrets test) turns them up again before it builds its handlers.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
