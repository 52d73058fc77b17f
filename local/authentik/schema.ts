// Authentik's official OpenAPI schema (schema.yml in @goauthentik/api), loaded once per process and
// compiled lazily with ajv. The emulator validates request bodies against it and checks its own
// responses against it; the contract tests use the same validator on every response they record.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

/** One operation of the schema, as the emulator routes and validates it. */
export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** The path template under /api/v3, e.g. `/core/groups/{group_uuid}/`. */
  template: string;
  /** The `#/components/schemas/<name>` of the JSON request body, when there is one. */
  requestSchema: string | undefined;
  requestBodyRequired: boolean;
  /** Status → schema name of the JSON response (undefined when that status has no body). */
  responses: Map<string, string | undefined>;
  /** Query parameters the operation declares (`$ref`s resolved), by name. */
  queryParameters: Map<string, { array: boolean; type: string | undefined }>;
}

export interface MatchedOperation {
  operation: Operation;
  params: Record<string, string>;
}

interface PathEntry {
  template: string;
  regex: RegExp;
  paramNames: string[];
  operations: Map<HttpMethod, Operation>;
}

interface RawSchema {
  info: { version: string };
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
  };
}

/** What the emulator keeps of schema.yml: the operations, and the component schemas as JSON Schema. */
interface PreparedSchema {
  version: string;
  operations: (Omit<Operation, 'responses' | 'queryParameters'> & {
    responses: [string, string | null][];
    queryParameters: [string, { array: boolean; type: string | undefined }][];
  })[];
  schemas: JsonObject;
  strictSchemas: JsonObject;
}

const require = createRequire(import.meta.url);
const PREPARED_FORMAT = 1; // bump when PreparedSchema or its transforms change

/**
 * `node_modules/.cache/authentik-emulator`: where the emulator keeps what it prepared from a
 * release's schema (this one's, and each release's contract), so only the first start pays for it.
 */
export function emulatorCacheDir(): string {
  return join(
    dirname(require.resolve('@goauthentik/api/package.json')),
    '..',
    '..',
    '.cache',
    'authentik-emulator',
  );
}

/** Where schema.yml lives: the pinned @goauthentik/api package. */
export function schemaPath(): string {
  return join(dirname(require.resolve('@goauthentik/api/package.json')), 'schema.yml');
}

// Parsing the 1.8 MB YAML takes seconds; the prepared JSON parses in tens of milliseconds. Cache it
// in node_modules/.cache, keyed on the file's size and mtime, so only the first start pays.
function loadPrepared(): PreparedSchema {
  const path = schemaPath();
  const stat = statSync(path);
  const cacheDir = emulatorCacheDir();
  const cacheFile = join(
    cacheDir,
    `schema-v${PREPARED_FORMAT}-${stat.size}-${Math.trunc(stat.mtimeMs)}.json`,
  );
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as PreparedSchema;
  } catch {
    // not cached yet (or unreadable): prepare from the YAML below
  }
  // Loaded only here: most starts read the cache and never need the YAML parser.
  const { parse } = require('yaml') as typeof import('yaml');
  const prepared = prepare(parse(readFileSync(path, 'utf8')) as RawSchema);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(prepared));
    renameSync(tmp, cacheFile); // atomic, so parallel test workers never read half a file
  } catch {
    // a read-only node_modules only costs the next start the same parse
  }
  return prepared;
}

