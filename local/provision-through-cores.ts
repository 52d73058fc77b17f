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

/**
 * Registers `ids` as tenants for the verification's scale test and benchmark, where hundreds of
 * verifications are what is measured: the first `federations` of them provisioned through the step
 * cores (eight at a time), every other one registered as a copy of one of those records under its
 * own id. Each tenant's verification is then a real one, of a real federation that several tenants
 * share (at 200 tenants on 50 federations, a pool is read four times per run).
 */
export async function seedTenants(
  clients: StepClients,
  ids: readonly string[],
  federations: number,
  specOf: (tenantId: string) => Promise<unknown>,
): Promise<void> {
  const provisioned = ids.slice(0, Math.max(1, Math.min(federations, ids.length)));
  const eightAtATime = async (items: readonly string[], each: (id: string) => Promise<void>) => {
    const queue = [...items];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) await each(id);
      }),
    );
  };
  await eightAtATime(provisioned, async (id) => provisionThroughCores(clients, await specOf(id)));
  const records = await Promise.all(provisioned.map((id) => clients.registry.get(id)));
  await eightAtATime(ids.slice(provisioned.length), async (id) => {
    const record = records[ids.indexOf(id) % records.length];
    if (!record) throw new Error(`tenant ${provisioned[0]} was provisioned but has no record`);
    await clients.registry.put({ ...record, tenantId: id });
  });
}
