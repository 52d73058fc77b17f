// Step 3 of the guide: the OAuth2/OIDC provider Cognito federates with. Confidential client, RS256
// signing key, the openid/email/profile scope mappings, the invalidation flow (required since
// 2024.10) and the strict redirect URI `https://<cognito-domain>/oauth2/idpresponse`, which the
// manual guide forgets. Its client id and secret are stored in Secrets Manager as
// `{client_id, client_secret}` for ensure-identity-provider; they never leave this Lambda otherwise
// (provider objects carry them on every read, so none is ever logged or returned).
//
// Ownership (functions/lib/ownership.ts): a provider this step creates gets a client id that names
// the tenant, `federation.<tenantId>.<random>`; the model has no attributes to carry a marker. A
// provider of the spec's name without this tenant's client id, and not adopted by an operator, is a
// conflict: converging it would rewrite another application's redirect URIs and copy its client
// secret into this tenant's secret.

import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { isAlreadyExists } from '#lib/authentik/http-errors.ts';
import {
  createProvider,
  deleteProvider,
  findProviderByName,
  getProvider,
  type OAuth2Provider,
  updateProvider,
} from '#lib/authentik/providers.ts';
import { ConflictError, PreconditionError } from '#lib/errors.ts';
import type { ResolvedClients } from '#lib/lambda.ts';
import {
  foreignObjectError,
  markedClientId,
  markerOfClientId,
  mayDelete,
  type OwnershipEvidence,
  ownershipOf,
  providerEvidence,
} from '#lib/ownership.ts';
import { withoutResources } from '#lib/registry.ts';
import { ensureRotation } from '#lib/rotation-schedule.ts';
import { deleteSecret, putSecret, readSecretJson, secretName } from '#lib/secrets.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { desiredProvider, providerDrift, providerPatch } from './desired.ts';
import { resolveProviderReferences } from './references.ts';

export type OidcProviderClients = Pick<ResolvedClients, 'authentik' | 'secrets' | 'secretPrefix'> &
  Partial<Pick<ResolvedClients, 'secretsKmsKeyId' | 'rotation'>>;

const oidcClientSecret = z.object({
  client_id: z.string().check(z.minLength(1)),
  client_secret: z.string().check(z.minLength(1)),
});

function evidenceOf(provider: OAuth2Provider, resources: Resources): OwnershipEvidence {
  return providerEvidence(provider, resources);
}

function requireRedirectUri(resources: Resources): string {
  if (!resources.redirectUri) {
    throw new PreconditionError(
      'ensure-oidc-provider needs the Cognito redirect URI (resources.redirectUri, ' +
        'https://<cognito-domain>/oauth2/idpresponse): run validate-tenant and ensure-user-pool first',
    );
  }
  return resources.redirectUri;
}

/** By name; when renamed behind our back, the one we created under the recorded pk. */
async function findOurProvider(
  client: AuthentikClient,
  spec: TenantSpec,
  resources: Resources,
): Promise<OAuth2Provider | undefined> {
  const byName = await findProviderByName(client, spec.authentik.providerName);
  if (byName) return byName;
  if (resources.providerPk === undefined) return undefined;
  const recorded = await getProvider(client, resources.providerPk);
  return recorded && ownershipOf(spec.tenantId, evidenceOf(recorded, resources)) === 'created'
    ? recorded
    : undefined;
}

