// SigV4 signing of tenant API requests (API Gateway with IAM authorization, service execute-api), on
// the signer the AWS SDK itself uses. Credentials come from the caller (e.g. `fromNodeProviderChain()`
// of @aws-sdk/credential-providers), so this module makes no choice about where they live.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestSigner } from './api-client.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Options {
  region: string;
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** execute-api unless given. */
  service?: string;
  /** The signing time; now unless given (tests fix it). */
  now?: () => Date;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256, or HMAC-SHA-256 with a secret, in the shape the signer wants (node:crypto underneath). */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export function sigV4Signer(options: SigV4Options): RequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials:
      typeof options.credentials === 'function'
        ? options.credentials
        : async () => options.credentials as AwsCredentials,
    sha256: Sha256,
    // The payload hash is signed either way; the x-amz-content-sha256 header is S3's, not API Gateway's.
    applyChecksum: false,
  });
  return async (request) => {
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of request.url.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        ...(request.url.port ? { port: Number(request.url.port) } : {}),
        path: request.url.pathname,
        query,
        headers: { ...request.headers, host: request.url.host },
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      options.now ? { signingDate: options.now() } : {},
    );
    return signed.headers;
  };
}