// OpenAPI 3.0's `nullable` is not JSON Schema: turn it into an explicit `null` alternative, which
// also works next to `allOf: [$ref]` (ajv's own nullable support needs a sibling `type`).
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'discriminator' || key === 'example') continue;
    out[key] = key === 'properties' ? mapValues(value as JsonObject, toJsonSchema) : toJsonSchema(value);
  }
  if (node.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

// For the contract checks: the schema allows unknown properties, but a field the schema does not
// name in an emulator response is a typo or an invention, so strict mode forbids them.
function forbidExtraProperties(node: Json): Json {
  if (Array.isArray(node)) return node.map(forbidExtraProperties);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === 'properties'
        ? mapValues(value as JsonObject, forbidExtraProperties)
        : forbidExtraProperties(value);
  }
  if (node.type === 'object' && node.properties !== undefined && node.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(obj: JsonObject, fn: (v: Json) => Json): JsonObject {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

function refName(ref: unknown): string | undefined {
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
}

function prepare(raw: RawSchema): PreparedSchema {
  const schemas = { ...raw.components.schemas };
  const operations: PreparedSchema['operations'] = [];
  for (const [template, item] of Object.entries(raw.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const body = op.requestBody as JsonObject | undefined;
      const bodySchema = (body?.content as JsonObject | undefined)?.['application/json'] as
        | JsonObject
        | undefined;
      const responses: [string, string | null][] = [];
      for (const [status, response] of Object.entries((op.responses ?? {}) as JsonObject)) {
        let resolved = response as JsonObject;
        const ref = refName(resolved.$ref);
        if (ref !== undefined) resolved = raw.components.responses[ref] ?? {};
        const content = (resolved.content as JsonObject | undefined)?.['application/json'] as
          | JsonObject
          | undefined;
        if (content === undefined) {
          responses.push([status, null]);
          continue;
        }
        // Inline response schemas (arrays of `$ref`, for example) get a synthetic component name.
        const schema = content.schema as JsonObject;
        let name = refName(schema.$ref);
        if (name === undefined) {
          name = `${String(op.operationId)}_${status}`;
          schemas[name] = schema;
        }
        responses.push([status, name]);
      }
      const queryParameters: [string, { array: boolean; type: string | undefined }][] = [];
      for (const p of (op.parameters ?? []) as JsonObject[]) {
        const ref = refName(p.$ref);
        const param = ref === undefined ? p : (raw.components.parameters[ref] ?? {});
        if (param.in !== 'query') continue;
        const schema = (param.schema ?? {}) as JsonObject;
        queryParameters.push([
          String(param.name),
          { array: schema.type === 'array', type: typeof schema.type === 'string' ? schema.type : undefined },
        ]);
      }
      operations.push({
        operationId: String(op.operationId),
        method,
        template,
        requestSchema:
          bodySchema === undefined ? undefined : refName((bodySchema.schema as JsonObject | undefined)?.$ref),
        requestBodyRequired: body?.required === true,
        responses,
        queryParameters,
      });
    }
  }
  const jsonSchemas = toJsonSchema(schemas as Json) as JsonObject;
  return {
    version: raw.info.version,
    operations,
    schemas: jsonSchemas,
    strictSchemas: forbidExtraProperties(jsonSchemas) as JsonObject,
  };
}

function makeAjv(schemas: JsonObject): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    logger: false,
    verbose: true,
    validateSchema: false,
  });
  addFormats(ajv);
  for (const format of ['double', 'float', 'int32', 'int64', 'binary', 'byte']) ajv.addFormat(format, true);
  // DRF's EmailField and URLField on blank-able model fields take and return "", and Django's
  // email validator accepts a dotless domain such as akadmin's root@localhost.
  const uri = ajv.formats.uri;
  ajv.addFormat('email', /^$|^[^\s@]+@[^\s@]+$/);
  ajv.addFormat(
    'uri',
    (value: string) =>
      value === '' ||
      (typeof uri === 'function' ? uri(value) : uri instanceof RegExp ? uri.test(value) : true),
  );
  ajv.addSchema({ $id: 'authentik', components: { schemas } }, 'authentik');
  return ajv;
}

export class AuthentikSchema {
  readonly version: string;
  private readonly prepared: PreparedSchema;
  private readonly paths: PathEntry[] = [];
  private readonly byId = new Map<string, Operation>();
  private readonly ajv: Ajv;
  private strictAjv: Ajv | undefined;

  constructor(prepared: PreparedSchema) {
    this.prepared = prepared;
    this.version = prepared.version;
    const byTemplate = new Map<string, PathEntry>();
    for (const op of prepared.operations) {
      const operation: Operation = {
        ...op,
        responses: new Map(op.responses.map(([status, name]) => [status, name ?? undefined])),
        queryParameters: new Map(op.queryParameters),
      };
      this.byId.set(operation.operationId, operation);
      let entry = byTemplate.get(op.template);
      if (entry === undefined) {
        entry = pathEntry(op.template);
        byTemplate.set(op.template, entry);
        this.paths.push(entry);
      }
      entry.operations.set(op.method, operation);
    }
    // Literal segments win over parameters (`/core/users/me/` before `/core/users/{id}/`).
    this.paths.sort((a, b) => a.paramNames.length - b.paramNames.length);
    this.ajv = makeAjv(prepared.schemas);
  }

