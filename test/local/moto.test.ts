import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CreateUserPoolCommand, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoServer, startMoto } from '#local/moto.ts';
import { cognitoClient } from '../support/moto.ts';

const motoModule = fileURLToPath(new URL('../../local/moto.ts', import.meta.url));

/** Whether a process still runs; a zombie waiting to be reaped does not count. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isRunning(pid);
}

describe('startMoto', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('listens on a loopback port and answers', async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${moto.endpoint}/moto-api/`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });

  it('keeps a connection open from one request to the next, bodies and all', async () => {
    const agent = new Agent({ keepAlive: true });
    const call = (body: string) =>
      new Promise<{ status: number; reused: boolean; connection: string | undefined; text: string }>(
        (resolve, reject) => {
          const req = request(
            `${moto.endpoint}/`,
            {
              method: 'POST',
              agent,
              headers: {
                'Content-Type': 'application/x-amz-json-1.1',
                'X-Amz-Target': 'AWSCognitoIdentityProviderService.ListUserPools',
                Authorization: `AWS4-HMAC-SHA256 Credential=local/20240101/${moto.region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0`,
              },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                text += chunk;
              });
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  reused: req.reusedSocket,
                  connection: res.headers.connection,
                  text,
                }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        },
      );
    try {
      const first = await call(JSON.stringify({ MaxResults: 10 }));
      const second = await call(JSON.stringify({ MaxResults: 5 }));
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(JSON.parse(second.text)).toHaveProperty('UserPools');
      expect(first.connection).not.toBe('close');
      expect(second.reused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('reset forgets every resource', async () => {
    const client = cognitoClient(moto.endpoint, moto.region);
    await client.send(new CreateUserPoolCommand({ PoolName: 'before-reset' }));
    expect((await client.send(new ListUserPoolsCommand({ MaxResults: 10 }))).UserPools).toHaveLength(1);
    await moto.reset();
    expect((await client.send(new ListUserPoolsCommand({ MaxResults: 10 }))).UserPools).toHaveLength(0);
    client.destroy();
  });

  it('runs one server per start, so test files never share state', async () => {
    const other = await startMoto();
    try {
      expect(other.endpoint).not.toBe(moto.endpoint);
      const client = cognitoClient(other.endpoint, other.region);
      expect((await client.send(new ListUserPoolsCommand({ MaxResults: 10 }))).UserPools).toHaveLength(0);
      client.destroy();
    } finally {
      await other.stop();
    }
  });

  it('stop ends the process', async () => {
    const own = await startMoto();
    expect(isRunning(own.pid)).toBe(true);
    await own.stop();
    expect(await waitUntilGone(own.pid, 3_000)).toBe(true);
  });

  it('says how to install moto when its Python is missing', async () => {
    const previous = process.env.MOTO_PYTHON;
    process.env.MOTO_PYTHON = '/nonexistent/python3';
    try {
      await expect(startMoto()).rejects.toThrow('pip install "moto[server]"');
    } finally {
      if (previous === undefined) delete process.env.MOTO_PYTHON;
      else process.env.MOTO_PYTHON = previous;
    }
  });
});

describe('a crashed parent', () => {
  it('takes its moto with it, even when SIGKILLed', async () => {
    // A Node process that starts moto, reports its pid and then hangs until killed.
    const script = `
      const { startMoto } = await import(${JSON.stringify(motoModule)});
      const moto = await startMoto();
      console.log(JSON.stringify({ pid: moto.pid }));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const motoPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (chunk: Buffer) =>
        resolve((JSON.parse(chunk.toString()) as { pid: number }).pid),
      );
      parent.once('exit', (code) => reject(new Error(`the parent exited early with ${code}`)));
    });
    expect(isRunning(motoPid)).toBe(true);

    parent.kill('SIGKILL');
    expect(await waitUntilGone(motoPid, 5_000)).toBe(true);
  });
});
