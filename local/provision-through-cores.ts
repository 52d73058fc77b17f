// A tenant provisioned by calling the provision machine's step cores in its order, then registered
// as active, as the machine would leave it. For the verification's scale test and benchmark, which
// need hundreds of provisioned tenants and measure what comes after: the machine's own checks, its
// final verification and its registry bookkeeping are left out.
import type { StepClients } from '#lib/clients.ts';
import { resolveClients } from '#lib/lambda.ts';
import { mergeResources } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { PROVISIONING_STEPS } from '../functions/catalog.ts';
import { stepCores } from '../functions/step-cores.ts';

export async function provisionThroughCores(clients: StepClients, input: unknown): Promise<void> {
  const spec = parseTenantSpec(input, clients.deployment);
  const resolved = await resolveClients(clients, true)(spec);
  let resources: Resources = {};
  // The provision machine's steps in its order.
  for (const step of PROVISIONING_STEPS) {
    const { resources: made } = await stepCores[step].apply(spec, resources, resolved);
    resources = mergeResources(resources, made);
  }
  await clients.registry.put({
    tenantId: spec.tenantId,
    spec,
    status: 'active',
    resources,
    steps: {},
    createdAt: new Date().toISOString(),
  });
}
