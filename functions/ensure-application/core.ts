// Step 4 of the guide: the application that exposes the provider. Its slug names the issuer Cognito
// is given, `https://<host>/application/o/<slug>/` — with the trailing slash, since Cognito compares
// it with the discovery document's `issuer` character for character.
//
// Ownership (functions/lib/ownership.ts): applications carry no attributes, so an application is this
// tenant's when it serves this tenant's provider (which ensure-oidc-provider has established as
// created or adopted), or when an operator adopted it. An application under the spec's slug that
// serves anything else is a conflict: re-pointing it at this tenant's provider would hand its users
// to this tenant's Cognito pool.

import {
  type Application,
  type ApplicationPatch,
  createApplication,
  deleteApplication,
  findApplicationBySlug,
  updateApplication,
} from '#lib/authentik/applications.ts';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { isAlreadyExists, unlessNotFound } from '#lib/authentik/http-errors.ts';
import { getProvider, getProviderSetupUrls } from '#lib/authentik/providers.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { ResolvedClients } from '#lib/lambda.ts';
import {
  foreignObjectError,
  mayDelete,
  type OwnershipEvidence,
  ownershipOf,
  recordedAs,
} from '#lib/ownership.ts';
import { withoutResources } from '#lib/registry.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export type ApplicationClients = Pick<ResolvedClients, 'authentik'>;

/** The issuer of an application under the per-provider issuer mode, trailing slash included. */
export function issuerFor(baseUrl: string, slug: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/application/o/${slug}/`;
}

function evidenceOf(spec: TenantSpec, app: Application, resources: Resources): OwnershipEvidence {
  const servesOurProvider =
    resources.providerPk !== undefined && app.provider !== null && app.provider === resources.providerPk;
  return {
    marker: servesOurProvider ? spec.tenantId : undefined,
    ...recordedAs(resources, 'applicationPk', app.pk),
  };
}

function requireProvider(resources: Resources): number {
  if (resources.providerPk === undefined) {
    throw new PreconditionError(
      'ensure-application needs the provider (resources.providerPk): run ensure-oidc-provider first',
    );
  }
  return resources.providerPk;
}

function applicationChanges(spec: TenantSpec, providerPk: number, app: Application): ApplicationPatch {
  const patch: ApplicationPatch = {};
  if (app.name !== spec.authentik.applicationName) patch.name = spec.authentik.applicationName;
  if (app.provider !== providerPk) patch.provider = providerPk;
  return patch;
}

/** Authentik refuses a provider that serves another application (400 on `provider`); say which. */
async function providerTaken(client: AuthentikClient, providerPk: number, err: unknown): Promise<Error> {
  if (!isAlreadyExists(err, 'provider')) return err as Error;
  const provider = await getProvider(client, providerPk);
  const other = provider?.assigned_application_slug;
  return new ConflictError(
    `provider ${providerPk} already serves the application "${other ?? 'unknown'}"; an Authentik ` +
      'provider serves one application: delete that application or give this tenant another provider',
  );
}

/**
 * The issuer recorded for Cognito, cross-checked with the one Authentik computes (a read): they
 * differ only when the provider's issuer mode is global or a proxy rewrites the host, and Cognito
 * would then reject the discovery document at its first login.
 */
async function confirmedIssuer(
  client: AuthentikClient,
  spec: TenantSpec,
  providerPk: number,
): Promise<string> {
  const issuer = issuerFor(spec.authentik.baseUrl, spec.authentik.applicationSlug);
  const reported = (await getProviderSetupUrls(client, providerPk)).issuer;
  if (reported !== issuer) {
    throw new PreconditionError(
      `Authentik reports the issuer ${reported} for provider ${providerPk}, not ${issuer}: check the ` +
        "provider's issuer mode (per_provider) and that authentik.baseUrl is the origin Authentik serves",
    );
  }
  return issuer;
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: ApplicationClients,
): Promise<ApplyResult> {
  const providerPk = requireProvider(resources);
  const client = clients.authentik;
  const { applicationSlug: slug, applicationName: name } = spec.authentik;
  let writes = 0;
  let outcome: ApplyResult['outcome'] = 'unchanged';

  let app = await findApplicationBySlug(client, slug);
  if (!app) {
    writes += 1;
    try {
      app = await createApplication(client, { name, slug, provider: providerPk });
      outcome = 'created';
    } catch (err) {
      if (!isAlreadyExists(err, 'slug')) throw await providerTaken(client, providerPk, err);
      app = await findApplicationBySlug(client, slug);
      if (!app) throw err;
    }
  }
  const ownership =
    outcome === 'created' ? 'created' : ownershipOf(spec.tenantId, evidenceOf(spec, app, resources));
  if (ownership === 'foreign') {
    throw foreignObjectError(spec.tenantId, {
      what: 'Authentik application',
      name: slug,
      field: 'authentik.applicationSlug',
      id: app.pk,
      adoptKind: 'application',
    });
  }
  const patch = applicationChanges(spec, providerPk, app);
  if (Object.keys(patch).length > 0) {
    writes += 1;
    try {
      app = await updateApplication(client, slug, patch);
    } catch (err) {
      throw await providerTaken(client, providerPk, err);
    }
    if (outcome === 'unchanged') outcome = 'updated';
  }

  const issuer = await confirmedIssuer(client, spec, providerPk);
  return {
    outcome,
    writes,
    resources: {
      applicationSlug: app.slug,
      applicationPk: app.pk,
      issuer,
      ...(ownership === 'created' ? { created: ['applicationPk'] } : { adopted: ['applicationPk'] }),
    },
  };
}

/** Deletes the application when the record says this product created it and it still serves our provider. */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: ApplicationClients,
): Promise<DestroyResult> {
  const client = clients.authentik;
  const slug = resources.applicationSlug ?? spec.authentik.applicationSlug;
  const gone: (keyof Resources)[] = ['applicationPk', 'applicationSlug', 'issuer'];
  const app = await findApplicationBySlug(client, slug);
  if (!app) return { outcome: 'absent', resources: withoutResources(resources, gone) };
  // The slug may name another application by now: only the one we created is deleted.
  if (!mayDelete(spec.tenantId, evidenceOf(spec, app, resources))) return { outcome: 'kept', resources };
  const deleted = await deleteApplication(client, slug);
  return { outcome: deleted ? 'deleted' : 'absent', resources: withoutResources(resources, gone) };
}

/** The issuer Authentik computes for the provider; undefined when it serves no application (404). */
async function reportedIssuer(client: AuthentikClient, providerPk: number): Promise<string | undefined> {
  return (await unlessNotFound(getProviderSetupUrls(client, providerPk)))?.issuer;
}

export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: ApplicationClients,
): Promise<CheckResult> {
  const client = clients.authentik;
  const slug = spec.authentik.applicationSlug;
  const app = await findApplicationBySlug(client, slug);
  if (!app) return { outcome: 'missing', drift: [{ field: 'application', expected: slug, actual: null }] };
  const drift: Drift[] = [];
  if (app.name !== spec.authentik.applicationName) {
    drift.push({ field: 'name', expected: spec.authentik.applicationName, actual: app.name });
  }
  if (resources.providerPk !== undefined && app.provider !== resources.providerPk) {
    drift.push({ field: 'provider', expected: resources.providerPk, actual: app.provider ?? null });
  }
  if (app.provider !== undefined && app.provider !== null) {
    const expected = issuerFor(spec.authentik.baseUrl, slug);
    const actual = await reportedIssuer(client, app.provider);
    if (actual !== expected) drift.push({ field: 'issuer', expected, actual: actual ?? null });
  }
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