function clientSecretName(spec: TenantSpec, clients: OidcProviderClients): string {
  return secretName(clients.secretPrefix, spec.tenantId, 'oidc-client');
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: OidcProviderClients,
): Promise<ApplyResult> {
  const redirectUri = requireRedirectUri(resources);
  const client = clients.authentik;
  // Every reference is checked before the first write, so a missing flow or key changes nothing.
  const refs = await resolveProviderReferences(client, spec);
  const desired = desiredProvider(spec, refs, redirectUri);
  let writes = 0;
  let outcome: ApplyResult['outcome'] = 'unchanged';

  let provider = await findOurProvider(client, spec, resources);
  if (!provider) {
    writes += 1;
    try {
      const clientId = markedClientId(spec.tenantId, randomBytes(16).toString('hex'));
      provider = await createProvider(client, { ...desired, client_id: clientId });
      outcome = 'created';
    } catch (err) {
      if (!isAlreadyExists(err, 'name')) throw err;
      provider = await findProviderByName(client, desired.name);
      if (!provider) throw err;
    }
  }
  const ownership =
    outcome === 'created' ? 'created' : ownershipOf(spec.tenantId, evidenceOf(provider, resources));
  if (ownership === 'foreign') {
    throw foreignObjectError(spec.tenantId, {
      what: 'OAuth2 provider',
      name: spec.authentik.providerName,
      field: 'authentik.providerName',
      id: provider.pk,
      adoptKind: 'provider',
      marker: markerOfClientId(provider.client_id),
    });
  }
  const serves = provider.assigned_application_slug;
  if (serves && serves !== spec.authentik.applicationSlug) {
    // Its redirect URIs and flows are another application's business: converging them would break it.
    throw new ConflictError(
      `provider "${provider.name}" (authentik.providerName) already serves the application "${serves}"; ` +
        'name another provider for this tenant',
    );
  }
  const patch = providerPatch(desired, provider);
  if (Object.keys(patch).length > 0) {
    writes += 1;
    provider = await updateProvider(client, provider.pk, patch);
    if (outcome === 'unchanged') outcome = 'updated';
  }

  const { client_id: clientId, client_secret: clientSecret } = provider;
  if (!clientId || !clientSecret) {
    throw new PreconditionError(
      `Authentik returned provider ${provider.pk} without its client id or secret: the API token's user needs the right to view them`,
    );
  }
  // Writes only when the stored pair differs (a new provider, or a secret rotated in Authentik).
  const secret = await putSecret(clients.secrets, {
    prefix: clients.secretPrefix,
    kmsKeyId: clients.secretsKmsKeyId,
    tenantId: spec.tenantId,
    kind: 'oidc-client',
    value: { client_id: clientId, client_secret: clientSecret },
    description: `OIDC client of the Authentik provider of tenant ${spec.tenantId}`,
  });
  writes += secret.writes;
  // Secrets Manager rotates the secret from now on (functions/rotate-secret/), on the tenant's
  // schedule or the deployment's.
  if (clients.rotation) {
    const days = spec.rotation?.automaticallyAfterDays ?? clients.rotation.afterDays;
    writes += await ensureRotation(clients.secrets, secret.arn, clients.rotation, days);
  }
  if (writes > 0 && outcome === 'unchanged') outcome = 'updated';

  return {
    outcome,
    writes,
    resources: {
      providerPk: provider.pk,
      oidcClientSecretArn: secret.arn,
      // The secret is named after this deployment and tenant: always this product's.
      created: ownership === 'created' ? ['providerPk', 'oidcClientSecretArn'] : ['oidcClientSecretArn'],
      ...(ownership === 'adopted' ? { adopted: ['providerPk'] } : {}),
    },
  };
}

/**
 * Deletes the provider when the record says this product created it and its client id still names
 * the tenant, and the stored client in any case.
 */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: OidcProviderClients,
): Promise<DestroyResult> {
  const client = clients.authentik;
  const secret = await deleteSecret(
    clients.secrets,
    resources.oidcClientSecretArn ?? clientSecretName(spec, clients),
  );
  const recorded =
    resources.providerPk === undefined ? undefined : await getProvider(client, resources.providerPk);
  const provider = recorded ?? (await findProviderByName(client, spec.authentik.providerName));
  if (provider && !mayDelete(spec.tenantId, evidenceOf(provider, resources))) {
    return { outcome: 'kept', resources: withoutResources(resources, ['oidcClientSecretArn']) };
  }
  const deleted = provider ? await deleteProvider(client, provider.pk) : false;
  return {
    outcome: deleted || secret === 'deleted' ? 'deleted' : 'absent',
    resources: withoutResources(resources, ['oidcClientSecretArn', 'providerPk']),
  };
}

/** Whether the stored client matches the provider's. Says which field differs, never a value. */
async function storedClientDrift(
  spec: TenantSpec,
  resources: Resources,
  clients: OidcProviderClients,
  provider: OAuth2Provider,
): Promise<Drift[]> {
  let stored: z.infer<typeof oidcClientSecret>;
  try {
    stored = await readSecretJson(
      clients.secrets,
      resources.oidcClientSecretArn ?? clientSecretName(spec, clients),
      oidcClientSecret,
    );
  } catch (error) {
    if (error instanceof PreconditionError) {
      return [{ field: 'oidc-client secret', expected: 'stored in Secrets Manager', actual: null }];
    }
    throw error;
  }
  const drift: Drift[] = [];
  // The client id is public (it travels in every authorize URL); the secret is not even hinted at.
  if (stored.client_id !== provider.client_id) {
    drift.push({ field: 'client_id', expected: provider.client_id, actual: stored.client_id });
  }
  if (stored.client_secret !== provider.client_secret) {
    drift.push({ field: 'client_secret', expected: 'the provider’s secret', actual: 'a different value' });
  }
  return drift;
}

export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: OidcProviderClients,
): Promise<CheckResult> {
  const redirectUri = requireRedirectUri(resources);
  const client = clients.authentik;
  const provider =
    resources.providerPk === undefined
      ? await findProviderByName(client, spec.authentik.providerName)
      : await getProvider(client, resources.providerPk);
  if (!provider) {
    return {
      outcome: 'missing',
      drift: [{ field: 'provider', expected: spec.authentik.providerName, actual: null }],
    };
  }
  const refs = await resolveProviderReferences(client, spec);
  const drift = providerDrift(desiredProvider(spec, refs, redirectUri), provider);
  drift.push(...(await storedClientDrift(spec, resources, clients, provider)));
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
