// The local API: the tenant API's Lambda handler served over node:http on loopback, backed by the
// local runner. Each request becomes the proxy event API Gateway would send (body base64-encoded, so
// every byte arrives as sent), so the same curl calls work here and against a deployed stack.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { StepClients } from '#lib/clients.ts';
import { planSpec } from '#lib/plan/plan.ts';
import { BODY_LIMIT_BYTES } from '../functions/api/body.ts';
import { createApi, proxyHandler } from '../functions/api/core.ts';
import type { ProxyEvent, ProxyResult } from '../functions/api/http.ts';
import { type LocalExecutions, type LocalExecutionsOptions, localExecutions } from './api-executions.ts';
import { localRotation, localRotator } from './rotation.ts';
import type { HandlersByPlaceholder } from './runner.ts';

export interface LocalApiOptions {
  clients: StepClients;
  handlers: HandlersByPlaceholder;
  region: string;
  /** Loopback only; 127.0.0.1 unless given. */
  host?: string;
  /** 0 (any free port) unless given. */
  port?: number;
  retryIntervalMs?: number;
  hostedUiBaseUrl?: string;
  onEvent?: LocalExecutionsOptions['onEvent'];
  logger?: Logger;
}

export interface LocalApi {
  url: string;
  executions: LocalExecutions;
  /** The proxy handler the server calls, for callers that skip HTTP. */
  handle(event: ProxyEvent): Promise<ProxyResult>;
  close(): Promise<void>;
}

/** Reads the body, keeping at most one byte over the limit: enough for the API to answer 413. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    if (size <= limit) chunks.push(buffer.subarray(0, limit + 1 - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks);
}

export function toProxyEvent(request: IncomingMessage, body: Buffer): ProxyEvent {
  const raw = request.url ?? '/';
  const queryAt = raw.indexOf('?');
  const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  if (queryAt !== -1) {
    for (const [name, value] of new URLSearchParams(raw.slice(queryAt + 1))) {
      multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
    }
  }
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), request.rawHeaders[i + 1] ?? ''];
  }
  return {
    httpMethod: request.method ?? 'GET',
    path,
    multiValueHeaders,
    multiValueQueryStringParameters,
    body: body.length > 0 ? body.toString('base64') : null,
    isBase64Encoded: true,
  };
}

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const host = options.host ?? '127.0.0.1';
  const executions = localExecutions({
    clients: options.clients,
    handlers: options.handlers,
    region: options.region,
    ...(options.retryIntervalMs === undefined ? {} : { retryIntervalMs: options.retryIntervalMs }),
    ...(options.hostedUiBaseUrl === undefined ? {} : { hostedUiBaseUrl: options.hostedUiBaseUrl }),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const api = createApi(
    {
      registry: options.clients.registry,
      secretsFor: options.clients.secretsFor,
      secretPrefix: options.clients.secretPrefix,
      deployment: options.clients.deployment,
      starter: executions,
      verifier: executions,
      // In-process, as the CLI plans: the world's clients read, nothing is written.
      planner: { plan: (spec) => planSpec(spec, options.clients) },
      // Secrets Manager's part in a rotation, played in-process (moto cannot invoke a Lambda).
      rotator: localRotator(
        localRotation(options.clients, {
          attempts: 2,
          // testSecret's verification signs in through the world's hosted UI too.
          ...(options.hostedUiBaseUrl === undefined ? {} : { hostedUiBaseUrl: options.hostedUiBaseUrl }),
        }),
      ),
    },
    options.logger,
  );
  const handle = proxyHandler(api);

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    let result: ProxyResult;
    try {
      const body = await readBody(request, BODY_LIMIT_BYTES);
      result = await handle(toProxyEvent(request, body));
    } catch {
      // The connection broke while reading: nobody is left to answer, but answer if we can.
      result = {
        statusCode: 400,
        headers: { 'content-type': 'application/json' },
        body: '{"error":"unreadable request","fields":{"body":["could not be read"]}}',
      };
    }
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(result.statusCode, result.headers);
    response.end(result.body);
  };
  const server = createServer((request, response) => {
    void serve(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    executions,
    handle,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
