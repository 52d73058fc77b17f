// The Authentik half of the preflight: the token works, the version is one this product can drive,
// and what the provider step refers to (two flows, the signing key, three scope mappings) exists.
// Reads only. A 403 surfaces as AuthentikAuthError from the client itself.
import { type AuthentikClient, dataOf } from '#lib/authentik/client.ts';
import { listAll } from '#lib/authentik/list.ts';
import {
  type Flow,
  findFlowBySlug,
  findScopeMappings,
  findSigningKey,
  OIDC_SCOPE_MAPPINGS,
} from '#lib/authentik/lookups.ts';
import { MINIMUM_VERSION, readVersion, requireSupportedVersion } from '#lib/authentik/version.ts';
import { AuthentikAuthError, PreconditionError } from '#lib/errors.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import type { PreflightProblem } from './problems.ts';

/** The flow slug the manual guide names; no Authentik ships it. */
export const GUIDE_FLOW_SLUG = 'default-authentication-flow-explicit';
export const EXPLICIT_CONSENT_FLOW = 'default-provider-authorization-explicit-consent';
export const IMPLICIT_CONSENT_FLOW = 'default-provider-authorization-implicit-consent';

export async function authentikProblems(
  spec: TenantSpec,
  authentik: AuthentikClient,
): Promise<PreflightProblem[]> {
  // The version gate comes first: an older Authentik lays out its API differently (scope mappings
  // elsewhere, one redirect URI string), so the lookups below could mislead.
  try {
    await requireSupportedVersion(authentik);
  } catch (error) {
    if (!(error instanceof PreconditionError)) throw error;
    return [
      {
        field: 'authentik.version',
        expected: `>= ${MINIMUM_VERSION}`,
        actual: await readVersion(authentik),
        message: error.message,
        kind: 'precondition',
      },
    ];
  }

  const { authorizationFlow, invalidationFlow, signingKeyName } = spec.authentik;
  const [authorization, invalidation, signingKey, mappings] = await Promise.all([
    findFlowBySlug(authentik, authorizationFlow),
    findFlowBySlug(authentik, invalidationFlow),
    findSigningKey(authentik, signingKeyName),
    findScopeMappings(authentik, OIDC_SCOPE_MAPPINGS),
  ]);
  const missingMappings = OIDC_SCOPE_MAPPINGS.filter((id) => !mappings.some((m) => m.managed === id));
  const nothingFound =
    !authorization && !invalidation && !signingKey && missingMappings.length === OIDC_SCOPE_MAPPINGS.length;
  if (nothingFound && !(await seesAnyFlow(authentik))) {
    // Authentik shows a token without view rights empty lists rather than a 403: without this,
    // the operator would be told that a fresh Authentik lacks its default flows.
    throw new AuthentikAuthError(
      'the Authentik API token sees no flows at all: its user lacks the rights to read (and write) ' +
        'flows, certificates, providers and applications; use a token of an administrator',
    );
  }

  const problems: PreflightProblem[] = [];
  const authorizationProblem = authorization
    ? wrongDesignation(authorization, 'authorization', 'authentik.authorizationFlow')
    : await missingAuthorizationFlow(authentik, authorizationFlow);
  if (authorizationProblem) problems.push(authorizationProblem);

  if (!invalidation) {
    problems.push({
      field: 'authentik.invalidationFlow',
      expected: invalidationFlow,
      actual: null,
      message:
        `Authentik has no flow with the slug "${invalidationFlow}" (authentik.invalidationFlow); ` +
        'providers need an invalidation flow since 2024.10 (default: default-provider-invalidation-flow)',
      kind: 'precondition',
    });
  } else {
    const problem = wrongDesignation(invalidation, 'invalidation', 'authentik.invalidationFlow');
    if (problem) problems.push(problem);
  }

  if (!signingKey) problems.push(await missingSigningKey(authentik, signingKeyName));

  if (missingMappings.length > 0) {
    problems.push({
      field: 'authentik.scopeMappings',
      expected: [...OIDC_SCOPE_MAPPINGS],
      actual: mappings.map((m) => m.managed),
      message: `Authentik lacks the managed scope mappings ${missingMappings.join(', ')} (they ship with Authentik; restore them before provisioning)`,
      kind: 'precondition',
    });
  }
  return problems;
}

async function seesAnyFlow(authentik: AuthentikClient): Promise<boolean> {
  const page = dataOf(await authentik.api.GET('/flows/instances/', { params: { query: { page_size: 1 } } }));
  return page.pagination.count > 0;
}

function wrongDesignation(
  flow: Flow,
  designation: 'authorization' | 'invalidation',
  field: string,
): PreflightProblem | undefined {
  if (flow.designation === designation) return undefined;
  return {
    field,
    expected: `a flow designated ${designation}`,
    actual: `${flow.slug} (${flow.designation})`,
    message: `Authentik flow "${flow.slug}" (${field}) is designated ${flow.designation}, but the provider needs an ${designation} flow`,
    kind: 'precondition',
  };
}

async function missingAuthorizationFlow(authentik: AuthentikClient, slug: string): Promise<PreflightProblem> {
  const available = (await listAll(authentik, '/flows/instances/', { designation: 'authorization' })).map(
    (flow) => flow.slug,
  );
  const guide = slug === GUIDE_FLOW_SLUG ? `the guide's "${GUIDE_FLOW_SLUG}" exists in no Authentik: ` : '';
  const found = available.length > 0 ? ` (authorization flows here: ${available.join(', ')})` : '';
  return {
    field: 'authentik.authorizationFlow',
    expected: slug,
    actual: null,
    message:
      `Authentik has no flow with the slug "${slug}" (authentik.authorizationFlow); ${guide}` +
      `use "${EXPLICIT_CONSENT_FLOW}" (the default) or "${IMPLICIT_CONSENT_FLOW}"${found}`,
    kind: 'precondition',
  };
}

async function missingSigningKey(authentik: AuthentikClient, name: string): Promise<PreflightProblem> {
  const sameName = (await listAll(authentik, '/crypto/certificatekeypairs/', { name })).filter(
    (pair) => pair.name === name,
  );
  const why =
    sameName.length > 0
      ? 'exists but holds no private key, so it cannot sign ID tokens (without one Authentik signs ID tokens HS256 with the client secret instead of RS256)'
      : 'does not exist';
  return {
    field: 'authentik.signingKeyName',
    expected: `${name} with a private key`,
    actual: sameName.length > 0 ? `${name} without a private key` : null,
    message: `Authentik's certificate key pair "${name}" (authentik.signingKeyName) ${why}; name a key pair with a private key, such as "authentik Self-signed Certificate"`,
    kind: 'precondition',
  };
}
