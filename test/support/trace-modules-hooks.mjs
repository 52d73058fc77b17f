// The resolve hook behind trace-modules.mjs (module hooks run on their own thread).
import { appendFileSync } from 'node:fs';

const file = process.env.FEDERATION_TRACE_MODULES;

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
