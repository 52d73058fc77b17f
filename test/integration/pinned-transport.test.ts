// The pinned transport against a real socket: a loopback server, names resolved by an injected
// resolver. The connection goes to exactly the address that was checked (never to what the system
// resolver would say), a name resolving to a refused address gets no connection at all, and a
// redirect is handed back rather than followed.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AddressRefusedError, pinnedFetch, type Resolver } from '#lib/authentik/pinned-transport.ts';
import type { Deployment } from '#lib/authentik-address.ts';

/** Loopback allowed, as in the local world; everything else as on AWS. */
const local: Deployment = { allowedAuthentikHosts: [], allowLoopbackHttp: true };
/** An AWS deployment: only public addresses. */
const aws: Deployment = { allowedAuthentikHosts: [], allowLoopbackHttp: false };

const seen: { host: string | undefined; local: string | undefined; path: string | undefined }[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    seen.push({ host: request.headers.host, local: request.socket.localAddress, path: request.url });
    if (request.url === '/redirect') {
      response.writeHead(302, { location: `http://elsewhere.test:${port}/landed` }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const answers: Record<string, string[]> = {
  'authentik.test': ['127.0.0.1'],
  'elsewhere.test': ['127.0.0.1'],
  'moved.test': ['127.0.0.2'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['127.0.0.1', '10.0.0.7'],
  'mapped.test': ['::ffff:169.254.169.254'],
};
const resolver = () =>
  vi.fn<Resolver>(async (host) =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  );

describe('pinnedFetch', () => {
  it('connects a checked name to exactly the address it resolved to', async () => {
    const resolve = resolver();
    seen.length = 0;
    const response = await pinnedFetch(local, { resolve })(`http://authentik.test:${port}/hello`);
    expect(await response.text()).toBe('hello');
    expect(resolve).toHaveBeenCalledWith('authentik.test');
    expect(seen).toEqual([{ host: `authentik.test:${port}`, local: '127.0.0.1', path: '/hello' }]);
  });

  it('connects to the resolved address, not to another: 127.0.0.2 has no server', async () => {
    seen.length = 0;
    const error = await pinnedFetch(local, { resolve: resolver() })(`http://moved.test:${port}/`).catch(
      (e: unknown) => e as Error,
    );
    expect((error as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    expect(seen).toEqual([]);
  });

  it('refuses a name resolving to the metadata service, in any form, without connecting', async () => {
    seen.length = 0;
    for (const host of ['metadata.test', 'mapped.test']) {
      const error = await pinnedFetch(local, { resolve: resolver() })(`http://${host}:${port}/`).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AddressRefusedError);
      expect((error as Error).message).toMatch(
        new RegExp(`^the Authentik host ${host} resolves to .*link-local`),
      );
    }
    expect(seen).toEqual([]);
  });

  it('refuses a name resolving to a mix of allowed and private addresses', async () => {
    seen.length = 0;
    const error = await pinnedFetch(local, { resolve: resolver() })(`http://mixed.test:${port}/`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect((error as Error).message).toMatch(/mixed\.test resolves to 10\.0\.0\.7, a private address/);
    expect(seen).toEqual([]);
  });

  it('refuses loopback, by name or by address, where the deployment does not allow it', async () => {
    seen.length = 0;
    const pinned = pinnedFetch(aws, { resolve: resolver() });
    await expect(pinned(`http://authentik.test:${port}/`)).rejects.toThrow(
      /authentik\.test resolves to 127\.0\.0\.1, a loopback address/,
    );
    await expect(pinned(`http://127.0.0.1:${port}/`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(seen).toEqual([]);
  });

  it('hands a redirect back instead of following it, even when asked to follow', async () => {
    seen.length = 0;
    const pinned = pinnedFetch(local, { resolve: resolver() });
    const response = await pinned(`http://authentik.test:${port}/redirect`, { redirect: 'follow' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`http://elsewhere.test:${port}/landed`);
    expect(seen.map((request) => request.path)).toEqual(['/redirect']);
  });
});
