// The tenant spec: the one input of the workflow, validated at the edge (API) and again as the
// workflow's first state. This zod schema is the single source; the JSON Schema for API Gateway and
// the docs is derived from it (`tenantSpecJsonSchema`). Parsing fills in every default, so later
// steps read a complete spec.
//
// The spec never carries a secret: the Authentik token is referenced by its Secrets Manager ARN, and
// any field whose name looks like a credential is refused. Objects are strict everywhere, so an
// unknown key (a typo, an `expression`, an inline `token`) is an error rather than silently dropped.
// The field rules are in tenant-spec-fields.ts, the names derived from the tenant id in
// tenant-names.ts; this module assembles the spec, fills in its defaults and reports its errors.

// zod/mini, the functional API of the same package, as a namespace import (here and wherever Lambda
// code uses zod): esbuild keeps only the functions used, about 33 KB of zod in a bundle (English
// messages included) where the classic API's methods pull in some 83 KB.
import * as z from 'zod/mini';
import { checkAuthentikBaseUrl, type Deployment } from './authentik-address.ts';
import { cognitoIssuerProblems } from './cognito-issuer.ts';
import { ValidationError } from './errors.ts';
import {
  defaultIdentityProviderName,
  derivedApplicationSlug,
  derivedGroupName,
  derivedProviderName,
  namesOfOtherTenants,
  tokenSecretNamesTenant,
} from './tenant-names.ts';
import {
  access,
  callbackUrl,
  claimName,
  customDomain,
  domainPrefix,
  groupName,
  identityProviderName,
  noControlChars,
  RESERVED_IN_DOMAIN_PREFIX,
  rotation,
  scope,
  secretArn,
  slug,
  tenantId,
  testUser,
  unknownKeyMessage,
  userPoolAttribute,
} from './tenant-spec-fields.ts';
import './zod-messages.ts';

// The SSRF boundary (address classes, allow-list, ports) lives in its own module; these re-exports
// keep the spec's importers working.
export { checkAuthentikBaseUrl, type Deployment, localDeployment } from './authentik-address.ts';

