import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startWorld, type WorldEndpoints } from '../../local/world.ts';

function answers(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const endpointKeys = ['cognito', 'secretsManager', 'dynamodb', 'authentik', 'hostedUi'] as const;

describe('startWorld', () => {
  it('starts every part on loopback and stops them all', async () => {
    const world = await startWorld();
    const { endpoints } = world;
    for (const key of endpointKeys) {
      expect(new URL(endpoints[key]).hostname).toBe('127.0.0.1');
      expect(await answers(endpoints[key]), key).toBe(true);
    }
    const version = await fetch(`${endpoints.authentik}/api/v3/admin/version/`, {
      headers: { Authorization: `Bearer ${endpoints.authentikToken}` },
    });
    expect(version.status).toBe(200);
    await world.stop();
    for (const key of endpointKeys) expect(await answers(endpoints[key]), key).toBe(false);
  });
});

describe('npm run world', () => {
  async function firstLine(child: ChildProcess): Promise<string> {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    for await (const line of lines) if (line.startsWith('{')) return line;
    throw new Error('the world printed no JSON line');
  }

  it('prints one JSON line of endpoints and stops cleanly on SIGTERM, leaving nothing behind', async () => {
    const child = spawn('npm', ['run', '--silent', 'world'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // What the world said, and the signal npm died of if it did, to name in a failure.
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => {
        if (signal) stderr += `\n(npm ended by ${signal})`;
        resolve(code);
      }),
    );
    const line = await firstLine(child);
    const endpoints = JSON.parse(line) as WorldEndpoints;
    expect(Object.keys(endpoints).sort()).toEqual(
      [
        'authentik',
        'authentikToken',
        'authentikVersion',
        'cognito',
        'dynamodb',
        'hostedUi',
        'region',
        'secretsManager',
      ].sort(),
    );
    // Without --authentik-version the emulator serves the newest release, whose package is pinned.
    expect(endpoints.authentikVersion).toMatch(/^2026\.8\./);
    for (const key of endpointKeys) expect(await answers(endpoints[key]), key).toBe(true);

    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    for (const key of endpointKeys) expect(await answers(endpoints[key]), key).toBe(false);
  });

  it('serves the release --authentik-version names, and says so in the JSON line', async () => {
    const child = spawn('npm', ['run', '--silent', 'world', '--', '--authentik-version', '2025.8.6'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const endpoints = JSON.parse(await firstLine(child)) as WorldEndpoints;
    expect(endpoints.authentikVersion).toBe('2025.8.6');
    const version = await fetch(`${endpoints.authentik}/api/v3/admin/version/`, {
      headers: { Authorization: `Bearer ${endpoints.authentikToken}` },
    });
    expect(((await version.json()) as { version_current: string }).version_current).toBe('2025.8.6');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a release it has no contract for, naming --authentik-version and the releases served', async () => {
    const child = spawn('npm', ['run', '--silent', 'world', '--', '--authentik-version', '2024.8.3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--authentik-version: Authentik 2024.8.3 has no contract here (the releases served are 2024.10 to 2026.8)',
    );
  });
});
