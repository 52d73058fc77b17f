// Step 7 of the guide: the OIDC identity provider in the user pool, pointing at the Authentik
// application's issuer. The client secret is read from Secrets Manager here, inside the Lambda, and
// goes only to Cognito: never into the result, a log line or an error message.

import { timingSafeEqual } from 'node:crypto';
import {
  type CognitoIdentityProviderClient,
  CreateIdentityProviderCommand,
  DeleteIdentityProviderCommand,
  DescribeIdentityProviderCommand,
  type IdentityProviderType,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { cognitoCreate, cognitoFind, cognitoSend } from '#lib/cognito.ts';
import { providerAttributeMapping } from '#lib/cognito-attributes.ts';
import { ConflictError, LimitExceededError, PreconditionError, TransientError } from '#lib/errors.ts';
import { readSecretJson } from '#lib/secrets.ts';
import type { ApplyResult, CheckResult, DestroyResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

export interface IdentityProviderClients {
  cognito: CognitoIdentityProviderClient;
  secrets: SecretsManagerClient;
}

/** What the oidc-client secret holds (written by ensure-oidc-provider). */
export const oidcClientSecret = z.object({
  client_id: z.string().check(z.minLength(1)),
  client_secret: z.string().check(z.minLength(1)),
});

/** Keys Cognito adds to ProviderDetails itself, from the issuer's discovery document. */
export const DISCOVERED_DETAILS = new Set([
  'authorize_url',
  'token_url',
  'attributes_url',
  'jwks_uri',
  'attributes_url_add_attributes',
]);
const SECRET_DETAILS = new Set(['client_secret']);
/** Cognito maps `username` to `sub` for every OIDC provider on its own. */
const IMPLICIT_MAPPING = new Set(['username']);
const HIDDEN = '(hidden)';

export interface DesiredProvider {
  name: string;
  userPoolId: string;
  details: Record<string, string>;
  mapping: Record<string, string>;
  secret: string;
}

function required(resources: Resources, keys: (keyof Resources)[]): void {
  const missing = keys.filter((key) => resources[key] === undefined);
  if (missing.length > 0) {
    throw new PreconditionError(
      `ensure-identity-provider needs ${missing.join(', ')} from the earlier steps`,
    );
  }
}

function providerName(spec: TenantSpec, resources: Resources): string {
  return resources.identityProviderName ?? spec.cognito.identityProviderName;
}

async function desired(
  spec: TenantSpec,
  resources: Resources,
  clients: IdentityProviderClients,
): Promise<DesiredProvider> {
  required(resources, ['userPoolId', 'issuer', 'oidcClientSecretArn']);
  const client = await readSecretJson(
    clients.secrets,
    resources.oidcClientSecretArn as string,
    oidcClientSecret,
  );
  const issuer = resources.issuer as string;
  return {
    name: providerName(spec, resources),
    userPoolId: resources.userPoolId as string,
    secret: client.client_secret,
    details: {
      client_id: client.client_id,
      client_secret: client.client_secret,
      authorize_scopes: spec.cognito.scopes.join(' '),
      // Authentik's issuer ends with a slash, and Cognito compares it with the discovery
      // document's `issuer` exactly: the slash the guide forgets.
      oidc_issuer: issuer.endsWith('/') ? issuer : `${issuer}/`,
      attributes_request_method: 'GET',
    },
    mapping: providerAttributeMapping(spec),
  };
}

function sameSecret(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** What differs, by field name; secret values are never put in a drift entry. */
export function providerDrift(want: DesiredProvider, actual: IdentityProviderType): Drift[] {
  const drift: Drift[] = [];
  if (actual.ProviderType !== 'OIDC') {
    drift.push({ field: 'ProviderType', expected: 'OIDC', actual: actual.ProviderType ?? null });
  }
  const details = actual.ProviderDetails ?? {};
  for (const [key, value] of Object.entries(want.details)) {
    if (SECRET_DETAILS.has(key)) {
      if (!sameSecret(value, details[key])) drift.push({ field: key, expected: HIDDEN, actual: HIDDEN });
    } else if (details[key] !== value) {
      drift.push({ field: key, expected: value, actual: details[key] ?? null });
    }
  }
  for (const key of Object.keys(details)) {
    if (!(key in want.details) && !DISCOVERED_DETAILS.has(key)) {
      drift.push({ field: key, expected: null, actual: SECRET_DETAILS.has(key) ? HIDDEN : details[key] });
    }
  }
  const mapping = actual.AttributeMapping ?? {};
  const mappingKeys = new Set([...Object.keys(want.mapping), ...Object.keys(mapping)]);
  for (const key of mappingKeys) {
    if (IMPLICIT_MAPPING.has(key) && !(key in want.mapping)) continue;
    if (want.mapping[key] !== mapping[key]) {
      drift.push({
        field: `AttributeMapping.${key}`,
        expected: want.mapping[key] ?? null,
        actual: mapping[key] ?? null,
      });
    }
  }
  return drift;
}

async function describe(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  name: string,
): Promise<IdentityProviderType | undefined> {
  const result = await cognitoFind('DescribeIdentityProvider', () =>
    cognito.send(new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name })),
  );
  return result?.IdentityProvider;
}

/**
 * The identity providers a pool may hold is an adjustable quota (300 by default, "Quotas on
 * resource number and size" in https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html):
 * only Cognito knows the account's value, so its LimitExceededException is the verdict, and the
 * error says what to do about it.
 */
function withQuotaHint(error: unknown, userPoolId: string): unknown {
  if (!(error instanceof LimitExceededError)) return error;
  return new LimitExceededError(
    `${error.message} — user pool ${userPoolId} holds as many identity providers as its quota allows: ` +
      'remove identity providers it no longer uses, or raise the quota "Identity providers per user pool" ' +
      '(Cognito, Service Quotas; 300 by default) and provision again',
  );
}

function owned(resources: Resources): Resources['created'] {
  const created = resources.created ?? [];
  return created.includes('identityProviderName') ? created : [...created, 'identityProviderName'];
}

export async function apply(
  spec: TenantSpec,
  resources: Resources,
  clients: IdentityProviderClients,
): Promise<ApplyResult> {
  const { cognito } = clients;
  const want = await desired(spec, resources, clients);
  const redact = [want.secret];
  let writes = 0;

  let existing = await describe(cognito, want.userPoolId, want.name);
  if (!existing) {
    const created = await cognitoCreate(
      'CreateIdentityProvider',
      () =>
        cognito.send(
          new CreateIdentityProviderCommand({
            UserPoolId: want.userPoolId,
            ProviderName: want.name,
            ProviderType: 'OIDC',
            ProviderDetails: want.details,
            AttributeMapping: want.mapping,
          }),
        ),
      redact,
    ).catch((error: unknown) => {
      throw withQuotaHint(error, want.userPoolId);
    });
    writes += 1;
    if (created !== 'exists') {
      return {
        outcome: 'created',
        writes,
        resources: { identityProviderName: want.name, created: owned(resources) },
      };
    }
    // Another run created it between our look and our create: look again and converge.
    existing = await describe(cognito, want.userPoolId, want.name);
    if (!existing) throw new TransientError(`identity provider ${want.name} exists and does not: retry`);
  }

  const ours = resources.created?.includes('identityProviderName') === true;
  const pointsAtOurIssuer = existing.ProviderDetails?.oidc_issuer === want.details.oidc_issuer;
  if (!ours && !pointsAtOurIssuer) {
    throw new ConflictError(
      `identity provider ${want.name} already exists in ${want.userPoolId} for another issuer; ` +
        'choose another cognito.identityProviderName',
    );
  }
  const drift = providerDrift(want, existing);
  if (drift.length > 0) {
    // Only our keys: Cognito fills in the discovered endpoints again from the issuer.
    await cognitoSend(
      'UpdateIdentityProvider',
      () =>
        cognito.send(
          new UpdateIdentityProviderCommand({
            UserPoolId: want.userPoolId,
            ProviderName: want.name,
            ProviderDetails: want.details,
            AttributeMapping: want.mapping,
          }),
        ),
      redact,
    );
    writes += 1;
  }
  return {
    outcome: drift.length > 0 ? 'updated' : 'unchanged',
    writes,
    resources: { identityProviderName: want.name, created: owned(resources) },
  };
}

/** Deletes the identity provider if this system created it; run after enable-identity-provider's unwire. */
export async function destroy(
  spec: TenantSpec,
  resources: Resources,
  clients: IdentityProviderClients,
): Promise<DestroyResult> {
  const name = providerName(spec, resources);
  const remaining: Resources = {
    ...resources,
    created: (resources.created ?? []).filter((key) => key !== 'identityProviderName'),
  };
  delete remaining.identityProviderName;
  if (!resources.created?.includes('identityProviderName')) return { outcome: 'kept', resources };
  const userPoolId = resources.userPoolId;
  if (!userPoolId) return { outcome: 'absent', resources: remaining };
  const result = await cognitoFind('DeleteIdentityProvider', () =>
    clients.cognito.send(new DeleteIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: name })),
  );
  return { outcome: result ? 'deleted' : 'absent', resources: remaining };
}

/** Drift of the identity provider against what apply would write; secrets show as `(hidden)`. */
export async function check(
  spec: TenantSpec,
  resources: Resources,
  clients: IdentityProviderClients,
): Promise<CheckResult> {
  const want = await desired(spec, resources, clients);
  const existing = await describe(clients.cognito, want.userPoolId, want.name);
  if (!existing)
    return {
      outcome: 'missing',
      drift: [{ field: 'identityProviderName', expected: want.name, actual: null }],
    };
  const drift = providerDrift(want, existing);
  return { outcome: drift.length > 0 ? 'drifted' : 'in-sync', drift };
}
