// The CLI against a tenant API: the local one (`npm run local`) or a deployed stack's, named by
// FEDERATION_API. Requests to a deployed API are SigV4-signed with the caller's AWS credentials
// (the usual chain: environment, profile, SSO, instance role).
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { VerificationRecord } from '#lib/registry.ts';
import { stateOfOutcome } from '#lib/verification/state.ts';
import type { TenantView } from '../functions/api/types.ts';
import { createApiClient, type TenantApi } from './api-client.ts';
import { type Output, UsageError } from './output.ts';
import { sigV4Signer } from './sigv4.ts';
import type { SpecInput } from './spec-file.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const POLL_MS = 2_000;
const POLL_LIMIT_MS = 15 * 60_000;

/** `execute-api.<region>.amazonaws.com` carries its region; otherwise AWS_REGION says it. */
export function regionOf(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  return (
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION
  );
}

export function remoteApi(baseUrl: string, env: NodeJS.ProcessEnv = process.env): TenantApi {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError('FEDERATION_API is not a URL: set it to the API URL the stack printed.');
  }
  if (LOOPBACK.has(url.hostname)) return createApiClient({ baseUrl });
  const region = regionOf(url, env);
  if (!region) throw new UsageError("Cannot tell the API's region: set AWS_REGION.");
  return createApiClient({ baseUrl, signer: sigV4Signer({ region, credentials: defaultProvider() }) });
}

const settled = new Set(['active', 'failed', 'deprovisioned']);

/** Polls the tenant until its execution ends, printing each step's outcome as it appears. */
async function follow(api: TenantApi, tenantId: string, out: Output, since?: string): Promise<TenantView> {
  const shown = new Set<string>();
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const view = await api.getTenant(tenantId).catch((error: { status?: number }) => {
      if (error.status === 404) return undefined;
      throw error;
    });
    if (view) {
      for (const [step, record] of Object.entries(view.steps)) {
        if (since && record.at < since) continue;
        if (shown.has(`${step} ${record.at}`)) continue;
        shown.add(`${step} ${record.at}`);
        out.line(`  ${step.padEnd(26)} ${record.outcome}`);
      }
      if (settled.has(view.status) && !view.runningExecution) return view;
    }
    if (Date.now() > deadline) throw new Error(`tenant ${tenantId} did not settle within 15 minutes`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function provisionRemotely(
  api: TenantApi,
  spec: SpecInput,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TenantView> {
  // A token in the environment is handed to the API once, which stores it in Secrets Manager.
  const token = env.AUTHENTIK_TOKEN;
  // The API names the tenant in the path (PUT /tenants/{tenantId}); the spec says which.
  const accepted = await api.createTenant(spec.tenantId, spec, token ? { authentikToken: token } : {});
  out.line(`Provisioning tenant ${accepted.tenantId} (${accepted.executionName})`);
  const view = await follow(api, accepted.tenantId, out, accepted.startDate);
  if (view.status !== 'active') throw new Error(describeFailure(view));
  return view;
}

export async function deprovisionRemotely(
  api: TenantApi,
  tenantId: string,
  out: Output,
): Promise<TenantView> {
  const accepted = await api.deleteTenant(tenantId);
  out.line(`Deprovisioning tenant ${tenantId} (${accepted.executionName})`);
  const view = await follow(api, tenantId, out, accepted.startDate);
  if (view.status !== 'deprovisioned') throw new Error(describeFailure(view));
  return view;
}

/**
 * Starts the tenant's verification and waits for it; answers the tenant with the state the
 * verification recorded. A verification that recorded nothing (it could not run) fails the command.
 */
export async function verifyRemotely(
  api: TenantApi,
  tenantId: string,
  out: Output,
): Promise<TenantView & { verificationState: string }> {
  const accepted = await api.verifyTenant(tenantId);
  out.line(`Verifying tenant ${tenantId} (${accepted.executionName})`);
  const view = await follow(api, tenantId, out);
  const last = view.lastVerification as (VerificationRecord & { state?: string }) | undefined;
  if (!last || last.at < accepted.startDate) {
    throw new Error(`the verification of ${tenantId} recorded no result; see federation status ${tenantId}`);
  }
  return { ...view, verificationState: last.state ?? stateOfOutcome(last.outcome) };
}

function describeFailure(view: TenantView): string {
  const error = view.lastError;
  return error
    ? `${view.tenantId} is ${view.status}: ${error.step} failed with ${error.errorName}: ${error.message}`
    : `${view.tenantId} is ${view.status}`;
}
