// The CLI's commands over a local session; `npm start` runs provision and verify with them too.
import { readFile } from 'node:fs/promises';
import type { StepOutcomeRecord } from '#lib/handler.ts';
import type { TenantRecord } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { runStateMachine } from '../local/runner.ts';
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

export async function verify(session: LocalSession, tenantId: string, out: Output) {
  const record = await status(session, tenantId);
  out.line(`Verifying tenant ${tenantId}`);
  const handler = session.handlers.VerifyFederationFunctionArn;
  if (!handler) throw new Error('verify-federation is not available');
  const result = (await handler({
    step: 'verify-federation',
    action: 'check',
    spec: record.spec,
    resources: record.resources,
    outcomes: {},
  })) as { outcomes: Record<string, StepOutcomeRecord> };
  const outcome = result.outcomes['verify-federation'];
  await session.clients.registry.recordVerification(tenantId, {
    outcome: (outcome?.outcome ?? 'failed') as 'in-sync',
    ...(outcome?.drift ? { drift: outcome.drift } : {}),
  });
  return { tenantId, outcome: outcome?.outcome, drift: outcome?.drift ?? [] };
}

export function print(out: Output, result: unknown): void {
  if (out.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const r = result as Record<string, unknown>;
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
