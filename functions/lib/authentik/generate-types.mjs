// Generates TypeScript types for Authentik's API from the official schema.yml that ships in the
// pinned @goauthentik/api package. Run by `npm ci` (prepare); the output is never edited by hand.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const schemaPath = join(dirname(require.resolve('@goauthentik/api/package.json')), 'schema.yml');
const ast = await openapiTS(new URL(`file://${schemaPath}`));
const banner = `// Generated from @goauthentik/api/schema.yml by generate-types.mjs. Do not edit.\n`;
writeFileSync(join(here, 'schema.d.ts'), banner + astToString(ast));
