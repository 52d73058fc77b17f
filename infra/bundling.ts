// How every Lambda of the product is bundled. One definition, built by the function construct
// (infra/federation-function.ts, esbuild's API during synth) and by the bundle benchmark, so the
// figures measure what is deployed.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: entries, package.json (its `#lib/*` imports map) and the lock file live here. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** `functions/<name>/handler.ts`, which exports `handler`. */
export function handlerEntry(name: string): string {
  return join(projectRoot, 'functions', name, 'handler.ts');
}

/** Node 22 on Lambda; esbuild targets the same syntax level. */
export const nodeTarget = 'node22';

/**
 * Where the AWS SDK a Lambda runs comes from.
 *
 * - `runtime`: left out of the bundle, so the function runs whatever SDK the nodejs22.x runtime
 *   ships, which may be older than the pinned one.
 * - `cognito`: the pinned Cognito client bundled, the other clients from the runtime.
 * - `all`: every SDK client bundled at its pinned version.
 *
 * The SDK models each operation's fields: an older client drops the fields it does not know from a
 * DescribeUserPoolClient answer and from an UpdateUserPoolClient request, and UpdateUserPoolClient
 * resets every field it is not sent (Cognito API Reference, UpdateUserPoolClient). So the full
 * write-back (functions/lib/cognito.ts) is complete only with the client it was tested
 * with; `all` guarantees that, and keeps one copy of the SDK's core (a `cognito` bundle carries its
 * own core next to the runtime's). `npm run bench -- bundles` measures the three.
 */
export type SdkBundling = 'runtime' | 'cognito' | 'all';
export const SDK_BUNDLING_OPTIONS: readonly SdkBundling[] = ['runtime', 'cognito', 'all'];
export const sdkBundling: SdkBundling = 'all';

/** The SDK's packages as esbuild patterns (the call analysis in test/infra keeps them external). */
export const sdkModules = ['@aws-sdk/*'];

/** What esbuild leaves out of a bundle under each choice; everything else (zod, Powertools, …) is bundled. */
export function externalModulesFor(choice: SdkBundling): string[] {
  switch (choice) {
    case 'runtime':
      return sdkModules;
    case 'cognito': {
      // The SDK packages the functions import, but the Cognito client (whose own dependencies, such as
      // @aws-sdk/core, are then bundled with it).
      const dependencies = Object.keys(packageJson.dependencies);
      return dependencies.filter(
        (name) => name.startsWith('@aws-sdk/') && name !== '@aws-sdk/client-cognito-identity-provider',
      );
    }
    case 'all':
      return [];
  }
}

export const externalModules = externalModulesFor(sdkBundling);

// ESM output has no `require`; a CommonJS dependency that calls it (a Node builtin, usually) would
// throw "Dynamic require of ... is not supported". The aliased import cannot clash with the bundle's.
export const requireBanner =
  "import { createRequire as __federationCreateRequire } from 'node:module'; " +
  'const require = __federationCreateRequire(import.meta.url);';

/** Prefer ES module builds of dependencies: they tree-shake where CommonJS builds do not. */
export const mainFields = ['module', 'main'];

/** The esbuild build options of a function's bundle (the construct's, and the benchmark's). */
export function esbuildOptions(entry: string, outfile: string, choice: SdkBundling = sdkBundling) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: nodeTarget,
    minify: true,
    sourcemap: true,
    // The map only needs to translate positions; the sources themselves would double the asset.
    sourcesContent: false,
    external: externalModulesFor(choice),
    banner: { js: requireBanner },
    mainFields,
    absWorkingDir: projectRoot,
    logLevel: 'warning' as const,
  };
}
