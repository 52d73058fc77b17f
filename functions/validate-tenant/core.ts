// The preflight (the guide has none): before the first write, everything the later steps rely on is
// checked, so a tenant that cannot be provisioned fails here with every reason named, instead of
// half-way with objects left behind. It also resolves the Cognito domain, and with it the redirect
// URI the Authentik provider is created with. It never writes, on either side.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import type { ApplyResult, CheckResult, DestroyResult, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { authentikProblems } from './authentik-preflight.ts';
import { cognitoPreflight } from './cognito-preflight.ts';
import { ownershipProblems } from './ownership-preflight.ts';
import { type PreflightProblem, preflightError, problemsAsDrift } from './problems.ts';

export interface PreflightClients {
  cognito: CognitoIdentityProviderClient;
  authentik: AuthentikClient;
}

export interface Preflight {
  problems: PreflightProblem[];
  /** `userPoolId` (when the tenant brought one), `userPoolDomain` and `redirectUri`. */
  resources: Resources;
}

/** Every check, both sides at once; only an unusable token or a failing call throws. */
export async function preflight(
  spec: TenantSpec,
  resources: Resources,
  clients: PreflightClients,
): Promise<Preflight> {
  const [authentik, cognito] = await Promise.all([
    authentikProblems(spec, clients.authentik).then(async (problems) =>
      // An unsupported version lays its API out differently: its lookups could mislead.
      problems.some((p) => p.field === 'authentik.version')
        ? problems
        : [...problems, ...(await ownershipProblems(spec, resources, clients.authentik))],
    ),
    cognitoPreflight(spec, resources, clients.cognito),
  ]);
  return { problems: [...authentik, ...cognito.problems], resources: cognito.resources };
}

/** Throws PreconditionError, ConflictError or LimitExceededError naming every problem found. */
export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: PreflightClients,
): Promise<ApplyResult> {
  const found = await preflight(spec, resources, clients);
  const error = preflightError(found.problems);
  if (error) throw error;
  return { outcome: 'unchanged', writes: 0, resources: found.resources };
}

/** Nothing to undo: the preflight made nothing. */
export async function destroy(
  _spec: TenantSpec,
  _resources: Resources,
  _clients: PreflightClients,
): Promise<DestroyResult> {
  return { outcome: 'absent', resources: {} };
}

/** The same checks, reported: `missing` when a pool or app client the tenant named is gone. */
export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: PreflightClients,
): Promise<CheckResult> {
  const { problems } = await preflight(spec, resources, clients);
  const outcome = problems.some((p) => p.missing) ? 'missing' : problems.length > 0 ? 'drifted' : 'in-sync';
  return { outcome, drift: problemsAsDrift(problems) };
}
