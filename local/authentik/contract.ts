// One Authentik release's API contract, as that release's @goauthentik/api package states it (npm
// aliases @goauthentik/api-<release> in package.json): the fields each request and response model
// has and the ones a request must carry. From 2025.8 the package ships schema.yml; before, only the
// generated client, whose models' FromJSONTyped functions name every field and mark the optional
// ones (`!exists(json, …)`, or `json[…] == null ? undefined`) — the contract of 2024.10 and 2025.6
// is read from those.
//
// The emulator serves every release from one store shaped like the newest schema; this module
// checks what a client sends against the release's contract (a field the release does not know is a
// contract violation: DRF would drop it silently, so the write would not do what the client meant)
// and reshapes answers into the release's models (contract-answers.ts).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isAtLeast, parseAuthentikVersion } from '#lib/authentik/version.ts';
import { cacheSchema, emulatorCacheDir } from './schema.ts';

const require = createRequire(import.meta.url);

/** The releases whose contracts are installed, oldest first, and the package each comes from. */
export const RELEASES = ['2024.10', '2025.6', '2025.8', '2025.10', '2026.2', '2026.8'] as const;
export type Release = (typeof RELEASES)[number];
const NEWEST_RELEASE: Release = '2026.8';

/** One version of each installed release (its package's own version): the version matrix. */
export const MATRIX_VERSIONS = [
  '2024.10.5',
  '2025.6.4',
  '2025.8.6',
  '2025.10.4',
  '2026.2.0',
  '2026.8.3',
] as const;

const PACKAGE: Record<Release, string> = {
  '2024.10': '@goauthentik/api-2024.10',
  '2025.6': '@goauthentik/api-2025.6',
  '2025.8': '@goauthentik/api-2025.8',
  '2025.10': '@goauthentik/api-2025.10',
  '2026.2': '@goauthentik/api-2026.2',
  '2026.8': '@goauthentik/api',
};

/** One model: its fields, the required ones, and the model each nested field holds. */
export interface Model {
  fields: string[];
  required: string[];
  refs: Record<string, string>;
}

export interface Contract {
  release: Release;
  models: Record<string, Model>;
}

function parse(text: string) {
  return parseAuthentikVersion(text) ?? parseAuthentikVersion('2026.8');
}

/** The installed release a version is served by: the newest one not newer than it (2024.10 at least). */
export function releaseFor(version: string): Release {
  const wanted = parse(version);
  let chosen: Release = RELEASES[0];
  for (const release of RELEASES) {
    const r = parse(release);
    if (wanted && r && isAtLeast(wanted, r)) chosen = release;
  }
  return chosen;
}

/**
 * Why the emulator cannot serve `version`, or undefined when it can: a release older than the oldest
 * contract installed, or newer than the newest, has no contract here (serving a neighbour's would
 * invent that release's API).
 */
export function unservedVersion(version: string): string | undefined {
  const wanted = parseAuthentikVersion(version);
  const range = `${RELEASES[0]} to ${NEWEST_RELEASE}`;
  if (!wanted) return `"${version}" is not a version like 2025.8.3`;
  const oldest = parse(RELEASES[0]);
  const newest = parse(NEWEST_RELEASE);
  if (oldest && !isAtLeast(wanted, oldest))
    return `Authentik ${version} has no contract here (the releases served are ${range})`;
  if (newest && (wanted.year > newest.year || (wanted.year === newest.year && wanted.month > newest.month)))
    return `Authentik ${version} has no contract here (the releases served are ${range})`;
  return undefined;
}

/** Whether `version` is at least `release` (year and month). */
export function atLeast(version: string, release: string): boolean {
  const a = parse(version);
  const b = parse(release);
  return a !== undefined && b !== undefined && isAtLeast(a, b);
}

function packageDir(release: Release): string {
  return dirname(require.resolve(`${PACKAGE[release]}/package.json`));
}

export type JsonObject = Record<string, unknown>;

function refName(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const n = node as JsonObject;
  if (typeof n.$ref === 'string') return n.$ref.split('/').pop();
  for (const key of ['items', 'allOf', 'anyOf', 'oneOf']) {
    const inner = n[key];
    const found = Array.isArray(inner) ? inner.map(refName).find(Boolean) : refName(inner);
    if (found) return found;
  }
  return undefined;
}

function fromSchemaYml(dir: string): Record<string, Model> {
  const { parse: parseYaml } = require('yaml') as typeof import('yaml');
  const raw = parseYaml(readFileSync(join(dir, 'schema.yml'), 'utf8')) as {
    components: { schemas: Record<string, JsonObject> };
  };
  const models: Record<string, Model> = {};
  for (const [name, schema] of Object.entries(raw.components.schemas)) {
    const properties = schema.properties as Record<string, unknown> | undefined;
    if (!properties) continue;
    const refs: Record<string, string> = {};
    for (const [field, node] of Object.entries(properties)) {
      const ref = refName(node);
      if (ref) refs[field] = ref;
    }
    models[name] = { fields: Object.keys(properties), required: (schema.required as string[]) ?? [], refs };
  }
  return models;
}

// `'camel': !exists(json, 'snake') ? undefined : …json['snake']…` (optional) or `'camel': …json['snake']…`.
const FIELD_LINE = /^\s*'[A-Za-z0-9_]+': (.*json\['([a-z0-9_]+)'\].*),?$/;

