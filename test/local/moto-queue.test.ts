// moto serves each request on its own thread over unlocked state, so the world lets it serve
// Cognito requests one at a time (local/cognito/moto-upstream.ts): those of the strict layer and
// those of the hosted UI, which reads and writes the user pool straight on moto, in one queue. Here
// moto sits behind a proxy that holds each Cognito request a little and counts how many it has at
// once, while the layer and the hosted UI are both asked for work side by side.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CognitoIdentityProviderClient,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localCredentials, startWorld, type World } from '../../local/world.ts';
import { borrowMoto } from '../support/moto-pool.ts';

let world: World;
let inFlight = 0;
let most = 0;
const seen = { layer: 0, hostedUi: 0 };

beforeAll(async () => {
  world = await startWorld({
    quotas: false,
    moto: async (region) => {
      const real = await borrowMoto(region);
      const target = new URL(real.endpoint);
      const proxy = createServer((req, res) => {
        const cognito = String(req.headers['x-amz-target'] ?? '').startsWith(
          'AWSCognitoIdentityProviderService.',
        );
        if (cognito) {
          inFlight += 1;
          most = Math.max(most, inFlight);
          const operation = String(req.headers['x-amz-target']).split('.')[1];
          if (operation === 'ListUserPools') seen.layer += 1;
          if (operation === 'DescribeUserPoolDomain') seen.hostedUi += 1;
        }
        const forward = () => {
          const upstream = request(
            {
              host: target.hostname,
              port: target.port,
              method: req.method,
              path: req.url,
              headers: req.headers,
            },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
              answer.on('end', () => {
                if (cognito) inFlight -= 1;
              });
            },
          );
          req.pipe(upstream);
        };
        // Held long enough that two queues would overlap at moto.
        if (cognito) setTimeout(forward, 15);
        else forward();
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      return {
        ...real,
        endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        stop: async () => {
          proxy.closeAllConnections();
          await new Promise<void>((resolve) => proxy.close(() => resolve()));
          await real.stop();
        },
      };
    },
  });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it("the strict layer's and the hosted UI's requests reach moto one at a time", async () => {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: world.endpoints.cognito,
    region: world.endpoints.region,
    credentials: localCredentials,
  });
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        await cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }));
        // An unknown domain: the hosted UI looks it up in moto (DescribeUserPoolDomain), then 404.
        const answer = await fetch(
          `${world.endpoints.hostedUi}/nobody.auth.us-east-1.amazoncognito.com/oauth2/authorize`,
        );
        expect(answer.status).toBe(404);
        await answer.arrayBuffer();
      }),
    );
  } finally {
    cognito.destroy();
  }
  expect(seen.layer).toBeGreaterThanOrEqual(8);
  expect(seen.hostedUi).toBeGreaterThanOrEqual(8);
  expect(most).toBe(1);
});
