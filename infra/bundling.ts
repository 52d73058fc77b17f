// How every Lambda of the product is bundled. One definition, read by the function construct (CDK
// runs esbuild with it) and by the bundle benchmark (which runs esbuild directly), so the figures
// measure what is deployed.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: entries, package.json (its `#lib/*` imports map) and the lock file live here. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `functions/<name>/handler.ts`, which exports `handler`. */
export function handlerEntry(name: string): string {
  return join(projectRoot, 'functions', name, 'handler.ts');
}

/** Node 22 on Lambda; esbuild targets the same syntax level. */
export const nodeTarget = 'node22';

/**
 * The SDK v3 ships in the nodejs22.x runtime, so it stays out of the bundle (smaller artefact,
 * faster cold start); everything else (zod, openapi-fetch, Powertools) is bundled.
 */
export const externalModules = ['@aws-sdk/*'];

// ESM output has no `require`; a CommonJS dependency that calls it (a Node builtin, usually) would
// throw "Dynamic require of ... is not supported". The aliased import cannot clash with the bundle's.
export const requireBanner =
  "import { createRequire as __federationCreateRequire } from 'node:module'; " +
  'const require = __federationCreateRequire(import.meta.url);';

/** Prefer ES module builds of dependencies: they tree-shake where CommonJS builds do not. */
export const mainFields = ['module', 'main'];

/** The esbuild build options equivalent to the construct's bundling (for the benchmark). */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: nodeTarget,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: externalModules,
    banner: { js: requireBanner },
    mainFields,
    absWorkingDir: projectRoot,
    logLevel: 'warning' as const,
  };
}
