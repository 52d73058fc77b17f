import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { CognitoError, cognitoTargetPrefix, errorTypeOf, jsonContentType } from './protocol.ts';

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The moto_server behind the layer: raw forwarding, and Cognito calls the layer makes itself.
 *
 * Requests reach moto one at a time. moto serves each on its own thread over unlocked in-memory
 * state, and under 8 concurrent provisionings it now and then answered a ListUserPools with an HTML
 * 500 (a race between its threads). Cognito itself never fails that way, so the layer does not let
 * moto's threads race; moto's work holds one Python lock at a time anyway, so little throughput is
 * lost.
 */
export class MotoUpstream {
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true });
  private queue: Promise<unknown> = Promise.resolve();

  constructor(endpoint: string) {
    this.url = new URL(endpoint);
  }

  forward(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<UpstreamResponse> {
    const turn = this.queue.then(() => this.send(method, path, headers, body));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private send(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<UpstreamResponse> {
    const outgoing: IncomingHttpHeaders = { ...headers, host: this.url.host };
    delete outgoing.connection;
    delete outgoing['transfer-encoding'];
    outgoing['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = request(
        { host: this.url.hostname, port: this.url.port, method, path, headers: outgoing, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /**
   * Calls a Cognito operation on moto on the caller's behalf. `authorization` is the caller's own
   * header: moto keys its state by the account and region it names, and checks no signature.
   */
  async call<T>(operation: string, input: Record<string, unknown>, authorization: string): Promise<T> {
    const response = await this.forward(
      'POST',
      '/',
      {
        'content-type': jsonContentType,
        'x-amz-target': `${cognitoTargetPrefix}${operation}`,
        authorization,
      },
      Buffer.from(JSON.stringify(input)),
    );
    if (response.status >= 400) {
      const type = errorTypeOf(response.body) ?? 'InternalErrorException';
      throw new CognitoError(type, messageOf(response.body) ?? `${operation} failed`, response.status);
    }
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

function messageOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