function buildSchema(deployment: Deployment | undefined) {
  const baseUrl = z
    .pipe(
      z.string().check(
        z.maxLength(2048),
        z.superRefine((value: string, ctx) => {
          for (const message of checkAuthentikBaseUrl(value, deployment))
            ctx.addIssue({ code: 'custom', message });
          for (const message of cognitoIssuerProblems(value)) ctx.addIssue({ code: 'custom', message });
        }),
      ),
      // Steps append /api/v3/... and /application/o/...: keep the origin only.
      z.transform((value: string) => new URL(value).origin),
    )
    .check(
      z.describe(
        'Origin of the Authentik instance, e.g. https://authentik.example.com. Its host must be allowed.',
      ),
    );

  const authentik = z.strictObject({
    baseUrl,
    tokenSecretArn: secretArn.check(
      z.describe(
        'ARN of the Secrets Manager secret <prefix>/<tenantId>/authentik-token holding {"token": "<Authentik API token>"}.',
      ),
    ),
    authorizationFlow: z._default(slug, 'default-provider-authorization-explicit-consent'),
    invalidationFlow: z._default(slug, 'default-provider-invalidation-flow'),
    signingKeyName: z._default(noControlChars(255), 'authentik Self-signed Certificate'),
    group: z
      .optional(
        groupName.check(
          z.refine(
            (name: string) => !ADMIN_GROUPS.has(name),
            "is Authentik's administrators' group: the test user would become a superuser",
          ),
        ),
      )
      .check(
        z.describe(
          'The group the test user joins (default cognito-users-<tenantId>); one that grants admin rights is refused.',
        ),
      ),
    applicationSlug: z.optional(slug),
    applicationName: z.optional(noControlChars(255)),
    providerName: z.optional(noControlChars(255)),
    testUser: z.prefault(testUser, {}),
  });

  const cognito = z
    .strictObject({
      region: z.optional(
        z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like eu-west-1')),
      ),
      userPoolId: z
        .optional(
          z
            .string()
            .check(
              z.maxLength(55),
              z.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id like eu-west-1_AbC123'),
            ),
        )
        .check(z.describe('A user pool the tenant brings; created when absent.')),
      userPoolName: z.optional(
        z.string().check(z.maxLength(128), z.regex(/^[\w\s+=,.@-]+$/, 'must be a user pool name')),
      ),
      domainPrefix: z.optional(domainPrefix),
      customDomain: z
        .optional(customDomain)
        .check(z.describe('A custom domain already set up on the pool (it needs an ACM certificate).')),
      appClientId: z
        .optional(z.string().check(z.maxLength(128), z.regex(/^[\w+]+$/, 'must be an app client id')))
        .check(z.describe('An app client the tenant brings; created when absent.')),
      appClientName: z.optional(
        z.string().check(z.maxLength(128), z.regex(/^[\w\s+=,.@-]+$/, 'must be an app client name')),
      ),
      callbackUrls: z._default(
        z.array(callbackUrl).check(z.maxLength(100, 'at most 100 callback URLs (Cognito)')),
        [],
      ),
      logoutUrls: z._default(
        z.array(callbackUrl).check(z.maxLength(100, 'at most 100 logout URLs (Cognito)')),
        [],
      ),
      identityProviderName: z.optional(identityProviderName),
      attributeMapping: z
        ._default(z.record(userPoolAttribute, claimName), { email: 'email' })
        .check(
          z.refine(
            (mapping: Record<string, string>) => 'email' in mapping,
            'must map email (the user pool requires it)',
          ),
        ),
      scopes: z
        ._default(z.array(scope).check(z.maxLength(25)), ['openid', 'email', 'profile'])
        .check(
          z.refine(
            (s: string[]) => s.includes('openid') && s.includes('email'),
            'must include openid and email',
          ),
        ),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (c.domainPrefix !== undefined && c.customDomain !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['customDomain'],
            message: 'give domainPrefix or customDomain, not both',
          });
        }
        if (c.appClientId === undefined && c.callbackUrls.length === 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['callbackUrls'],
            message: 'at least one callback URL is needed to create an app client (or bring appClientId)',
          });
        }
      }),
    );

  const spec = z.strictObject({
    tenantId,
    displayName: z.optional(noControlChars(128)),
    authentik,
    access: z.optional(access),
    cognito,
    rotation: z.optional(rotation),
  });

  return z.pipe(
    spec,
    z.transform((s: z.output<typeof spec>, ctx) => {
      const id = s.tenantId;
      const username = s.authentik.testUser.username ?? `cognito-test-${id}`;
      const derivedPrefix = `${id}-login`;
      const prefix =
        s.cognito.customDomain === undefined ? (s.cognito.domainPrefix ?? derivedPrefix) : undefined;
      if (
        s.cognito.domainPrefix === undefined &&
        prefix !== undefined &&
        RESERVED_IN_DOMAIN_PREFIX.test(prefix)
      ) {
        ctx.issues.push({
          code: 'custom',
          input: s.cognito,
          path: ['cognito', 'domainPrefix'],
          message: `the prefix derived from tenantId (${prefix}) contains a word Cognito reserves; set cognito.domainPrefix`,
        });
      }
      if (!tokenSecretNamesTenant(s.authentik.tokenSecretArn, id)) {
        ctx.issues.push({
          code: 'custom',
          input: s.authentik.tokenSecretArn,
          path: ['authentik', 'tokenSecretArn'],
          message: `must name this tenant's token secret <prefix>/${id}/authentik-token: a tenant reads no other secret`,
        });
      }
      for (const { path, value, owner } of namesOfOtherTenants(s, id)) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          path,
          message: `is the name derived for tenant ${owner}: choose a name that is not another tenant's`,
        });
      }
      const group = s.authentik.group ?? derivedGroupName(id);
      const accessOut =
        s.access === undefined || s.access.template === 'group'
          ? { template: 'group' as const, group: s.access?.group ?? group }
          : { template: 'everyone' as const };
      return {
        tenantId: id,
        ...(s.displayName === undefined ? {} : { displayName: s.displayName }),
        authentik: {
          ...s.authentik,
          group,
          applicationSlug: s.authentik.applicationSlug ?? derivedApplicationSlug(id),
          applicationName: s.authentik.applicationName ?? s.displayName ?? `Cognito ${id}`,
          providerName: s.authentik.providerName ?? derivedProviderName(id),
          testUser: {
            username,
            name: s.authentik.testUser.name ?? `Cognito test user (${id})`,
            email: s.authentik.testUser.email ?? `${username}@example.com`,
          },
        },
        access: accessOut,
        ...(s.rotation === undefined ? {} : { rotation: s.rotation }),
        cognito: {
          ...s.cognito,
          ...(prefix === undefined ? {} : { domainPrefix: prefix }),
          userPoolName: s.cognito.userPoolName ?? `federation-${id}`,
          appClientName: s.cognito.appClientName ?? `federation-${id}`,
          identityProviderName: s.cognito.identityProviderName ?? defaultIdentityProviderName(id),
        },
      };
    }),
  );
}

