// The strict layer's way to moto: one request at a time, so moto's threads never race over its
// in-memory state (they once answered a ListUserPools with an HTML 500 under concurrent writes).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MotoUpstream } from '#local/cognito/moto-upstream.ts';

let server: Server;
let inFlight = 0;
let mostInFlight = 0;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    request.resume();
    setTimeout(() => {
      inFlight -= 1;
      if (request.url === '/fail') {
        request.socket.destroy();
        return;
      }
      response.end(request.url);
    }, 15);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('MotoUpstream', () => {
  it('sends one request at a time, in the order they came, and a failed one does not stop the rest', async () => {
    const moto = new MotoUpstream(endpoint);
    try {
      const paths = ['/a', '/fail', '/b', '/c', '/d'];
      const answers = await Promise.allSettled(
        paths.map((path) => moto.forward('POST', path, {}, Buffer.from('{}'))),
      );
      expect(mostInFlight).toBe(1);
      expect(answers[1]?.status).toBe('rejected');
      const bodies = answers
        .filter((a) => a.status === 'fulfilled')
        .map((a) => (a as PromiseFulfilledResult<{ body: Buffer }>).value.body.toString());
      expect(bodies).toEqual(['/a', '/b', '/c', '/d']);
    } finally {
      moto.close();
    }
  });
});
