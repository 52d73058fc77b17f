// The REST API under /api/v3/: routes a request to its operation in schema.yml (unknown paths,
// including every path without its trailing slash, are 404), authenticates the bearer token as
// Authentik does (failures are 403 with `{"detail": ...}`), parses the JSON body, runs the
// operation's handler and checks the answer against the operation's response schema.
import type { IncomingMessage } from 'node:http';
import { type Contract, checkRequest } from './contract.ts';
import { type AnswerLookups, checkAnswer, shapeResponse } from './contract-answers.ts';
import type { ApiContext, ApiResponse, Handler } from './resource.ts';
import { applicationHandlers } from './resources/applications.ts';
import { catalogHandlers } from './resources/catalog.ts';
import { groupHandlers } from './resources/groups.ts';
import { policyHandlers } from './resources/policies.ts';
import { providerHandlers } from './resources/providers.ts';
import { tokenHandlers } from './resources/tokens.ts';
import { userHandlers } from './resources/users.ts';
import { authentikSchema } from './schema.ts';
import type { AuthentikStore, UserRecord } from './store.ts';

export const API_PREFIX = '/api/v3';

export interface RestOptions {
  store: AuthentikStore;
  installId: string;
  baseUrl: string;
  /** The version `admin/version/` reports. */
  version: string;
  /** Check every answer against the response schema; a mismatch becomes a 500 that names it. */
  checkResponses: boolean;
  /** Where mismatches are recorded (operation, status and schema errors; never the body). */
  violations: string[];
  /** The release's contract: requests are checked against it and answers shaped by it. */
  contract?: Contract;
  /** Requests and answers that broke the release's contract (operation and field, never the body). */
  contractViolations?: string[];
  noPython(): void;
}

const forbidden = (detail: string): ApiResponse => ({ status: 403, body: { detail } });

/** The user a request authenticates as, or the 403 Authentik answers. */
export function authenticate(store: AuthentikStore, header: string | undefined): UserRecord | ApiResponse {
  const value = (header ?? '').trim();
  if (value === '' || !value.includes(' ')) return forbidden('Authentication credentials were not provided.');
  const space = value.indexOf(' ');
  const type = value.slice(0, space);
  const credentials = value.slice(space + 1);
  if (type.toLowerCase() !== 'bearer') return forbidden('Unsupported authentication type');
  if (credentials === '') return forbidden('Malformed header');
  const token = store.findTokenByKey(credentials);
  const expired =
    token?.expiring === true && token.expires !== null && Date.parse(token.expires) <= Date.now();
  const user =
    token === undefined || token.intent !== 'api' || expired ? undefined : store.users.get(token.user);
  if (user === undefined || !user.is_active) return forbidden('Token invalid/expired');
  return user;
}

function version(options: RestOptions): Handler {
  return () => ({
    status: 200,
    body: {
      version_current: options.version,
      version_latest: options.version,
      version_latest_valid: true,
      build_hash: '',
      outdated: false,
      outpost_outdated: false,
    },
  });
}

const HANDLERS: Record<string, Handler> = {
  ...groupHandlers,
  ...userHandlers,
  ...tokenHandlers,
  ...catalogHandlers,
  ...providerHandlers,
  ...applicationHandlers,
  ...policyHandlers,
};

/** The operationIds the emulator implements. */
export function implementedOperations(): string[] {
  return [...Object.keys(HANDLERS), 'admin_version_retrieve'];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

type ParsedBody = { ok: true; value: unknown } | { ok: false; response: ApiResponse };

async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const text = await readBody(req);
  // DRF reads an empty body as an empty form: every required field is then missing.
  if (text.trim() === '') return { ok: true, value: {} };
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (type !== 'application/json') {
    return {
      ok: false,
      response: { status: 415, body: { detail: `Unsupported media type "${type}" in request.` } },
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      response: { status: 400, body: { detail: `JSON parse error - ${(error as Error).message}` } },
    };
  }
}

function lookups(store: AuthentikStore): AnswerLookups {
  return {
    group: (pk) => store.groups.get(pk),
    keyPairHasKey: (pk) => (store.certificateKeyPairs.get(pk)?.key_data ?? '') !== '',
  };
}

/** Answers one request under /api/v3; `path` is the part after the prefix, query excluded. */
export async function handleApiRequest(
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
  options: RestOptions,
): Promise<ApiResponse & { operationId?: string }> {
  const schema = authentikSchema();
  const method = (req.method ?? 'GET').toUpperCase();
  const matched = schema.match(method, path);
  if (matched === 'no-path') return { status: 404, body: { detail: 'Not found.' } };
  if (matched === 'no-method') return { status: 405, body: { detail: `Method "${method}" not allowed.` } };
  const { operation, params } = matched;
  const user = authenticate(options.store, req.headers.authorization);
  if (!('pk' in user)) return { ...user, operationId: operation.operationId };
  const handler =
    operation.operationId === 'admin_version_retrieve' ? version(options) : HANDLERS[operation.operationId];
  if (handler === undefined) {
    return {
      status: 501,
      body: { detail: `The Authentik emulator does not implement ${operation.operationId}.` },
    };
  }
  let body: unknown;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const parsed = await parseBody(req);
    if (!parsed.ok) return { ...parsed.response, operationId: operation.operationId };
    body = parsed.value;
    if (options.contract && operation.requestSchema) {
      const checked = checkRequest(options.contract, operation.requestSchema, body);
      for (const violation of checked.violations) {
        options.contractViolations?.push(`${operation.operationId}: ${violation}`);
      }
      body = checked.body;
    }
  }
  const ctx: ApiContext = {
    store: options.store,
    installId: options.installId,
    baseUrl: options.baseUrl,
    user,
    superuser: options.store.isSuperuser(user),
    query,
    noPython: options.noPython,
  };
  const response = handler(ctx, params, body);
  if (options.checkResponses) {
    const check = schema.checkResponse(operation.operationId, response.status, response.body, {
      strict: true,
    });
    if (!check.ok) {
      options.violations.push(`${operation.operationId} ${response.status}: ${check.errors.join('; ')}`);
      return {
        status: 500,
        body: { detail: `emulator response does not match schema.yml: ${check.errors.join('; ')}` },
        operationId: operation.operationId,
      };
    }
  }
  const responseSchema = operation.responses.get(String(response.status));
  // Only answers: error bodies are the same in every release.
  if (options.contract && responseSchema && response.status < 300 && response.body !== undefined) {
    const shaped = shapeResponse(options.contract, responseSchema, response.body, lookups(options.store));
    for (const violation of checkAnswer(options.contract, responseSchema, shaped)) {
      options.contractViolations?.push(`${operation.operationId}: ${violation}`);
    }
    return { ...response, body: shaped, operationId: operation.operationId };
  }
  return { ...response, operationId: operation.operationId };
}
