import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll } from 'vitest';
import { type CognitoLayer, type CognitoLayerOptions, startCognitoLayer } from '#local/cognito/index.ts';
import type { MotoServer } from '#local/moto.ts';
import { borrowMoto } from './moto-pool.ts';

/** moto and the strict layer in front of it, one pair per test file. */
export interface CognitoTestWorld {
  moto: MotoServer;
  layer: CognitoLayer;
  /** Talks to moto directly: what the lenient emulator accepts. */
  direct: CognitoIdentityProviderClient;
  /** Talks through the layer: what Cognito accepts. */
  strict: CognitoIdentityProviderClient;
  stop(): Promise<void>;
}

export async function startCognitoTestWorld(
  layerOptions: Omit<CognitoLayerOptions, 'motoEndpoint'> = {},
): Promise<CognitoTestWorld> {
  const moto = await borrowMoto();
  const layer = await startCognitoLayer({ motoEndpoint: moto.endpoint, ...layerOptions });
  const direct = cognitoClient(moto.endpoint, moto.region);
  const strict = cognitoClient(layer.endpoint, moto.region);
  return {
    moto,
    layer,
    direct,
    strict,
    async stop() {
      direct.destroy();
      strict.destroy();
      await layer.stop();
      await moto.stop();
    },
  };
}

/**
 * The world of one test file, started before its tests and stopped after them. The fields read the
 * started world, so the file can name them at its top level.
 */
export function useCognitoTestWorld(
  layerOptions: Omit<CognitoLayerOptions, 'motoEndpoint'> = {},
): CognitoTestWorld {
  let started: CognitoTestWorld | undefined;
  beforeAll(async () => {
    started = await startCognitoTestWorld(layerOptions);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const world = () => {
    if (!started) throw new Error('the Cognito test world is used before beforeAll started it');
    return started;
  };
  return {
    get moto() {
      return world().moto;
    },
    get layer() {
      return world().layer;
    },
    get direct() {
      return world().direct;
    },
    get strict() {
      return world().strict;
    },
    stop: () => world().stop(),
  };
}

/** A client that reports the first answer: no SDK retries hiding throttling or faults. */
export function cognitoClient(endpoint: string, region: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

let pools = 0;

export async function createUserPool(client: CognitoIdentityProviderClient): Promise<string> {
  pools += 1;
  const { UserPool } = await client.send(
    new CreateUserPoolCommand({ PoolName: `pool-${process.pid}-${pools}` }),
  );
  if (!UserPool?.Id) throw new Error('CreateUserPool returned no id');
  return UserPool.Id;
}

/** The error an SDK call rejected with, or a failure if it succeeded. */
export async function rejectionOf(
  call: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/**
 * A loopback server that serves OIDC discovery documents: `documents` maps a path to the JSON
 * served there; any other path is a 404.
 */
export async function startDiscoveryServer(): Promise<{
  origin: string;
  documents: Map<string, unknown>;
  stop(): Promise<void>;
}> {
  const documents = new Map<string, unknown>();
  const server: Server = createServer((request, response) => {
    const document = documents.get(request.url ?? '');
    if (document === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    documents,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The discovery document an issuer publishes, with its endpoints under the same origin. */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${new URL(issuer).origin}/application/o/authorize/`,
    token_endpoint: `${new URL(issuer).origin}/application/o/token/`,
    userinfo_endpoint: `${new URL(issuer).origin}/application/o/userinfo/`,
    jwks_uri: `${issuer}jwks/`,
  };
}

/** A Cognito test world beside a discovery server that publishes one issuer's document. */
export interface CognitoWorldWithIssuer {
  world: CognitoTestWorld;
  discovery: Awaited<ReturnType<typeof startDiscoveryServer>>;
  /** `<discovery origin>/application/o/tenant-a/`, with its document served. */
  issuer: string;
  stop(): Promise<void>;
}

export async function startCognitoWorldWithIssuer(
  layerOptions: Omit<CognitoLayerOptions, 'motoEndpoint'> = {},
): Promise<CognitoWorldWithIssuer> {
  const [world, discovery] = await Promise.all([startCognitoTestWorld(layerOptions), startDiscoveryServer()]);
  const issuer = `${discovery.origin}/application/o/tenant-a/`;
  discovery.documents.set(
    '/application/o/tenant-a/.well-known/openid-configuration',
    discoveryDocument(issuer),
  );
  return {
    world,
    discovery,
    issuer,
    stop: async () => {
      await Promise.all([world.stop(), discovery.stop()]);
    },
  };
}
