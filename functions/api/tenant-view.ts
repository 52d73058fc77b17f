// A registry record as the API shows it. A record holds no secret value, but it names the secrets
// (the Authentik token's ARN in the spec, `*SecretArn` resources): the views leave every one of them
// out, so a caller allowed to read a tenant learns nothing about where its secrets are kept. The view
// adds the execution running now and the hosted-UI test URL.
import type { ExecutionRecord, TenantRecord } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { hostedUiLoginUrl } from '#lib/verification/login-url.ts';
import { nameOfExecution } from './execution-name.ts';
import type { ExecutionView, PublicResources, PublicSpec, TenantSummary, TenantView } from './types.ts';

const LOGIN_SCOPES = ['openid', 'email', 'profile'];

/** The guide's "Test it" URL, when the pool's domain, the app client and a callback URL are known. */
export function loginUrlOf(record: TenantRecord): string | undefined {
  const { resources, spec } = record;
  if (record.status !== 'active') return undefined;
  // The verification records the URL it built from the app client itself; that one is best.
  if (resources.loginUrl) return resources.loginUrl;
  const domain = resources.userPoolDomain;
  const appClientId = resources.appClientId;
  // Optional chains: a record is written from a parsed spec, but a view must not fail on an odd one.
  const redirectUri = spec?.cognito?.callbackUrls?.[0];
  const identityProviderName = resources.identityProviderName ?? spec?.cognito?.identityProviderName;
  if (!domain || !appClientId || !redirectUri || !identityProviderName) return undefined;
  return hostedUiLoginUrl({
    domain,
    identityProviderName,
    redirectUri,
    appClientId,
    scopes: LOGIN_SCOPES.filter((scope) => spec.cognito.scopes?.includes(scope)),
  });
}

const SECRET_REFERENCE = /SecretArn$/;

/** The resources without the ARN of any secret, in the bookkeeping lists (`created`, …) too. */
export function publicResources(resources: Resources): PublicResources {
  const shown = new Map<string, unknown>();
  for (const [key, value] of Object.entries(resources)) {
    if (SECRET_REFERENCE.test(key)) continue;
    shown.set(
      key,
      Array.isArray(value) ? value.filter((entry) => !SECRET_REFERENCE.test(String(entry))) : value,
    );
  }
  return Object.fromEntries(shown) as PublicResources;
}

/** The spec without the Authentik token's ARN. */
export function publicSpec(spec: TenantSpec): PublicSpec {
  // Optional chain: a record is written from a parsed spec, but a view must not fail on an odd one.
  if (!spec?.authentik) return spec;
  const { tokenSecretArn: _hidden, ...authentik } = spec.authentik;
  return { ...spec, authentik };
}

function lastExecutionView(last: ExecutionRecord): NonNullable<TenantView['lastExecution']> {
  // On AWS the workflow records `$$.Execution.Id`, which is the execution's ARN.
  const executionArn = last.arn ?? (last.name.startsWith('arn:') ? last.name : undefined);
  return {
    kind: last.kind,
    name: nameOfExecution(last.name),
    startedAt: last.startedAt,
    ...(executionArn ? { executionArn } : {}),
  };
}

export function tenantView(record: TenantRecord, running?: ExecutionView): TenantView {
  const loginUrl = loginUrlOf(record);
  return {
    tenantId: record.tenantId,
    status: record.status,
    ...(record.spec?.displayName ? { displayName: record.spec.displayName } : {}),
    spec: publicSpec(record.spec),
    steps: record.steps,
    resources: publicResources(record.resources),
    ...(record.lastExecution ? { lastExecution: lastExecutionView(record.lastExecution) } : {}),
    ...(running ? { runningExecution: running } : {}),
    ...(record.lastError ? { lastError: record.lastError } : {}),
    ...(record.lastVerification ? { lastVerification: record.lastVerification } : {}),
    ...(record.rotations ? { rotations: record.rotations } : {}),
    ...(loginUrl ? { loginUrl } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** Accepted, but the execution has not registered the tenant yet. */
export function pendingView(tenantId: string, running: ExecutionView): TenantView {
  return { tenantId, status: 'pending', steps: {}, resources: {}, runningExecution: running };
}

export function tenantSummary(record: TenantRecord): TenantSummary {
  return {
    tenantId: record.tenantId,
    status: record.status,
    ...(record.spec?.displayName ? { displayName: record.spec.displayName } : {}),
    updatedAt: record.updatedAt,
    ...(record.lastExecution
      ? { lastExecution: { kind: record.lastExecution.kind, startedAt: record.lastExecution.startedAt } }
      : {}),
  };
}
