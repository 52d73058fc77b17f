// What the CLI loads: `--help`, usage errors and commands against a tenant API load nothing from
// local/ (the emulators, moto, the local runner); a command that works locally does, and even then
// oidc-provider's "Unsupported runtime" warning never reaches the user. Each run is a real process
// (`npx federation` as a user starts it), its resolved modules traced by test/support/trace-modules.mjs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'federation-loading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Traced {
  code: number;
  stderr: string;
  modules: string[];
}

let runs = 0;
function federation(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Traced> {
  runs += 1;
  const trace = join(dir, `trace-${runs}.txt`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', './test/support/trace-modules.mjs', 'bin/federation.js', ...argv],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...env,
          FEDERATION_TRACE_MODULES: trace,
        },
        timeout: 60_000,
      },
      (error, _stdout, stderr) => {
        let modules: string[] = [];
        try {
          modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
        } catch {
          // nothing resolved: the list stays empty
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr, modules });
      },
    );
  });
}

const LOCAL = `${pathToFileURL(join(process.cwd(), 'local')).href}/`;
const fromLocal = (modules: string[]) => modules.filter((url) => url.startsWith(LOCAL));
const oidcProvider = (modules: string[]) =>
  modules.filter((url) => url.includes('/node_modules/oidc-provider/'));

describe('the modules a command loads', () => {
  it('--help loads nothing from local/', async () => {
    const result = await federation(['--help']);
    expect(result.code).toBe(0);
    expect(result.modules.some((url) => url.endsWith('/bin/federation.ts'))).toBe(true);
    expect(fromLocal(result.modules)).toEqual([]);
    expect(oidcProvider(result.modules)).toEqual([]);
    expect(result.stderr).not.toContain('oidc-provider');
  });

  it('a usage error loads nothing from local/', async () => {
    const result = await federation(['provision']);
    expect(result.code).toBe(2);
    expect(fromLocal(result.modules)).toEqual([]);
    expect(result.stderr).not.toContain('oidc-provider');
  });

  it('a command against an API loads nothing from local/', async () => {
    // Nothing listens on port 9 (discard): the command fails, after loading what it needed.
    const result = await federation(['status', 'acme'], { FEDERATION_API: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.modules.some((url) => url.endsWith('/bin/remote.ts'))).toBe(true);
    expect(fromLocal(result.modules)).toEqual([]);
    expect(oidcProvider(result.modules)).toEqual([]);
  });

  it('a local command loads the world, and the emulator warns nothing', async () => {
    const result = await federation(['status', 'nobody']);
    expect(result.code).toBe(1);
    // The trace works: here the local world and oidc-provider were loaded.
    expect(fromLocal(result.modules).length).toBeGreaterThan(0);
    expect(oidcProvider(result.modules).length).toBeGreaterThan(0);
    expect(result.stderr).not.toContain('Unsupported runtime');
    expect(result.stderr.trim()).toBe(
      'federation status failed: Tenant nobody is not registered. Check the tenant id: `federation list` ' +
        'shows every registered tenant.',
    );
  });
});
