// The body of PUT /tenants/{tenantId}: `{ "spec": <tenant spec>, "authentikToken"?: "<token>" }`.
// The tenant is the path's (so an IAM policy on the path grants one tenant); the spec may repeat it,
// never name another.
//
// The spec names its Authentik token by ARN, or the caller hands the token over once in
// `authentikToken` and the API stores it before anything starts. Either way the token never reaches
// the state machine, the registry, a log line or an answer: every message here names fields and rules,
// never values.
import { ValidationError } from '#lib/errors.ts';
import { secretName } from '#lib/secrets.ts';
import { type Deployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { fieldName } from './body.ts';
import { specHash } from './execution-name.ts';
import { HttpError } from './http.ts';

export interface CreateRequest {
  /** Validated, defaults filled in. Its tokenSecretArn is a placeholder while `token` is to be stored. */
  spec: TenantSpec;
  /** The raw spec, to validate again once the stored token's ARN is known. */
  rawSpec: Record<string, unknown>;
  token?: string;
  /** What makes two requests the same: a hash of the normalized spec (see identityOf). */
  key: string;
}

// Authentik API tokens are printable ASCII without spaces; the bound keeps a body from storing megabytes.
const TOKEN = /^[\x21-\x7e]{1,4096}$/;
const TOKEN_RULE = 'must be a string of 1-4096 printable characters without spaces';
const ARN_FIELD = 'spec.authentik.tokenSecretArn';
const KNOWN = ['spec', 'authentikToken'];
/**
 * Validates the rest of the spec before the token is stored; replaced by the real ARN afterwards.
 * It names the secret the token will be stored as, so it passes any rule on which secret a spec names.
 */
export function placeholderArn(secretPrefix: string, tenantId: string): string {
  return `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretName(secretPrefix, tenantId, 'authentik-token')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function prefixed(fields: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(fields).map(([path, messages]) => [path === '(spec)' ? 'spec' : `spec.${path}`, messages]),
  );
}

/** The spec with another tokenSecretArn (the raw spec is left alone). */
export function withTokenSecretArn(raw: Record<string, unknown>, arn: string): Record<string, unknown> {
  const authentik = isObject(raw.authentik) ? raw.authentik : {};
  return { ...raw, authentik: { ...authentik, tokenSecretArn: arn } };
}

/**
 * Two requests are the same when their normalized specs are. A token handed over in the body is
 * stored under a name fixed per tenant, so the spec is identified by that name rather than by the
 * secret's ARN (which only exists once stored). The token's value is not part of it: a new token for
 * the same spec replaces the stored one and starts nothing new while the first execution runs.
 */
function identityOf(spec: TenantSpec, token: string | undefined, secretPrefix: string): string {
  if (token === undefined) return specHash(spec);
  const stored = `stored:${secretName(secretPrefix, spec.tenantId, 'authentik-token')}`;
  return specHash({ ...spec, authentik: { ...spec.authentik, tokenSecretArn: stored } });
}

export function readCreateRequest(
  body: Record<string, unknown>,
  deployment: Deployment,
  secretPrefix: string,
  tenantId: string,
): CreateRequest {
  const fields: Record<string, string[]> = {};
  for (const key of Object.keys(body)) {
    if (!KNOWN.includes(key)) {
      fields[fieldName(key)] = [
        /token/i.test(key) ? 'unknown field; an Authentik token goes in authentikToken' : 'unknown field',
      ];
    }
  }
  const token = body.authentikToken;
  if (token !== undefined && (typeof token !== 'string' || !TOKEN.test(token))) {
    fields.authentikToken = [TOKEN_RULE];
  }
  const given = body.spec;
  if (given === undefined) fields.spec = ['is required: the tenant spec'];
  else if (!isObject(given)) fields.spec = ['must be an object: the tenant spec'];
  if (isObject(given) && Object.hasOwn(given, 'tenantId') && given.tenantId !== tenantId) {
    // The rule, not the value: the body's id could be anything the caller sent.
    fields['spec.tenantId'] = [`must be ${tenantId}, the tenant in the path, or be left out`];
  }
  // The rest of the spec is checked too, so one answer names every bad field.
  const raw: Record<string, unknown> | undefined = isObject(given) ? { ...given, tenantId } : undefined;

  let spec: TenantSpec | undefined;
  if (isObject(raw)) {
    const authentik = isObject(raw.authentik) ? raw.authentik : undefined;
    const arnGiven = authentik !== undefined && Object.hasOwn(authentik, 'tokenSecretArn');
    const tokenGiven = token !== undefined;
    if (tokenGiven && arnGiven) {
      fields.authentikToken = [`give authentikToken or ${ARN_FIELD}, not both`];
    }
    const candidate =
      tokenGiven && authentik !== undefined && !arnGiven
        ? withTokenSecretArn(raw, placeholderArn(secretPrefix, tenantId))
        : raw;
    try {
      spec = parseTenantSpec(candidate, deployment);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      Object.assign(fields, prefixed(error.fields));
    }
    if (!tokenGiven && authentik !== undefined && !arnGiven) {
      fields[ARN_FIELD] = [
        'is required: the ARN of a secret holding {"token": …}, or send the token once in authentikToken',
      ];
    }
  }
  if (Object.keys(fields).length > 0 || spec === undefined || !isObject(raw)) {
    throw new HttpError(400, 'invalid request', fields);
  }
  const tokenValue = typeof token === 'string' ? token : undefined;
  return {
    spec,
    rawSpec: raw,
    ...(tokenValue === undefined ? {} : { token: tokenValue }),
    key: identityOf(spec, tokenValue, secretPrefix),
  };
}
