// Reading the spec file a command names. A file that cannot be read, is not JSON or names no tenant
// is a mistake in the call (exit 2); what the spec says is validated by the tenant spec's own rules.
import { readFile } from 'node:fs/promises';
import { UsageError } from './output.ts';

export type SpecInput = Record<string, unknown> & { tenantId: string };

export async function readSpecFile(path: string): Promise<SpecInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `Cannot read the tenant spec ${path}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}.`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    // Only where: the parser's message quotes the text, which could hold a value not meant for a log.
    const at = /position \d+/.exec((error as Error).message)?.[0];
    throw new UsageError(`The tenant spec ${path} is not JSON${at ? ` (at ${at})` : ''}.`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new UsageError(`The tenant spec ${path} must be a JSON object.`);
  }
  const spec = input as Record<string, unknown>;
  if (typeof spec.tenantId !== 'string') {
    throw new UsageError(`The tenant spec ${path} names no tenant: set "tenantId".`);
  }
  return spec as SpecInput;
}
