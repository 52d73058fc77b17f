// `npm run live`: the product against a real AWS account and a real Authentik, end to end. Deploys a
// throwaway stack, provisions a tenant through its API, runs the full verification (the hosted-UI leg
// included, which only a deployment has), deprovisions, destroys the stack, and prints each step.
// Without credentials, a region, AUTHENTIK_URL and AUTHENTIK_TOKEN it exits 2 at once, saying what
// it needs. Arguments after `--` go to `cdk deploy` (e.g. `-c apiAccessLogs=account-role`).
//
// It costs money and writes to the account: a stack, a Cognito user pool with a domain, secrets.
// LIVE_KEEP=1 keeps the stack and the tenant for a look (destroy them later with the printed commands).

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../infra/bundling.ts';
import { STACK_NAME } from '../infra/federation-app.ts';
import { checkLiveEnvironment, type LiveSettings, splitCdkArgs } from './live-requirements.ts';
import type { Output } from './output.ts';
import { deprovisionRemotely, provisionRemotely, remoteApi, verifyRemotely } from './remote.ts';

const out: Output = { json: false, line: (text) => process.stdout.write(`${text}\n`) };

async function step<T>(title: string, run: () => Promise<T> | T): Promise<T> {
  out.line(`\n== ${title}`);
  const started = performance.now();
  try {
    const result = await run();
    out.line(`== ${title}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    out.line(`== ${title}: FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    throw error;
  }
}

/** Runs the project's CDK CLI in the foreground (its own progress is the step's output). */
function cdk(args: readonly string[], stackName: string): void {
  const run = spawnSync(join(projectRoot, 'node_modules', '.bin', 'cdk'), [...args], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, FEDERATION_STACK_NAME: stackName },
  });
  if (run.status !== 0) throw new Error(`cdk ${args[0]} exited ${run.status ?? run.signal}`);
}

function stackOutputs(file: string, stackName: string): Record<string, string> {
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const outputs = all[stackName];
  if (!outputs?.ApiUrl) throw new Error(`cdk deploy wrote no ApiUrl output for ${stackName}`);
  return outputs;
}

async function run(settings: LiveSettings, cdkArgs: readonly string[]): Promise<number> {
  const suffix = randomBytes(3).toString('hex');
  const stackName = `${STACK_NAME}-live-${suffix}`;
  const tenantId = `live-${suffix}`;
  // `-c key=value` pairs go to the destroy too (it synthesizes the same app); other flags are the deploy's.
  const { contextArgs, deployFlags } = splitCdkArgs(cdkArgs);
  const context = ['-c', `allowedAuthentikHosts=${settings.authentikHost}`, ...contextArgs];
  const dir = mkdtempSync(join(tmpdir(), 'federation-live-'));
  out.line(
    `Stack ${stackName} in ${settings.region}; tenant ${tenantId}; Authentik ${settings.authentikUrl}`,
  );

  let deployed = false;
  let provisioned = false;
  let failed = false;
  let registryTable: string | undefined;
  try {
    const outputs = await step(`deploy ${stackName}`, () => {
      deployed = true; // a failed deploy can leave a stack behind: destroy it too
      const file = join(dir, 'outputs.json');
      cdk(
        [
          'deploy',
          stackName,
          '--require-approval',
          'never',
          '--no-notices',
          '--outputs-file',
          file,
          ...context,
          ...deployFlags,
        ],
        stackName,
      );
      return stackOutputs(file, stackName);
    });
    registryTable = outputs.RegistryTableName;
    const api = remoteApi(outputs.ApiUrl as string);
    out.line(`API ${outputs.ApiUrl}`);

    const spec = {
      tenantId,
      authentik: { baseUrl: settings.authentikUrl },
      // Cognito accepts http only for localhost callbacks; nothing needs to listen there.
      cognito: { callbackUrls: ['http://localhost:3000/callback'] },
    };
    const view = await step(`provision tenant ${tenantId}`, async () => {
      provisioned = true;
      return provisionRemotely(api, spec, out);
    });
    for (const [key, value] of Object.entries(view.resources ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') out.line(`  ${key}: ${value}`);
    }
    const verified = await step(`verify tenant ${tenantId} (hosted-UI leg included)`, () =>
      verifyRemotely(api, tenantId, out),
    );
    out.line(`  verification: ${verified.verificationState}`);
    if (verified.verificationState !== 'verified') failed = true;

    if (!settings.keep) {
      await step(`deprovision tenant ${tenantId}`, () => deprovisionRemotely(api, tenantId, out));
      provisioned = false;
    }
  } catch (error) {
    failed = true;
    out.line(`\n${(error as Error).message}`);
    if (provisioned && deployed && !settings.keep) {
      out.line('Deprovisioning what the run provisioned before destroying the stack…');
      // The API may not be there (a failed deploy): this attempt is best effort.
      try {
        const outputs = stackOutputs(join(dir, 'outputs.json'), stackName);
        await deprovisionRemotely(remoteApi(outputs.ApiUrl as string), tenantId, out);
      } catch (cleanup) {
        out.line(`  deprovisioning failed: ${(cleanup as Error).message}`);
      }
    }
  } finally {
    if (deployed && !settings.keep) {
      try {
        await step(`destroy ${stackName}`, () =>
          cdk(['destroy', stackName, '--force', ...context], stackName),
        );
      } catch (error) {
        failed = true;
        out.line(
          `${(error as Error).message}: destroy it with FEDERATION_STACK_NAME=${stackName} npx cdk destroy`,
        );
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }

  out.line('\nKept on purpose (retained by the stack, or the tenant’s own):');
  out.line(
    `  the registry table ${registryTable ?? '(see the stack outputs)'}, the secrets KMS key and the log groups`,
  );
  out.line(`  the secret <secretPrefix>/${tenantId}/authentik-token (the token the run handed over)`);
  out.line(
    "  the account's API Gateway CloudWatch Logs role, if this stack set it (apiAccessLogs=stack-role)",
  );
  out.line('Delete them by hand if the account is a throwaway too.');
  if (settings.keep) out.line(`LIVE_KEEP=1: stack ${stackName} and tenant ${tenantId} are still there.`);
  out.line(failed ? '\nlive run FAILED' : '\nlive run passed');
  return failed ? 1 : 0;
}

const check = checkLiveEnvironment(process.env);
if (!check.ok) {
  process.stderr.write(
    `npm run live deploys a throwaway stack to a real AWS account and needs:\n${check.missing
      .map((line) => `  - ${line}`)
      .join('\n')}\nSee the README, "Try it on a real account".\n`,
  );
  process.exit(2);
}
process.exitCode = await run(check.settings, process.argv.slice(2));
