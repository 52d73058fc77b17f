// openapi.yaml and the code kept in step:
// - writes its generated part, `components.schemas.TenantSpecInput`, from the tenant spec's zod
//   schema (run after changing the spec: node --import tsx local/api-openapi.ts);
// - checks an answer of the API against it (status documented for the operation, body valid against
//   its schema), which the API tests apply to every answer they get.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { parse, parseDocument } from 'yaml';
import { apiTenantSpecSchema } from '../functions/api/request-schema.ts';

export const OPENAPI_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi.yaml');

export function renderOpenApi(text: string): string {
  const document = parseDocument(text);
  document.setIn(['components', 'schemas', 'TenantSpecInput'], apiTenantSpecSchema('openapi-3.0'));
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

interface Operation {
  operationId?: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function readOpenApi(path = OPENAPI_PATH): OpenApiDocument {
  return parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

/** Every operation the document describes, as `METHOD /path/{param}`. */
export function documentedOperations(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

function templateRegExp(template: string): RegExp {
  const pattern = template
    .split('/')
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}

export type ResponseChecker = (method: string, path: string, status: number, body: unknown) => string[];

/**
 * A checker of answers against the document: the problems found, none when the answer conforms.
 * An answer outside every operation (404 for an unknown route, 405) must be an `Error`.
 */
export function openApiResponseChecker(document: OpenApiDocument = readOpenApi()): ResponseChecker {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormatsPlugin.default(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  const schemaAt = (pointer: string) => {
    const validate = ajv.getSchema(`openapi.json${pointer}`);
    if (!validate) throw new Error(`openapi.yaml has nothing at ${pointer}`);
    return validate;
  };
  const check = (pointer: string, body: unknown, what: string): string[] => {
    const validate = schemaAt(pointer);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${what}: ${e.instancePath || '(body)'} ${e.message ?? ''}`);
  };

  return (method, path, status, body) => {
    const pathOnly = path.split('?')[0] ?? path;
    const entry = Object.entries(document.paths).find(([template]) =>
      templateRegExp(template).test(pathOnly),
    );
    const key = method.toLowerCase();
    const operation = (
      entry && METHODS.includes(key) && Object.hasOwn(entry[1], key) ? entry[1][key] : undefined
    ) as Operation | undefined;
    const what = `${method} ${path} ${status}`;
    if (!entry || !operation) return check('#/components/schemas/Error', body, what);
    const response = Object.hasOwn(operation.responses, String(status))
      ? operation.responses[String(status)]
      : operation.responses.default;
    if (!response) return [`${what}: status ${status} is not documented for ${operation.operationId}`];
    const reference = response.$ref;
    const content = reference
      ? document.components.responses[reference.split('/').at(-1) ?? '']?.content
      : response.content;
    if (!content?.['application/json']) return [`${what}: no JSON body documented`];
    const schema = content['application/json'].schema as { $ref?: string } | undefined;
    if (!schema?.$ref) return [`${what}: the documented schema is not a reference`];
    return check(schema.$ref, body, what);
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(OPENAPI_PATH, 'utf8');
  const after = renderOpenApi(before);
  writeFileSync(OPENAPI_PATH, after);
  process.stdout.write(before === after ? 'openapi.yaml is up to date\n' : 'openapi.yaml updated\n');
}
