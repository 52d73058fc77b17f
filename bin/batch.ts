// `federation provision <dir|file.ndjson>`: every spec of the batch provisioned, PROVISIONINGS_AT_ONCE
// at a time (the pace Cognito's quotas allow: functions/lib/provision-pace.ts), each tenant's outcome
// printed as it ends with how far the batch is, and a summary. A spec that is not valid is reported
// with its file (and line) and field and provisions nothing; the others still go. A provisioning
// that fails is recorded in the registry by the provision machine itself (the failed step, its error),
// so no tenant is left half-made without a recorded error.
import { PROVISIONINGS_AT_ONCE } from '#lib/provision-pace.ts';
import type { Batch, BatchSpec } from './batch-specs.ts';
import { EXIT, type ExitCode, type Output } from './output.ts';
import type { SpecInput } from './spec-file.ts';

export interface TenantOutcome {
  tenantId?: string;
  source: string;
  outcome: 'provisioned' | 'failed' | 'invalid';
  /** Why it failed or is invalid (the step and error; the fields): never a secret. */
  reason?: string;
  seconds?: number;
}

export interface BatchResult {
  provisioned: number;
  failed: number;
  invalid: number;
  tenants: TenantOutcome[];
}

/** Provisions one tenant and settles when it is active; throws with the reason otherwise. */
export type ProvisionOne = (input: SpecInput) => Promise<unknown>;

/** An Output that prints nothing: a tenant's own step lines would interleave with the others'. */
export const quiet: Output = { json: false, line: () => undefined };

export async function provisionBatch(
  batch: Batch,
  provisionOne: ProvisionOne,
  out: Output,
  atOnce: number = PROVISIONINGS_AT_ONCE,
): Promise<BatchResult> {
  const total = batch.specs.length + batch.problems.length;
  const tenants: TenantOutcome[] = batch.problems.map((problem) => ({
    source: problem.source,
    outcome: 'invalid',
    reason: problem.message,
  }));
  for (const problem of batch.problems) out.line(`  ${problem.source}: not provisioned: ${problem.message}`);
  out.line(
    `Provisioning ${batch.specs.length} tenants, ${Math.min(atOnce, batch.specs.length)} at a time` +
      (batch.problems.length > 0 ? ` (${batch.problems.length} specs not valid)` : ''),
  );
  const queue: BatchSpec[] = [...batch.specs];
  let done = batch.problems.length;
  const one = async (spec: BatchSpec): Promise<TenantOutcome> => {
    const started = Date.now();
    const base = { tenantId: spec.input.tenantId, source: spec.source };
    try {
      await provisionOne(spec.input);
      return { ...base, outcome: 'provisioned', seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      const reason = (error as Error)?.message ?? String(error);
      // The API refused the spec (400 naming its fields): nothing was started for it.
      const outcome = (error as { status?: number }).status === 400 ? 'invalid' : 'failed';
      return { ...base, outcome, reason, seconds: (Date.now() - started) / 1000 };
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(atOnce, queue.length) }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) {
        const outcome = await one(spec);
        tenants.push(outcome);
        done += 1;
        const took = ` (${outcome.seconds?.toFixed(1)} s)`;
        out.line(
          `  [${done}/${total}] ${outcome.tenantId} ${outcome.outcome}${took}` +
            (outcome.reason ? `: ${outcome.reason}` : ''),
        );
      }
    }),
  );
  const count = (outcome: TenantOutcome['outcome']) => tenants.filter((t) => t.outcome === outcome).length;
  const result = {
    provisioned: count('provisioned'),
    failed: count('failed'),
    invalid: count('invalid'),
    tenants,
  };
  out.line(`  ${result.provisioned} provisioned, ${result.failed} failed, ${result.invalid} not valid`);
  return result;
}

/** Every tenant provisioned is 0; any failed or invalid spec is 1. */
export const batchExit = (result: BatchResult): ExitCode =>
  result.failed + result.invalid === 0 ? EXIT.ok : EXIT.failed;

/** The command: the batch read and checked, then provisioned through the API or in the local world. */
export async function provisionBatchCommand(path: string, out: Output, env: NodeJS.ProcessEnv) {
  const { readBatch } = await import('./batch-specs.ts');
  // Locally each spec is checked as written first; an API checks the specs it is sent.
  const batch = await readBatch(path, env, !env.FEDERATION_API);
  if (env.FEDERATION_API) {
    const { provisionRemotely, remoteApi } = await import('./remote.ts');
    const api = remoteApi(env.FEDERATION_API, env);
    return provisionBatch(batch, (input) => provisionRemotely(api, input, quiet, env), out);
  }
  const { withLocalSession, provision } = await import('./local-mode.ts');
  return withLocalSession(env, (session) =>
    provisionBatch(batch, (input) => provision(session, input, quiet, env), out),
  );
}
