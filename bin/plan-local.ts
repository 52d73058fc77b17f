// `federation plan` in the local world: the spec validated as written and pointed at the world's
// Authentik (as provision does), then planned against what the world holds. Writes nothing but the
// world's Authentik token, stored once per tenant as an operator stores it before provisioning.
import { planSpec } from '#lib/plan/plan.ts';
import type { TenantPlan } from '#lib/plan/types.ts';
import type { LocalSession } from '../local/session.ts';
import { localSpec } from './commands.ts';
import type { Output } from './output.ts';
import type { SpecInput } from './spec-file.ts';

export async function planLocally(session: LocalSession, input: SpecInput, out: Output): Promise<TenantPlan> {
  out.line(`Planning tenant ${input.tenantId} in the local world (nothing is written)`);
  return planSpec(await localSpec(session, input, out), session.clients);
}
