import { describe, expect, it } from 'vitest';
import { createAuthentikClient, dataOf } from '#lib/authentik/client.ts';
import { AuthentikAuthError, TransientError } from '#lib/errors.ts';

function scripted(statuses: number[]) {
  const calls: string[] = [];
  const fetch = async (request: Request) => {
    calls.push(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`);
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)] as number;
    const body = status === 200 ? { version_current: '2026.8.3' } : { detail: 'nope' };
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { calls, fetch };
}

const options = { baseUrl: 'https://auth.example.com', token: 'tok-123', retryBaseMs: 1 };

describe('Authentik client retries', () => {
  it('retries a transient failure and succeeds within its attempts', async () => {
    const { calls, fetch } = scripted([503, 429, 200]);
    const client = createAuthentikClient({ ...options, fetch });
    const version = dataOf(await client.api.GET('/admin/version/'));
    expect(version.version_current).toBe('2026.8.3');
    expect(calls).toHaveLength(3);
  });

  it('sends the same body on every attempt', async () => {
    const { calls, fetch } = scripted([502, 200]);
    const client = createAuthentikClient({ ...options, fetch });
    await client.api.POST('/core/groups/', { body: { name: 'cognito-users' } }).catch(() => undefined);
    expect(calls).toEqual([
      'POST /api/v3/core/groups/ {"name":"cognito-users"}',
      'POST /api/v3/core/groups/ {"name":"cognito-users"}',
    ]);
  });

  it('gives up after its attempts with a TransientError', async () => {
    const { calls, fetch } = scripted([500]);
    const client = createAuthentikClient({ ...options, fetch, attempts: 4 });
    await expect(client.api.GET('/admin/version/')).rejects.toBeInstanceOf(TransientError);
    expect(calls).toHaveLength(4);
  });

  it('never retries a permanent error', async () => {
    const { calls, fetch } = scripted([403, 200]);
    const client = createAuthentikClient({ ...options, fetch });
    await expect(client.api.GET('/admin/version/')).rejects.toBeInstanceOf(AuthentikAuthError);
    expect(calls).toHaveLength(1);
  });
});
