// `federation plan` in the local world: the spec validated as written (as provision does), pointed at
// the world's Authentik, and planned against what the world holds. It writes nothing at all: unlike
// provision, it does not store the world's Authentik token for the tenant, it reads with it.
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { planSpec } from '#lib/plan/plan.ts';
import type { TenantPlan } from '#lib/plan/types.ts';
import { secretName } from '#lib/secrets.ts';
import type { LocalSession } from '../local/session.ts';
import { LOCAL_SECRET_PREFIX } from '../local/world-clients.ts';
import { announceLocalSpec } from './commands.ts';
import type { Output } from './output.ts';
import type { SpecInput } from './spec-file.ts';

export async function planLocally(
  session: LocalSession,
  input: SpecInput,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TenantPlan> {
  out.line(`Planning tenant ${input.tenantId} in the local world (nothing is written)`);
  announceLocalSpec(session, input, out, env);
  const { endpoints, clients } = session;
  const name = secretName(LOCAL_SECRET_PREFIX, input.tenantId, 'authentik-token');
  const authentik = (input.authentik ?? {}) as Record<string, unknown>;
  const spec = {
    ...input,
    authentik: {
      ...authentik,
      baseUrl: endpoints.authentik,
      // The name the tenant's token is stored under once provisioned: what a deployment reads.
      tokenSecretArn: `arn:aws:secretsmanager:${endpoints.region}:123456789012:secret:${name}`,
    },
    cognito: { ...(input.cognito as Record<string, unknown> | undefined), region: endpoints.region },
  };
  return planSpec(spec, {
    ...clients,
    authentik: async (parsed) =>
      createAuthentikClient({
        baseUrl: parsed.authentik.baseUrl,
        token: endpoints.authentikToken,
        deployment: clients.deployment,
      }),
  });
}
