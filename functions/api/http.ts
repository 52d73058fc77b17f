// The HTTP edge of the tenant API: API Gateway's REST proxy event in, a proxy result out. The local
// API server builds the same event from a node:http request, so both run the same code from here on.
import type { ErrorBody } from './types.ts';

/** The fields of API Gateway's REST (v1) proxy event the API reads. */
export interface ProxyEvent {
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string };
}

export interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A request as the API core reads it: header names lower-cased, every query value kept. */
export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string>;
  /** The raw body bytes (API Gateway hands them base64-encoded for binary media types). */
  body: Buffer | undefined;
  requestId?: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers?: Record<string, string>;
}

/** A failure with its status and, for bad input, the offending fields. Messages never echo input values. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly extra: Omit<ErrorBody, 'error' | 'fields'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400 naming one field. */
export function badRequest(field: string, message: string, summary = `invalid ${field}`): HttpError {
  return new HttpError(400, summary, { [field]: [message] });
}

export function toApiRequest(event: ProxyEvent): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (Array.isArray(values) && values.length > 0) headers[name.toLowerCase()] = values.join(', ');
  }
  const query: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (typeof value === 'string') query[name] = [value];
  }
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (Array.isArray(values)) query[name] = values.filter((v): v is string => typeof v === 'string');
  }
  const raw = event.body;
  const body =
    raw === undefined || raw === null
      ? undefined
      : Buffer.from(raw, event.isBase64Encoded === true ? 'base64' : 'utf8');
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    query,
    headers,
    body,
    ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
  };
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function toProxyResult(response: ApiResponse): ProxyResult {
  return {
    statusCode: response.status,
    headers: { ...JSON_HEADERS, ...response.headers },
    body: JSON.stringify(response.body),
  };
}

export function errorResponse(error: HttpError): ApiResponse<ErrorBody> {
  const fields = error.fields && Object.keys(error.fields).length > 0 ? { fields: error.fields } : {};
  return {
    status: error.status,
    body: { error: error.message, ...fields, ...error.extra },
    headers: error.headers,
  };
}
