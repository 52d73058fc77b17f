// The CLI's commands over a local session; `npm start` runs provision and verify with them too.
import type { TenantRecord } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { checkOutcome, reportAsDrift } from '#lib/verification/report.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import type { FailingCheck, FederationCheckResult, TenantResult } from '#lib/verification/types.ts';
import type { StepOutcomeRecord } from '#lib/workflow-step.ts';
import { eventFor, type RunSummary } from '../functions/report-verification/core.ts';
import { memoryEventSink } from '../functions/report-verification/events.ts';
import { localHandlers } from '../local/handlers.ts';
import { type EventLog, lastExecution, runStateMachine } from '../local/runner.ts';
import type { LocalSession } from '../local/session.ts';
import { testUserCredentials } from '../local/test-user.ts';
import { hostedUiBaseUrl } from '../local/world.ts';
import { localTenantSpec } from '../local/world-clients.ts';
import { type Output, TenantNotFoundError } from './output.ts';
import { createProgressTracker, formatStep } from './progress.ts';
import { readSpecFile, type SpecInput } from './spec-file.ts';
import { validateAsWritten } from './spec-rules.ts';

export { type Output, UsageError } from './output.ts';
export { print } from './print.ts';

export function summary(spec: TenantSpec, resources: Resources) {
  return {
    tenantId: spec.tenantId,
    issuer: resources.issuer,
    identityProviderName: resources.identityProviderName ?? spec.cognito.identityProviderName,
    userPoolId: resources.userPoolId,
    appClientId: resources.appClientId,
    redirectUri: resources.redirectUri,
    loginUrl: resources.loginUrl,
    secrets: {
      authentikToken: spec.authentik.tokenSecretArn,
      oidcClient: resources.oidcClientSecretArn,
      testUserPassword: resources.testUserPasswordSecretArn,
    },
  };
}

