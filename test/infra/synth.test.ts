// The one real synth: `npm run synth` (cdk synth through the CLI, esbuild bundling every function),
// then every bundle is imported in a fresh Node process, as Lambda would load it: ESM, the `require`
// banner, the SDK left out (resolved here from the project's node_modules, on Lambda from the runtime).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/bundling.ts';
import { STACK_NAME } from '../../infra/federation-app.ts';
import { type CfnTemplate, prop } from './support.ts';

// Enough for each function's environment schema to pass at import time (some validate at module load).
const fakeEnvironment = {
  AWS_REGION: 'eu-west-1',
  SECRET_PREFIX: 'federation',
  REGISTRY_TABLE_NAME: 'federation-registry',
  ALLOWED_AUTHENTIK_HOSTS: 'auth.example.com',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision',
  DEPROVISION_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:deprovision',
};

let outdir: string;
let synthSeconds = 0;
let template: CfnTemplate;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'federation-synth-'));
  // No node_modules next to the bundles: each must load with nothing to resolve (the SDK included).
  const started = performance.now();
  // CDK's CloudFormation checks are left to stack.test.ts, which runs them on the same app in-process
  // and asserts their report; here they would cost a third of the synth's CPU again.
  const run = spawnSync('npm', ['run', 'synth', '--silent', '--', '--output', outdir], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, CDK_VALIDATION: 'false' },
  });
  synthSeconds = (performance.now() - started) / 1000;
  if (run.status !== 0)
    throw new Error(`npm run synth failed (${run.status}):\n${run.stderr}\n${run.stdout}`);
  template = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as CfnTemplate;
}, 300_000);
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function bundles(): { id: string; dir: string }[] {
  const assets = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => {
      const key = prop<{ S3Key: string }>(r, 'Code').S3Key;
      const hash = key.replace(/\.zip$/, '');
      const source = assets.files[hash]?.source.path;
      if (!source) throw new Error(`no asset for ${id}`);
      return { id, dir: join(outdir, source) };
    });
}

describe('npm run synth', () => {
  it('bundles every function with esbuild into an ES module with its source map and the pinned SDK', () => {
    const found = bundles();
    const pinnedCognitoVersion = (
      JSON.parse(
        readFileSync(
          join(projectRoot, 'node_modules/@aws-sdk/client-cognito-identity-provider/package.json'),
          'utf8',
        ),
      ) as { version: string }
    ).version;
    let withCognito = 0;
    expect(found.length).toBeGreaterThanOrEqual(12);
    for (const { id, dir } of found) {
      const code = join(dir, 'index.mjs');
      expect(existsSync(code), id).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map')), id).toBe(true);
      const text = readFileSync(code, 'utf8');
      expect(
        text.startsWith("import { createRequire as __federationCreateRequire } from 'node:module';"),
        id,
      ).toBe(true);
      // The SDK is bundled at its pinned version (infra/bundling.ts): nothing is left for the
      // runtime's own, possibly older, SDK to provide.
      expect(text, id).not.toMatch(/from\s*"@aws-sdk\//);
      const cognito = /name:"@aws-sdk\/client-cognito-identity-provider",version:"([^"]+)"/.exec(text);
      if (cognito) {
        withCognito += 1;
        expect(cognito[1], id).toBe(pinnedCognitoVersion);
      }
      expect(statSync(code).size, id).toBeGreaterThan(1000);
    }
    // The steps that write Cognito app clients and providers, and the ones that read them.
    expect(withCognito).toBeGreaterThanOrEqual(5);
    process.stdout.write(`synth (npm run synth, esbuild bundling): ${synthSeconds.toFixed(1)} s\n`);
  });

  it('every bundle loads in a fresh Node process and exports handler', () => {
    for (const { id, dir } of bundles()) {
      const url = pathToFileURL(join(dir, 'index.mjs')).href;
      const run = spawnSync(
        process.execPath,
        [
          '--enable-source-maps',
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(url)}); if (typeof m.handler !== 'function') process.exit(3);`,
        ],
        { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, ...fakeEnvironment } },
      );
      expect(run.status, `${id}: ${run.stderr}`).toBe(0);
    }
  });
});
