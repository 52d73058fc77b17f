// A tenant provisioned by calling the provision machine's step cores in its order, then registered
// as active, as the machine would leave it. For the verification's scale test and benchmark, which
// need hundreds of provisioned tenants and measure what comes after: the machine's own checks, its
// final verification and its registry bookkeeping are left out.
import type { StepClients } from '#lib/clients.ts';
import type { StepModule } from '#lib/handler.ts';
import { type ResolvedClients, resolveClients } from '#lib/lambda.ts';
import { mergeResources } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import * as enableIdentityProvider from '../functions/enable-identity-provider/core.ts';
import * as ensureAccessPolicy from '../functions/ensure-access-policy/core.ts';
import * as ensureApplication from '../functions/ensure-application/core.ts';
import * as ensureGroup from '../functions/ensure-group/core.ts';
import * as ensureIdentityProvider from '../functions/ensure-identity-provider/core.ts';
import * as ensureOidcProvider from '../functions/ensure-oidc-provider/core.ts';
import * as ensureTestUser from '../functions/ensure-test-user/core.ts';
import * as ensureUserPool from '../functions/ensure-user-pool/core.ts';

/** The provision machine's steps in its order. */
const STEPS: StepModule<ResolvedClients>[] = [
  ensureGroup,
  ensureTestUser,
  ensureUserPool,
  ensureOidcProvider,
  ensureApplication,
  ensureAccessPolicy,
  ensureIdentityProvider,
  enableIdentityProvider,
];

export async function provisionThroughCores(clients: StepClients, input: unknown): Promise<void> {
  const spec = parseTenantSpec(input, clients.deployment);
  const resolved = await resolveClients(clients, true)(spec);
  let resources: Resources = {};
  for (const step of STEPS) {
    resources = mergeResources(resources, (await step.apply(spec, resources, resolved)).resources);
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
