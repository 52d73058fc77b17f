import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { parseAuthentikVersion, readVersion, requireSupportedVersion } from '#lib/authentik/version.ts';
import { PreconditionError } from '#lib/errors.ts';

function clientReporting(versionCurrent: string | (() => Response)) {
  let calls = 0;
  const client = createAuthentikClient({
    baseUrl: 'https://auth.example.com',
    token: 'token-for-tests',
    // One try per call: these tests count how often the version is asked for, not retries.
    attempts: 1,
    fetch: async (request) => {
      calls += 1;
      expect(new URL(request.url).pathname).toBe('/api/v3/admin/version/');
      if (typeof versionCurrent === 'function') return versionCurrent();
      const body = {
        version_current: versionCurrent,
        version_latest: versionCurrent,
        version_latest_valid: true,
        build_hash: '',
        outdated: false,
        outpost_outdated: false,
      };
      return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, calls: () => calls };
}

describe('parseAuthentikVersion', () => {
  it.each([
    ['2024.10.5', 2024, 10, 5],
    ['2024.10', 2024, 10, 0],
    ['2025.12.0-rc1', 2025, 12, 0],
    ['2025.2.1', 2025, 2, 1],
    ['2026.8.3', 2026, 8, 3],
    [' 2024.12.3 ', 2024, 12, 3],
  ])('reads %s', (text, year, month, patch) => {
    expect(parseAuthentikVersion(text)).toMatchObject({ year, month, patch });
  });

  it.each(['', 'latest', '10.2024', '2024', 'gh-abcdef'])('does not read %j', (text) => {
    expect(parseAuthentikVersion(text)).toBeUndefined();
  });
});

describe('requireSupportedVersion', () => {
  it.each(['2024.10.0', '2024.10.5', '2024.12.1', '2025.2.0', '2025.12.0-rc1', '2026.8.3'])(
    'accepts %s',
    async (v) => {
      const { client } = clientReporting(v);
      await expect(requireSupportedVersion(client)).resolves.toMatchObject({ text: v });
    },
  );

  it.each(['2024.8.3', '2024.6.0', '2023.10.7'])(
    'refuses %s, naming the version found and the one needed',
    async (v) => {
      const { client } = clientReporting(v);
      const failure = requireSupportedVersion(client);
      await expect(failure).rejects.toBeInstanceOf(PreconditionError);
      await expect(requireSupportedVersion(client)).rejects.toThrow(
        new RegExp(`${v.replaceAll('.', '\\.')}.*2024\\.10`),
      );
    },
  );

  it('refuses a version it cannot read', async () => {
    const { client } = clientReporting('nightly');
    await expect(requireSupportedVersion(client)).rejects.toThrow(/"nightly".*2024\.10/);
  });

  it('reads the version once per client', async () => {
    const { client, calls } = clientReporting('2025.10.1');
    await requireSupportedVersion(client);
    await requireSupportedVersion(client);
    expect(await readVersion(client)).toBe('2025.10.1');
    expect(calls()).toBe(1);
  });

  it('asks again after a failed read', async () => {
    let fail = true;
    const { client, calls } = clientReporting(() =>
      fail
        ? new Response('', { status: 503 })
        : new Response(JSON.stringify({ version_current: '2025.10.1' }), {
            headers: { 'content-type': 'application/json' },
          }),
    );
    await expect(readVersion(client)).rejects.toThrow(/503/);
    fail = false;
    await expect(readVersion(client)).resolves.toBe('2025.10.1');
    expect(calls()).toBe(2);
  });
});
