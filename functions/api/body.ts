// Reading a JSON request body and the query string. Every refusal names the field (`header.content-type`,
// `body`, `query.limit`) and never quotes the input: a body may carry an Authentik token, and
// JSON.parse's own messages quote the text around the error.
import { badRequest, HttpError } from './http.ts';

/** A spec is a few KB; 100 callback and 100 logout URLs of 1 KB each is the most it can hold. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** `application/json`, optionally with `charset=utf-8` (the only charset JSON has). */
export function checkJsonContentType(header: string | undefined): void {
  const field = 'header.content-type';
  if (header === undefined || header.trim() === '') {
    throw badRequest(field, 'is required: application/json', 'missing content type');
  }
  const [mediaType = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') {
    throw badRequest(field, 'must be application/json', 'unsupported content type');
  }
  for (const param of params) {
    if (param === '') continue;
    const [name, value = ''] = param.split('=').map((p) => p.trim());
    if (name !== 'charset' || value.replace(/^"|"$/g, '') !== 'utf-8') {
      throw badRequest(field, 'only the parameter charset=utf-8 is accepted', 'unsupported content type');
    }
  }
}

/** The body as a JSON object; 413 over the limit, 400 for anything that is not one JSON object. */
export function parseJsonObject(body: Buffer | undefined, limit = BODY_LIMIT_BYTES): Record<string, unknown> {
  if (body === undefined || body.length === 0) {
    throw badRequest('body', 'is required: a JSON object', 'missing body');
  }
  if (body.length > limit) {
    throw new HttpError(413, 'request body too large', { body: [`must be at most ${limit} bytes`] });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('body', 'is not valid UTF-8', 'invalid body');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('body', 'is not valid JSON', 'invalid body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('body', 'must be a JSON object', 'invalid body');
  }
  return value as Record<string, unknown>;
}

/** Refuses query parameters the route does not know, and repeated ones. */
export function checkQuery(query: Record<string, string[]>, known: readonly string[]): void {
  const fields: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(query)) {
    const field = `query.${fieldName(name)}`;
    if (!known.includes(name)) fields[field] = ['unknown query parameter'];
    else if (values.length !== 1) fields[field] = ['give it once'];
  }
  if (Object.keys(fields).length > 0) throw new HttpError(400, 'invalid query', fields);
}

/** A name the caller chose, kept short and printable so it can name a field without carrying data. */
export function fieldName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const printable = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  const short = printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
  return short === '' ? '(empty)' : short;
}