// The group `authentik Admins` is made by Authentik's bootstrap blueprint with superuser rights
// (blueprints/system/bootstrap.yaml). Refused by name here; ensure-group refuses any group that
// grants superuser rights or roles once it reads it.
const ADMIN_GROUPS: ReadonlySet<string> = new Set(['authentik Admins']);

const staticSchema = buildSchema(undefined);
const schemaByDeployment = new WeakMap<Deployment, ReturnType<typeof buildSchema>>();

/** The schema with this deployment's rules (allow-list, loopback, private addresses) built in. */
export function tenantSpecSchema(deployment: Deployment): ReturnType<typeof buildSchema> {
  let schema = schemaByDeployment.get(deployment);
  if (!schema) {
    schema = buildSchema(deployment);
    schemaByDeployment.set(deployment, schema);
  }
  return schema;
}

/** The spec as callers write it (defaults optional). */
export type TenantSpecInput = z.input<typeof staticSchema>;
/** The spec as steps read it: every default filled in. */
export type TenantSpec = z.output<typeof staticSchema>;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(spec)';
}

/** Flattens zod issues to `{ 'dotted.path': [messages] }`, one entry per unknown key. */
export function issuesToFields(issues: readonly z.core.$ZodIssue[]): Record<string, string[]> {
  // A Map, not a plain object: paths are the caller's keys (`__proto__`, `constructor`), and
  // indexing a plain object by them reads or replaces its prototype.
  const fields = new Map<string, string[]>();
  const add = (path: readonly PropertyKey[], message: string) => {
    const key = fieldPath(path);
    const list = fields.get(key) ?? [];
    fields.set(key, list);
    if (!list.includes(message)) list.push(message);
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], unknownKeyMessage(key));
    } else if (issue.code === 'invalid_key') {
      add(issue.path, issue.issues[0]?.message ?? issue.message);
    } else {
      add(issue.path, issue.message);
    }
  }
  // fromEntries defines own properties, so even a `__proto__` path is a plain entry.
  return Object.fromEntries(fields);
}

/**
 * Validates a tenant spec and fills in its defaults. Throws `ValidationError` whose `fields` names
 * each bad field by dotted path (`authentik.baseUrl`, `cognito.callbackUrls.0`) and whose message
 * lists them. Messages name fields and rules, never echo values.
 */
export function parseTenantSpec(input: unknown, deployment: Deployment): TenantSpec {
  const result = z.safeParse(tenantSpecSchema(deployment), input);
  if (result.success) return result.data;
  const fields = issuesToFields(result.error.issues);
  const summary = Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
    .join(' | ');
  throw new ValidationError(`invalid tenant spec: ${summary}`, fields);
}

export type JsonSchemaTarget = 'draft-04' | 'draft-07' | 'draft-2020-12' | 'openapi-3.0';

/**
 * The JSON Schema of the spec as callers write it (defaults shown, not required), derived from the
 * zod schema. API Gateway REST models want draft-04, which `z.toJSONSchema` can target (as well as
 * draft-07, draft-2020-12 and openapi-3.0). Rules that are code, not schema (the SSRF checks, the
 * allow-list, cross-field rules) are not in it: the Lambda validates again with `parseTenantSpec`.
 */
export function tenantSpecJsonSchema(target: JsonSchemaTarget = 'draft-04'): Record<string, unknown> {
  const schema = z.toJSONSchema(staticSchema, { target, io: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'Tenant spec',
    description: 'One tenant federated from Authentik into Cognito.',
  };
}
