// Which definitions aws-local-stepfunctions must still validate before running them. Its validator
// (asl-validator) builds a new Ajv and compiles the whole ASL JSON schema on every call, a tenth of a
// second or more each time, and every process that ran a machine paid it again for the same text (a
// test run starts dozens of such processes). A definition that passed is remembered by a hash of its
// text and of the validator's version: in memory, and as an empty file under node_modules/.cache, so
// each text is validated once per install. A text that changes by one byte is validated again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The asl-validator aws-local-stepfunctions itself loads (it may be another copy than ours). */
function validatorVersion(): string {
  const runner = require.resolve('aws-local-stepfunctions');
  let dir = dirname(createRequire(runner).resolve('asl-validator'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

const cacheDir = join(dirname(require.resolve('aws-local-stepfunctions')), '..', '..', '.cache', 'asl-valid');
let version: string | undefined;
const known = new Set<string>();

function keyOf(text: string): string {
  version ??= validatorVersion();
  return createHash('sha256').update(`${version}\n${text}`).digest('hex');
}

export function isKnownValid(text: string): boolean {
  const key = keyOf(text);
  if (known.has(key)) return true;
  if (!existsSync(join(cacheDir, key))) return false;
  known.add(key);
  return true;
}

export function rememberValid(text: string): void {
  const key = keyOf(text);
  known.add(key);
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, key), '');
  } catch {
    // A read-only install validates again next time; nothing else depends on the file.
  }
}
