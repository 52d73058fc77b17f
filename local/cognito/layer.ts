import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptyLayerState, type LayerContext } from './context.ts';
import { type CognitoFaults, FaultInjector } from './faults.ts';
import { type CognitoResourceLimits, resolveResourceLimits } from './limits.ts';
import { MotoUpstream, type UpstreamResponse } from './moto-upstream.ts';
import { isWriteOperation } from './operations.ts';
import {
  CognitoError,
  cognitoOperationOf,
  errorTypeOf,
  jsonContentType,
  sendCognitoError,
} from './protocol.ts';
import { type CognitoQuotaSettings, RequestRateLimiter, resolveQuotas } from './quotas.ts';
import { answers, completions, preparations } from './rules.ts';

/** One Cognito call as the layer saw it. Never holds a request or response body. */
export interface CognitoRequestRecord {
  operation: string;
  userPoolId?: string;
  /** HTTP status answered; 0 when the connection was dropped on purpose. */
  status: number;
  /** Error name (`__type`) when the call failed. */
  error?: string;
  /** Whether the operation changes state (counted to prove a converged run writes nothing). */
  write: boolean;
  /** When the layer received it (ms since the epoch). */
  at: number;
}

export interface CognitoLayerOptions {
  motoEndpoint: string;
  /**
   * The one queue of Cognito requests to moto, where other parts of the world (its hosted UI) call
   * moto too: moto must see them one at a time all together (moto-upstream.ts). Closed by whoever
   * made it; without it the layer has a queue of its own.
   */
  upstream?: MotoUpstream;
  /** Request-rate quotas: Cognito's defaults when omitted, `false` to switch them off. */
  quotas?: CognitoQuotaSettings | false;
  faults?: CognitoFaults;
  /** How long OIDC discovery may take before the create fails (default 2 s). */
  discoveryTimeoutMs?: number;
  /** Resource quotas per user pool: Cognito's defaults (limits.ts) unless overridden. */
  resourceLimits?: Partial<CognitoResourceLimits>;
}

export interface CognitoLayer {
  /** Give this to a CognitoIdentityProviderClient as its `endpoint`. */
  endpoint: string;
  requests: CognitoRequestRecord[];
  setFaults(faults: CognitoFaults | undefined): void;
  setQuotas(quotas: CognitoQuotaSettings | false): void;
  stop(): Promise<void>;
}

const limiterFor = (quotas: CognitoQuotaSettings | false | undefined) =>
  quotas === false ? undefined : new RequestRateLimiter(resolveQuotas(quotas));

/** Starts the strict Cognito layer on a free loopback port in front of moto. */
export async function startCognitoLayer(options: CognitoLayerOptions): Promise<CognitoLayer> {
  const moto = options.upstream ?? new MotoUpstream(options.motoEndpoint);
  const discoveryTimeoutMs = options.discoveryTimeoutMs ?? 2_000;
  const limits = resolveResourceLimits(options.resourceLimits);
  const state = emptyLayerState();
  const requests: CognitoRequestRecord[] = [];
  let limiter = limiterFor(options.quotas);
  let faults = new FaultInjector(options.faults);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const operation = cognitoOperationOf(request.headers);
    if (!operation) {
      relay(
        response,
        await moto.forward(request.method ?? 'POST', request.url ?? '/', request.headers, body),
      );
      return;
    }
    const input = parseJsonObject(body);
    const userPoolId = typeof input?.UserPoolId === 'string' ? input.UserPoolId : undefined;
    const record: CognitoRequestRecord = {
      operation,
      ...(userPoolId ? { userPoolId } : {}),
      status: 0,
      write: isWriteOperation(operation),
      at: Date.now(),
    };
    requests.push(record);
    const answerError = (error: CognitoError) => {
      record.status = error.status;
      record.error = error.type;
      sendCognitoError(response, error);
    };

    try {
      const fault = faults.next(operation);
      if (fault === 'reset') {
        record.error = 'ConnectionReset';
        request.socket.destroy();
        return;
      }
      if (fault === 'InternalErrorException') {
        answerError(new CognitoError(fault, 'Internal error (injected by the local world)', 500));
        return;
      }
      if (fault === 'TooManyRequestsException') {
        answerError(new CognitoError(fault, 'Rate exceeded'));
        return;
      }

      const admission = limiter?.admit(operation, userPoolId);
      if (admission && !admission.admitted) {
        answerError(new CognitoError('TooManyRequestsException', `Rate exceeded (${admission.quota})`));
        return;
      }

      let forwardBody = body;
      const context: LayerContext = {
        moto,
        authorization: String(request.headers.authorization ?? ''),
        discoveryTimeoutMs,
        limits,
        state,
      };
      const prepare = preparations[operation];
      const answer = answers[operation];
      if ((prepare || answer) && input) {
        try {
          const own = answer ? await answer(input, context) : undefined;
          if (own) {
            record.status = 200;
            sendJson(response, own);
            return;
          }
          if (prepare) forwardBody = Buffer.from(JSON.stringify(await prepare(input, context)));
        } catch (error) {
          if (error instanceof CognitoError) return answerError(error);
          throw error;
        }
      }

      const upstream = await moto.forward('POST', request.url ?? '/', request.headers, forwardBody);
      if (upstream.status >= 500 && !isJson(upstream)) {
        // moto answers an operation it lacks with an HTML 500; say which one instead.
        answerError(
          new CognitoError(
            'UnsupportedOperationException',
            `Operation ${operation} is not implemented by the local world`,
          ),
        );
        return;
      }
      const complete = completions[operation];
      if (complete && input && upstream.status === 200) {
        record.status = 200;
        sendJson(response, complete(input, parseJsonObject(upstream.body) ?? {}, context));
        return;
      }
      record.status = upstream.status;
      if (upstream.status >= 400) record.error = errorTypeOf(upstream.body) ?? `HTTP ${upstream.status}`;
      relay(response, upstream);
    } catch (error) {
      if (response.headersSent || request.socket.destroyed) throw error;
      answerError(
        new CognitoError(
          'InternalErrorException',
          `The local world failed: ${(error as Error).message}`,
          500,
        ),
      );
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (response.headersSent || request.socket.destroyed) return;
      sendCognitoError(
        response,
        new CognitoError('InternalErrorException', `The local world failed: ${error.message}`, 500),
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setFaults(next) {
      faults = new FaultInjector(next);
    },
    setQuotas(next) {
      limiter = limiterFor(next);
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        if (!options.upstream) moto.close();
      });
      return stopped;
    },
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(response: ServerResponse, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': jsonContentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function isJson(answer: UpstreamResponse): boolean {
  return /json/i.test(String(answer.headers['content-type'] ?? ''));
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function relay(response: ServerResponse, answer: UpstreamResponse): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  }
  headers['content-length'] = String(answer.body.length);
  response.writeHead(answer.status, headers);
  response.end(answer.body);
}
