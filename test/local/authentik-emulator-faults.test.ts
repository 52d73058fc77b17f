// Fault injection (statuses, dropped connections, latency; per path or global; seeded) and the
// request log tests read: method, path, status and whether it wrote, never a body or a query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthentikEmulator, startAuthentikEmulator } from '#local/authentik/server.ts';

let ak: AuthentikEmulator;

function get(path: string): Promise<Response> {
  return fetch(`${ak.url}/api/v3${path}`, { headers: { authorization: `Bearer ${ak.token}` } });
}

async function statuses(path: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await get(path);
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

beforeAll(async () => {
  ak = await startAuthentikEmulator();
});

afterAll(async () => {
  await ak?.stop();
});

describe('faults', () => {
  it('answers each injected status as Authentik or its proxy would', async () => {
    for (const status of [500, 502, 503] as const) {
      ak.setFaults({ rate: 1, statuses: [status] });
      const response = await get('/core/groups/');
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('text/html');
      await response.text();
    }
    ak.setFaults({ rate: 1, statuses: [429] });
    const throttled = await get('/core/groups/');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toEqual({
      detail: 'Request was throttled. Expected available in 1 second.',
    });
    ak.setFaults(undefined);
    expect((await statuses('/core/groups/', 1))[0]).toBe(200);
  });

  it('faults only the paths asked for, by substring or RegExp', async () => {
    ak.setFaults({ rate: 1, statuses: [503], paths: '/core/users/' });
    expect(await statuses('/core/users/', 1)).toEqual([503]);
    expect(await statuses('/core/groups/', 1)).toEqual([200]);
    ak.setFaults({ rate: 1, statuses: [502], paths: /\/flows\/instances\/$/g });
    expect(await statuses('/flows/instances/', 2)).toEqual([502, 502]);
    expect(await statuses('/flows/instances/default-authentication-flow/', 1)).toEqual([200]);
    ak.setFaults({ rate: 1, statuses: [503], paths: '/application/o/' });
    const discovery = await fetch(`${ak.url}/application/o/anything/.well-known/openid-configuration`);
    expect(discovery.status).toBe(503);
    await discovery.text();
    ak.setFaults(undefined);
  });

  it('repeats the same faults for the same seed, and mixes them at a partial rate', async () => {
    ak.setFaults({ rate: 0.5, statuses: [500, 503, 429], seed: 42 });
    const first = await statuses('/core/groups/', 30);
    ak.setFaults({ rate: 0.5, statuses: [500, 503, 429], seed: 42 });
    const second = await statuses('/core/groups/', 30);
    ak.setFaults(undefined);
    expect(second).toEqual(first);
    expect(first).toContain(200);
    expect(first.some((s) => s !== 200)).toBe(true);
    expect(new Set(first.filter((s) => s !== 200)).size).toBeGreaterThan(1);
  });

  it('drops the connection without an answer', async () => {
    ak.setFaults({ dropRate: 1, paths: '/core/groups/' });
    await expect(get('/core/groups/')).rejects.toThrow();
    ak.setFaults(undefined);
    expect(ak.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v3/core/groups/', status: 0 });
  });

  it('adds latency before answering', async () => {
    ak.setFaults({ latencyMs: 400, paths: '/admin/version/' });
    const started = Date.now();
    expect((await statuses('/admin/version/', 1))[0]).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    ak.setFaults(undefined);
    const quick = Date.now();
    await statuses('/admin/version/', 1);
    expect(Date.now() - quick).toBeLessThan(390);
  });
});

describe('the request log', () => {
  it('records method, path, status and writes, never bodies or queries', async () => {
    const before = ak.requests.length;
    const post = (path: string, body: unknown) =>
      fetch(`${ak.url}/api/v3${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ak.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const user = (await (await post('/core/users/', { username: 'logged', name: 'Logged' })).json()) as {
      pk: number;
    };
    await (
      await post(`/core/users/${user.pk}/set_password/`, { password: 'never-in-the-log-9' })
    ).arrayBuffer();
    await (await get('/core/users/?username=logged')).arrayBuffer();
    await (
      await fetch(`${ak.url}/api/v3/core/users/`, { headers: { authorization: 'Bearer wrong' } })
    ).arrayBuffer();
    const entries = ak.requests.slice(before);
    expect(entries.map(({ method, path, status, write }) => ({ method, path, status, write }))).toEqual([
      { method: 'POST', path: '/api/v3/core/users/', status: 201, write: true },
      { method: 'POST', path: `/api/v3/core/users/${user.pk}/set_password/`, status: 204, write: true },
      { method: 'GET', path: '/api/v3/core/users/', status: 200, write: false },
      { method: 'GET', path: '/api/v3/core/users/', status: 403, write: false },
    ]);
    for (const entry of entries) expect(entry.at).toBeGreaterThan(0);
    const text = JSON.stringify(ak.requests);
    expect(text).not.toContain('never-in-the-log-9');
    expect(text).not.toContain(ak.token);
    expect(text).not.toContain('username=logged');
  });
});