function fromGeneratedClient(dir: string): Record<string, Model> {
  const modelsDir = join(dir, 'src', 'models');
  const models: Record<string, Model> = {};
  for (const file of readdirSync(modelsDir)) {
    if (!file.endsWith('.ts')) continue;
    const name = file.slice(0, -3);
    const text = readFileSync(join(modelsDir, file), 'utf8');
    const start = text.indexOf(`export function ${name}FromJSONTyped(`);
    if (start < 0) continue;
    const body = text.slice(start, text.indexOf('\n}\n', start));
    const model: Model = { fields: [], required: [], refs: {} };
    for (const line of body.split('\n')) {
      const match = FIELD_LINE.exec(line);
      if (!match) continue;
      const [, expression = '', field = ''] = match;
      model.fields.push(field);
      // Optional: `!exists(json, 'f') ? undefined` (2024.10's generator), `json['f'] == null ? undefined` (2025.6's).
      const optional =
        expression.includes(`!exists(json, '${field}')`) ||
        expression.includes(`json['${field}'] == null ? undefined`);
      if (!optional) model.required.push(field);
      const ref = /([A-Z][A-Za-z0-9]*)FromJSON\b/.exec(expression)?.[1];
      if (ref && !ref.endsWith('Enum')) model.refs[field] = ref;
    }
    if (model.fields.length > 0) models[name] = model;
  }
  return models;
}

const loaded = new Map<Release, Contract>();

/**
 * The contract of the release serving `version`. Reading schema.yml or 700 model files takes a
 * while, so the result is cached in node_modules/.cache per package file's size and mtime.
 */
export function contractFor(version: string): Contract {
  const release = releaseFor(version);
  const known = loaded.get(release);
  if (known) return known;
  const dir = packageDir(release);
  const source = existsSync(join(dir, 'schema.yml')) ? join(dir, 'schema.yml') : join(dir, 'package.json');
  const stat = statSync(source);
  const cacheDir = emulatorCacheDir();
  const cacheFile = join(cacheDir, `contract-v2-${release}-${stat.size}-${Math.trunc(stat.mtimeMs)}.json`);
  let models: Record<string, Model> | undefined;
  try {
    models = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Model>;
  } catch {
    models = source.endsWith('schema.yml') ? fromSchemaYml(dir) : fromGeneratedClient(dir);
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(models));
      renameSync(tmp, cacheFile);
    } catch {
      // a read-only node_modules only costs the next start the same parse
    }
  }
  const contract = { release, models };
  loaded.set(release, contract);
  return contract;
}

/**
 * Prepares the parsed schema and every release's contract in the cache, where they are not yet:
 * once, by `npm ci` (local/prepare.ts) and, should that not have run, by a test run before its
 * workers start. Otherwise each process that started a world first would build them itself, the
 * test workers at the same moment.
 */
export function prepareEmulatorCache(): void {
  cacheSchema();
  for (const release of RELEASES) contractFor(release);
}

// The renames between releases, from the packages' models: a group's single `parent` (and
// `children`) became the list `parents` in 2026.2 (GroupRequest of @goauthentik/api 2025.10 and
// 2026.2).
export function groupToRelease(body: JsonObject, model: Model): JsonObject {
  if (!('parents' in body) || model.fields.includes('parents') || !model.fields.includes('parent'))
    return body;
  const { parents, ...rest } = body;
  const list = Array.isArray(parents) ? parents : [];
  return { ...rest, parent: list[0] ?? null };
}

function groupFromRelease(body: JsonObject, model: Model): JsonObject {
  if (!('parent' in body) || model.fields.includes('parents')) return body;
  const { parent, ...rest } = body;
  return { ...rest, parents: parent === null || parent === undefined ? [] : [parent] };
}

export const GROUP_MODELS = new Set(['Group', 'GroupRequest', 'PatchedGroupRequest']);

/**
 * What a request body says in the release's terms: the violations (a field the model does not have,
 * a required field missing) and the body as the store understands it (unknown fields dropped, as
 * DRF drops them; a release's `parent` as `parents`).
 */
export function checkRequest(
  contract: Contract,
  schemaName: string,
  body: unknown,
): { violations: string[]; body: unknown } {
  const violations: string[] = [];
  const walk = (name: string, value: unknown, path: string): unknown => {
    const model = contract.models[name];
    if (!model || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item, i) => walk(name, item, `${path}[${i}]`));
    let object = value as JsonObject;
    const out: JsonObject = {};
    const at = (field: string) => (path === '' ? field : `${path}.${field}`);
    if (!name.startsWith('Patched')) {
      for (const field of model.required) {
        if (!(field in object)) violations.push(`${at(field)} is required by ${contract.release}'s ${name}`);
      }
    }
    for (const [field, inner] of Object.entries(object)) {
      if (!model.fields.includes(field)) {
        violations.push(`${at(field)} is not a field of ${contract.release}'s ${name}`);
        continue;
      }
      const ref = model.refs[field];
      out[field] = ref ? walk(ref, inner, at(field)) : inner;
    }
    object = out;
    return GROUP_MODELS.has(name) ? groupFromRelease(object, model) : object;
  };
  return { violations, body: walk(schemaName, body, '') };
}
