import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

// Cognito user pools speak AWS JSON 1.1: every call is a POST whose operation is named by the
// X-Amz-Target header, and errors are `{"__type", "message"}` bodies (plus `x-amzn-ErrorType`),
// which is what the SDK reads to pick the exception class it throws.

export const cognitoTargetPrefix = 'AWSCognitoIdentityProviderService.';

export const jsonContentType = 'application/x-amz-json-1.1';

/** The Cognito operation a request calls, or undefined when it is meant for another service. */
export function cognitoOperationOf(headers: IncomingHttpHeaders): string | undefined {
  const target = headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(cognitoTargetPrefix)) return undefined;
  return target.slice(cognitoTargetPrefix.length) || undefined;
}

/** An error answered the way Cognito answers it. */
export class CognitoError extends Error {
  override readonly name = 'CognitoError';
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export const invalidParameter = (message: string): CognitoError =>
  new CognitoError('InvalidParameterException', message);

export function sendCognitoError(response: ServerResponse, error: CognitoError): void {
  const body = JSON.stringify({ __type: error.type, message: error.message });
  response.writeHead(error.status, {
    'content-type': jsonContentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': error.type,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(body);
}

/** The `__type` of a JSON error body, without keeping anything else from it. */
export function errorTypeOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { __type?: unknown };
    if (typeof parsed.__type !== 'string') return undefined;
    // Some services send `namespace#Type`; the SDK keeps the part after '#'.
    return parsed.__type.split('#').pop();
  } catch {
    return undefined;
  }
}