async function runExecution(
  session: LocalSession,
  name: 'provision-tenant' | 'deprovision-tenant',
  input: unknown,
  out: Output,
) {
  const track = createProgressTracker(
    (step) => out.line(formatStep(step)),
    (state) => out.line(`  ${state} …`),
  );
  const started = Date.now();
  const result = await runStateMachine(name, input, { handlers: session.handlers, onEvent: track });
  if (result.status === 'FAILED') {
    throw new Error(`${result.cause ?? result.error ?? 'the execution failed'}`);
  }
  out.line(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.output as {
    spec: TenantSpec;
    resources: Resources;
    outcomes: Record<string, StepOutcomeRecord>;
  };
}

/**
 * Validates the spec as written under a deployment's rules (see spec-rules.ts) and says how local
 * mode runs it: against the world's Authentik emulator, named when the spec named another Authentik.
 */
export function announceLocalSpec(
  session: LocalSession,
  input: SpecInput,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const written = validateAsWritten(input, env);
  if (written.allowList === 'the spec host') {
    out.line(
      `  (no ALLOWED_AUTHENTIK_HOSTS set: ${new URL(written.spec.authentik.baseUrl).host} is taken as the allow-list)`,
    );
  }
  if (!written.local) {
    out.line(
      `  authentik.baseUrl ${written.spec.authentik.baseUrl} → the local emulator at ${session.endpoints.authentik}`,
    );
  }
}

/** The spec as the local world runs it, the world's Authentik token stored for the tenant. */
export async function localSpec(
  session: LocalSession,
  input: SpecInput,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
) {
  announceLocalSpec(session, input, out, env);
  return localTenantSpec(session.endpoints, session.clients, input);
}

export async function provision(
  session: LocalSession,
  spec: string | SpecInput,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
) {
  const input = typeof spec === 'string' ? await readSpecFile(spec) : spec;
  out.line(`Provisioning tenant ${input.tenantId} in the local world`);
  const local = await localSpec(session, input, out, env);
  const output = await runExecution(session, 'provision-tenant', local, out);
  return { outcomes: output.outcomes, ...summary(output.spec, output.resources) };
}

export async function deprovision(session: LocalSession, tenantId: string, out: Output) {
  out.line(`Deprovisioning tenant ${tenantId}`);
  const output = await runExecution(session, 'deprovision-tenant', { tenantId }, out);
  return { tenantId, outcomes: output.outcomes };
}

/**
 * The tenant's record; with a login URL, `localLoginUrl` is the guide's "Test it" URL as it works
 * in the local world: the same request to the world's hosted UI, which serves the pool's domain.
 */
export async function status(
  session: LocalSession,
  tenantId: string,
): Promise<TenantRecord & { localLoginUrl?: string }> {
  const record = await session.clients.registry.get(tenantId);
  if (!record) throw new TenantNotFoundError(tenantId);
  const login = record.resources.loginUrl ? new URL(record.resources.loginUrl) : undefined;
  if (!login) return record;
  const local = `${session.endpoints.hostedUi}/${login.host}${login.pathname}${login.search}`;
  return { ...record, localLoginUrl: local };
}

/**
 * The test user's credentials, read from the world's Secrets Manager, so a person can sign in to
 * the demo app: the local world only (against an API the password stays in the tenant's secret).
 */
export async function testUser(session: LocalSession, tenantId: string) {
  const record = await status(session, tenantId);
  const { username, email, password, secretArn } = await testUserCredentials(session.clients.secrets, record);
  return {
    tenantId,
    username,
    email,
    password,
    secretArn,
    ...(record.localLoginUrl ? { localLoginUrl: record.localLoginUrl } : {}),
  };
}

/** One line per check as it ends (the same display as a provisioning's steps). */
function checkLine(result: FederationCheckResult, startedAt: number): string {
  const outcome = result.status === 'pass' ? 'pass' : `${result.status} ${result.reason ?? ''}`.trim();
  return formatStep({ state: result.id, outcome, durationMs: Date.now() - startedAt, retries: 0 });
}

/** The verification in depth of one tenant, each check shown as it ends, stored in the registry. */
export async function verify(session: LocalSession, tenantId: string, out: Output) {
  await status(session, tenantId);
  out.line(`Verifying tenant ${tenantId}`);
  const started = Date.now();
  const clients = { ...session.clients, hostedUiBaseUrl: hostedUiBaseUrl(session.endpoints) };
  const verification = await verifyTenant(tenantId, clients, {
    onCheck: (result) => out.line(checkLine(result, started)),
  });
  const { report, spec: _spec, ...rest } = verification;
  out.line(`  ${tenantId}: ${describeState(verification)} in ${Date.now() - started} ms`);
  const event = eventFor(verification, 'federation verify', new Date());
  if (event) out.line(`  event: ${event.detailType}`);
  return {
    ...rest,
    // What `npm start` and earlier callers read: the check outcome and the failures as drift.
    outcome: report ? checkOutcome(report) : 'failed',
    drift: report ? reportAsDrift(report) : [],
    ...(report?.loginUrl ? { loginUrl: report.loginUrl } : {}),
    checks: report?.checks ?? [],
  };
}

function describeState(result: { state: string; previousState: string; failing: FailingCheck[] }): string {
  const change = result.previousState === result.state ? '' : ` (was ${result.previousState})`;
  const reasons = [...new Set(result.failing.map((f) => f.reason))];
  return `${result.state}${change}${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}`;
}

type TenantLine = Omit<TenantResult, 'spec' | 'summary'>;

/**
 * A Map item's verification as it ended, from its last state's exit event: the input of that state
 * holds the whole answer (the Map keeps only a summary), or the error the item was caught with.
 */
function tenantOf(event: EventLog): TenantLine | undefined {
  const state = (event as EventLog & { state?: { name: string; input?: unknown } }).state;
  if (event.type !== 'StateExited' || !state) return undefined;
  if (state.name === 'Tenant verified') {
    const { verification } = state.input as { verification: TenantResult };
    const { spec: _spec, summary: _summary, ...line } = verification;
    return line;
  }
  if (state.name !== 'Tenant not verified') return undefined;
  const { tenantId, caught } = state.input as { tenantId: string; caught: { Error: string; Cause?: string } };
  return {
    tenantId,
    state: 'error',
    previousState: 'unknown',
    changed: false,
    failing: [],
    repairable: false,
    durationMs: 0,
    error: { name: caught.Error, message: (caught.Cause ?? '').slice(0, 1000) },
    repair: null,
  };
}

/**
 * Every registered tenant through the verification machine (as the schedule runs it), each tenant
 * shown as its verification ends; with `repair`, drifted tenants are provisioned again first.
 */
export async function verifyAll(session: LocalSession, out: Output, options: { repair?: boolean } = {}) {
  const events = memoryEventSink();
  const handlers = await localHandlers(session.clients, {
    events,
    hostedUiBaseUrl: hostedUiBaseUrl(session.endpoints),
  });
  out.line(`Verifying every tenant${options.repair ? ', repairing what provisioning can fix' : ''}`);
  const started = Date.now();
  const tenants: TenantLine[] = [];
  const result = await runStateMachine(
    'verify-federations',
    { repair: options.repair === true },
    {
      handlers,
      onEvent: (event) => {
        const entered = (event as EventLog & { state?: { name: string; input?: { tenantId?: string } } })
          .state;
        if (event.type === 'StateEntered' && entered?.name === 'Repair tenant') {
          out.line(`  ${entered.input?.tenantId ?? ''} … provisioning again`);
        }
        const tenant = tenantOf(event);
        if (!tenant) return;
        tenants.push(tenant);
        const repaired = tenant.repair
          ? ` after repair (provisioning ${tenant.repair.provisioning.toLowerCase()})`
          : '';
        out.line(
          formatStep({
            state: tenant.tenantId,
            outcome: `${describeState(tenant)}${repaired}`,
            durationMs: tenant.durationMs,
            retries: 0,
          }),
        );
      },
    },
  );
  // A run of more than 200 pages continues in new executions: the last one's output is the run's.
  const last = lastExecution(result);
  if (last.status === 'FAILED') throw new Error(last.cause ?? last.error ?? 'the verification run failed');
  for (const event of events.events)
    out.line(`  event: ${event.detailType} (${String(event.detail.tenantId)})`);
  out.line(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { summary: last.output as RunSummary, tenants, events: events.events };
}