  /** The operation a request reaches, given its method and its path under /api/v3. */
  match(method: string, path: string): MatchedOperation | 'no-path' | 'no-method' {
    let sawPath = false;
    for (const entry of this.paths) {
      const m = entry.regex.exec(path);
      if (m === null) continue;
      sawPath = true;
      const operation = entry.operations.get(method.toLowerCase() as HttpMethod);
      if (operation === undefined) continue;
      const params: Record<string, string> = {};
      entry.paramNames.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { operation, params };
    }
    return sawPath ? 'no-method' : 'no-path';
  }

  operation(operationId: string): Operation | undefined {
    return this.byId.get(operationId);
  }

  /** A compiled validator for `#/components/schemas/<name>`; strict forbids properties the schema does not name. */
  validator(name: string, options: { strict?: boolean } = {}): ValidateFunction {
    let ajv = this.ajv;
    if (options.strict === true) {
      this.strictAjv ??= makeAjv(this.prepared.strictSchemas);
      ajv = this.strictAjv;
    }
    const validate = ajv.getSchema(`authentik#/components/schemas/${name}`);
    if (validate === undefined) throw new Error(`schema.yml has no component schema ${name}`);
    return validate;
  }

  /**
   * Checks a response body against the operation's response schema for that status. A status the
   * operation declares without a body comes without one (a 400 may still carry DRF field errors); a
   * status it does not declare (404, 405, 429, 5xx) comes with no body or Authentik's generic
   * `{"detail": ...}` error; only a 5xx may carry a non-JSON page.
   */
  checkResponse(
    operationId: string,
    status: number,
    body: unknown,
    options: { strict?: boolean } = {},
  ): { ok: true } | { ok: false; errors: string[] } {
    const operation = this.byId.get(operationId);
    if (operation === undefined) return { ok: false, errors: [`unknown operation ${operationId}`] };
    const key = String(status);
    const declared = operation.responses.get(key);
    const empty = body === undefined || body === '';
    // A status declared without a body must come without one; DRF still puts field errors on a 400.
    if (operation.responses.has(key) && declared === undefined && status !== 400) {
      return empty
        ? { ok: true }
        : { ok: false, errors: [`${operationId} ${status} declares no body but one was sent`] };
    }
    const schemaName = declared ?? (status === 400 ? 'ValidationError' : 'GenericError');
    if (empty) {
      return declared === undefined
        ? { ok: true }
        : { ok: false, errors: [`${operationId} ${status} must have a ${schemaName} body`] };
    }
    if (typeof body === 'string') {
      return status >= 500
        ? { ok: true }
        : { ok: false, errors: [`${operationId} ${status} answered a non-JSON body`] };
    }
    const validate = this.validator(schemaName, options);
    if (validate(body)) return { ok: true };
    return { ok: false, errors: formatErrors(schemaName, validate.errors ?? []) };
  }
}

function pathEntry(template: string): PathEntry {
  const paramNames: string[] = [];
  const pattern = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{([^}]+)\}/g, (_m, name: string) => {
      paramNames.push(name);
      return '([^/]+)';
    });
  return { template, regex: new RegExp(`^${pattern}$`), paramNames, operations: new Map() };
}

function formatErrors(schemaName: string, errors: ErrorObject[]): string[] {
  return errors
    .filter(
      (e) =>
        !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null') && e.keyword !== 'anyOf',
    )
    .map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
          : '';
      return `${schemaName}${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
    });
}

let loaded: AuthentikSchema | undefined;

/** Prepares schema.yml into the cache now, if it is not there yet (prepareEmulatorCache in contract.ts). */
export function cacheSchema(): void {
  loadPrepared();
}

/** The schema, parsed once per process. */
export function authentikSchema(): AuthentikSchema {
  loaded ??= new AuthentikSchema(loadPrepared());
  return loaded;
}
