// The specs of a batch: every `*.json` file of a folder, or every line of an NDJSON file. Each spec is
// checked as `provision <spec.json>` checks one (the spec's rules, under a deployment's allow-list:
// spec-rules.ts); a bad one is a problem naming its file (and line) and each bad field, and the
// others still go. Two specs of one tenant are a problem for the second.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ValidationError } from '#lib/errors.ts';
import { UsageError } from './output.ts';
import type { SpecInput } from './spec-file.ts';
import { validateAsWritten } from './spec-rules.ts';

export interface BatchSpec {
  /** Where it was read: `specs/acme.json` or `tenants.ndjson:3`. */
  source: string;
  input: SpecInput;
}

export interface BatchProblem {
  source: string;
  /** What is wrong, naming the field: `cognito.callbackUrls: must be https`. */
  message: string;
}

export interface Batch {
  specs: BatchSpec[];
  problems: BatchProblem[];
}

/** Whether `provision` was given a batch (a folder, or an NDJSON file) rather than one spec. */
export async function isBatchPath(path: string): Promise<boolean> {
  if (/\.(ndjson|jsonl)$/i.test(path)) return true;
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function sourcesOf(path: string): Promise<{ source: string; text: string }[]> {
  if ((await stat(path).catch(() => undefined))?.isDirectory()) {
    const files = (await readdir(path)).filter((file) => file.endsWith('.json')).sort();
    return Promise.all(
      files.map(async (file) => ({
        source: join(path, file),
        text: await readFile(join(path, file), 'utf8'),
      })),
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read the batch ${path}${code === 'ENOENT' ? ': no such file' : ''}.`);
  }
  return text
    .split('\n')
    .map((line, i) => ({ source: `${basename(path)}:${i + 1}`, text: line }))
    .filter((line) => line.text.trim() !== '');
}

/**
 * The problem with one spec's text, or the spec. Messages name fields and rules, never values.
 * Through an API (`validate` false) the API checks each spec and names its bad fields itself.
 */
function check(
  text: string,
  env: NodeJS.ProcessEnv,
  validate: boolean,
): { input: SpecInput } | { message: string } {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const at = /position \d+/.exec((error as Error).message)?.[0];
    return { message: `not JSON${at ? ` (at ${at})` : ''}` };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { message: 'must be a JSON object (a tenant spec)' };
  }
  const spec = input as Record<string, unknown>;
  if (typeof spec.tenantId !== 'string') return { message: 'tenantId: is required' };
  if (!validate) return { input: spec as SpecInput };
  try {
    validateAsWritten(spec, env);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const fields = Object.entries(error.fields).map(
      ([field, messages]) => `${field}: ${messages.join('; ')}`,
    );
    return { message: fields.join(' | ') || error.message };
  }
  return { input: spec as SpecInput };
}

export async function readBatch(path: string, env: NodeJS.ProcessEnv, validate = true): Promise<Batch> {
  const batch: Batch = { specs: [], problems: [] };
  const seen = new Map<string, string>();
  for (const { source, text } of await sourcesOf(path)) {
    const checked = check(text, env, validate);
    if ('message' in checked) {
      batch.problems.push({ source, message: checked.message });
      continue;
    }
    const first = seen.get(checked.input.tenantId);
    if (first) {
      batch.problems.push({ source, message: `tenantId: ${checked.input.tenantId} is already in ${first}` });
      continue;
    }
    seen.set(checked.input.tenantId, source);
    batch.specs.push({ source, input: checked.input });
  }
  if (batch.specs.length === 0 && batch.problems.length === 0) {
    throw new UsageError(`The batch ${path} holds no tenant spec.`);
  }
  return batch;
}
