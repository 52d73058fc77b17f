// The CLI's commands over a local session; `npm start` runs provision and verify with them too.
import { readFile } from 'node:fs/promises';
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
import { type EventLog, runStateMachine } from '../local/runner.ts';
import type { LocalSession } from '../local/session.ts';
import { localTenantSpec } from '../local/world-clients.ts';
import { createProgressTracker, formatStep } from './progress.ts';

/** A mistake in how the command was called; printed without a stack. */
export class UsageError extends Error {}

export interface Output {
  json: boolean;
  line(text: string): void;
}

function summary(spec: TenantSpec, resources: Resources) {
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

export async function provision(session: LocalSession, specPath: string, out: Output) {
  let input: Record<string, unknown> & { tenantId: string };
  try {
    input = JSON.parse(await readFile(specPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the tenant spec ${specPath}: ${(error as Error).message}`);
  }
  if (typeof input?.tenantId !== 'string') throw new UsageError(`${specPath}: tenantId is missing.`);
  const spec = await localTenantSpec(session.endpoints, session.clients, input);
  out.line(`Provisioning tenant ${input.tenantId} in the local world`);
  const output = await runExecution(session, 'provision-tenant', spec, out);
  return { outcomes: output.outcomes, ...summary(output.spec, output.resources) };
}

export async function deprovision(session: LocalSession, tenantId: string, out: Output) {
  out.line(`Deprovisioning tenant ${tenantId}`);
  const output = await runExecution(session, 'deprovision-tenant', { tenantId }, out);
  return { tenantId, outcomes: output.outcomes };
}

export async function status(session: LocalSession, tenantId: string): Promise<TenantRecord> {
  const record = await session.clients.registry.get(tenantId);
  if (!record) throw new UsageError(`Tenant ${tenantId} is not registered in this world.`);
  return record;
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
  const verification = await verifyTenant(tenantId, session.clients, {
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
  const handlers = await localHandlers(session.clients, { events });
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
  if (result.status === 'FAILED')
    throw new Error(result.cause ?? result.error ?? 'the verification run failed');
  for (const event of events.events)
    out.line(`  event: ${event.detailType} (${String(event.detail.tenantId)})`);
  out.line(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { summary: result.output as RunSummary, tenants, events: events.events };
}

export function print(out: Output, result: unknown): void {
  if (out.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const r = result as Record<string, unknown>;
  if ('checks' in r && 'state' in r) {
    process.stdout.write(verificationText(r as Awaited<ReturnType<typeof verify>>));
    return;
  }
  if ('summary' in r && 'tenants' in r) {
    process.stdout.write(runText(r as Awaited<ReturnType<typeof verifyAll>>));
    return;
  }
  if ('issuer' in r) {
    const s = r as ReturnType<typeof summary>;
    process.stdout.write(
      [
        '',
        `Issuer                  ${s.issuer}`,
        `Cognito provider name   ${s.identityProviderName}`,
        `User pool / app client  ${s.userPoolId} / ${s.appClientId}`,
        `Redirect URI            ${s.redirectUri}`,
        ...(s.loginUrl ? [`Hosted-UI test URL      ${s.loginUrl}`] : []),
        'Secrets (ARNs; values stay in Secrets Manager):',
        `  Authentik token       ${s.secrets.authentikToken}`,
        `  OIDC client           ${s.secrets.oidcClient}`,
        `  Test user password    ${s.secrets.testUserPassword}`,
        '',
      ].join('\n'),
    );
    return;
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** What a person reads after `verify <tenant>`: the state, and each failing check's sentence. */
function verificationText(result: Awaited<ReturnType<typeof verify>>): string {
  const was = result.previousState !== result.state ? ` (was ${result.previousState})` : '';
  const lines = [`Tenant ${result.tenantId}: ${result.state}${was}`];
  if (result.error)
    lines.push(`  the verification could not run: ${result.error.name}: ${result.error.message}`);
  for (const check of result.checks.filter((c) => c.status === 'fail')) {
    lines.push(`  ${check.id}: ${check.reason}: ${check.message}`);
  }
  if (result.repairable) lines.push('  Provisioning again can repair this: federation verify --all --repair');
  if (result.loginUrl) lines.push(`Hosted-UI test URL  ${result.loginUrl}`);
  return `\n${lines.join('\n')}\n\n`;
}

/** What a person reads after `verify --all`: the totals, and who needs attention. */
function runText(result: Awaited<ReturnType<typeof verifyAll>>): string {
  const s = result.summary;
  const attention = result.tenants.filter((t) => t.state !== 'verified');
  return [
    '',
    `${s.tenants} tenants: ${s.verified} verified, ${s.drifted} drifted, ${s.broken} broken, ${s.errors} not verifiable` +
      (s.repair ? `; ${s.repaired} of ${s.repairsAttempted} repaired` : ''),
    ...attention.map((t) => {
      const cannot = t.repair ? t.repair.remaining : t.failing.filter((f) => !f.repairable);
      const why = t.repair?.cause ? ` (provisioning failed: ${t.repair.cause})` : '';
      return `  ${t.tenantId}: ${t.state}: ${[...new Set(t.failing.map((f) => f.reason))].join(', ') || t.error?.message || ''}${cannot.length > 0 ? `; not repairable by provisioning: ${[...new Set(cannot.map((f) => f.check))].join(', ')}` : ''}${why}`;
    }),
    `${result.events.length} state-change events`,
    '',
  ].join('\n');
}
