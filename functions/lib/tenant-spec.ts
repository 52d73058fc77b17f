// The tenant spec: the one input of the workflow, validated at the edge (API) and again as the
// workflow's first state. This zod schema is the single source; the JSON Schema for API Gateway and
// the docs is derived from it (`tenantSpecJsonSchema`). Parsing fills in every default, so later
// steps read a complete spec.
//
// The spec never carries a secret: the Authentik token is referenced by its Secrets Manager ARN, and
// any field whose name looks like a credential is refused. Objects are strict everywhere, so an
// unknown key (a typo, an `expression`, an inline `token`) is an error rather than silently dropped.

import { createHash } from 'node:crypto';
// zod/mini, the functional API of the same package, as a namespace import (here and wherever Lambda
// code uses zod): esbuild keeps only the functions used, about 33 KB of zod in a bundle (English
// messages included) where the classic API's methods pull in some 83 KB.
import * as z from 'zod/mini';
import { isQuotableGroupName } from './authentik/policy-templates.ts';
import { checkAuthentikBaseUrl, type Deployment } from './authentik-address.ts';
import { ValidationError } from './errors.ts';
import { TENANT_ID, TENANT_ID_RULE } from './tenant-id.ts';
import './zod-messages.ts';

// The SSRF boundary (address classes, allow-list, ports) lives in its own module; these re-exports
// keep the spec's importers working.
export { checkAuthentikBaseUrl, type Deployment, localDeployment } from './authentik-address.ts';

// ---------------------------------------------------------------------------------------------
// Messages shared by the schema and the error formatting

const SECRETS_BY_ARN = 'secrets are referenced by ARN, never inline';
const NO_EXPRESSIONS =
  "expressions are not accepted: access is one of the templates 'everyone' or 'group' " +
  '(an expression policy is Python run inside Authentik)';
const ACCESS_TEMPLATES = `must be 'everyone' or 'group'; ${NO_EXPRESSIONS}`;

// A key with one of these words in its name is a credential someone tried to pass inline.
const SECRET_LIKE_KEY = /token|password|passwd|secret|credential|private[-_]?key|api[-_]?key/i;
const EXPRESSION_LIKE_KEY = /expression|python|script|code/i;

function unknownKeyMessage(key: string): string {
  if (EXPRESSION_LIKE_KEY.test(key)) return NO_EXPRESSIONS;
  if (SECRET_LIKE_KEY.test(key)) return SECRETS_BY_ARN;
  return 'unknown field';
}

// ---------------------------------------------------------------------------------------------
// Field rules

const noControlChars = (max: number) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    z.regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
  );

const tenantId = z
  .string()
  .check(
    z.regex(TENANT_ID, TENANT_ID_RULE),
    z.describe('Stable id of the tenant; names and defaults are derived from it.'),
  );

const slug = z
  .string()
  .check(z.maxLength(50), z.regex(/^[-a-zA-Z0-9_]+$/, 'must be a slug (letters, digits, - and _)'));

const secretArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
      `must be a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); ${SECRETS_BY_ARN}`,
    ),
  );

// Cognito accepts https, and plain http only for localhost (for testing); never a fragment.
const callbackUrl = z.string().check(
  z.maxLength(1024),
  z.superRefine((value: string, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return;
    }
    const localhostHttp = url.protocol === 'http:' && url.hostname === 'localhost';
    if (url.protocol !== 'https:' && !localhostHttp) {
      ctx.addIssue({ code: 'custom', message: 'must use https (plain http only for localhost)' });
    }
    if (value.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
    }
  }),
);

// Cognito's own rule for identity provider names (CreateIdentityProvider), 1-32 characters.
const IDENTITY_PROVIDER_NAME = /^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$/u;
const identityProviderName = z.string().check(
  z.maxLength(32, 'must be at most 32 characters (Cognito)'),
  z.regex(
    IDENTITY_PROVIDER_NAME,
    'must follow Cognito provider name rules: at least 3 characters, no leading "_", no spaces or "_" after the second character',
  ),
  z.refine((name: string) => name.toUpperCase() !== 'COGNITO', 'COGNITO is the user pool itself'),
);

// Cognito forbids these words in a prefix domain.
const RESERVED_IN_DOMAIN_PREFIX = /aws|amazon|cognito/;
const domainPrefix = z.string().check(
  z.regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 characters of a-z, 0-9 and -'),
  z.refine(
    (p: string) => !RESERVED_IN_DOMAIN_PREFIX.test(p),
    'must not contain "aws", "amazon" or "cognito"',
  ),
);

const customDomain = z
  .string()
  .check(
    z.maxLength(253),
    z.regex(/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case host name'),
  );

const userPoolAttribute = z
  .string()
  .check(
    z.regex(
      /^(address|birthdate|email|email_verified|family_name|gender|given_name|locale|middle_name|name|nickname|phone_number|phone_number_verified|picture|preferred_username|profile|updated_at|website|zoneinfo|username|custom:[\w-]{1,20})$/,
      'must be a standard user pool attribute or custom:<name>',
    ),
  );
const claimName = z.string().check(z.regex(/^[\w:.-]{1,128}$/, 'must be a claim name'));

// RFC 6749 scope-token characters.
const scope = z.string().check(z.regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'must be a scope token'));

// A group name ends up inside the group-membership policy's text; only names that template can quote
// without escaping are accepted, so a bad one fails here and not after half the guide is done.
const groupName = noControlChars(80).check(
  z.refine(
    isQuotableGroupName,
    'must not contain quotes or backslashes (it is written into the access policy)',
  ),
);

const testUser = z
  .strictObject({
    username: z.optional(
      z
        .string()
        .check(z.regex(/^[\w.@+-]{1,150}$/, 'must be 1-150 characters of letters, digits and . @ + - _')),
    ),
    name: z.optional(noControlChars(255)),
    email: z.optional(z.email().check(z.maxLength(254))),
  })
  .check(
    z.describe(
      'The Authentik user the verification signs in as. Its password is generated and kept in Secrets Manager.',
    ),
  );

const access = z
  .discriminatedUnion(
    'template',
    [
      z
        .strictObject({ template: z.literal('everyone') })
        .check(z.describe('Every Authentik user may sign in.')),
      z
        .strictObject({ template: z.literal('group'), group: z.optional(groupName) })
        .check(z.describe('Only members of the group (default: authentik.group) may sign in.')),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? ACCESS_TEMPLATES : undefined) },
  )
  .check(z.describe(`Who may sign in through the application; ${NO_EXPRESSIONS}.`));

function buildSchema(deployment: Deployment | undefined) {
  const baseUrl = z
    .pipe(
      z.string().check(
        z.maxLength(2048),
        z.superRefine((value: string, ctx) => {
          for (const message of checkAuthentikBaseUrl(value, deployment))
            ctx.addIssue({ code: 'custom', message });
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

/** The group derived for a tenant when the spec names none (the guide's `cognito-users`, per tenant). */
export function derivedGroupName(tenantId: string): string {
  return `cognito-users-${tenantId}`;
}

// Secrets Manager ARNs end in the secret's name and a hyphen with six random characters.
const TOKEN_SECRET_NAME = /:secret:(?:.+\/)?([^/]+)\/authentik-token(?:-[A-Za-z0-9]{6})?$/;

/** Whether the ARN names `<prefix>/<tenantId>/authentik-token` (any prefix: the deployment checks its own). */
export function tokenSecretNamesTenant(arn: string, tenantId: string): boolean {
  return TOKEN_SECRET_NAME.exec(arn)?.[1] === tenantId;
}

// Each name a tenant's defaults derive from its id, as a pattern capturing the id. A spec naming an
// object by another tenant's derived name would otherwise reach for that tenant's object.
const DERIVED_NAMES: readonly { path: readonly string[]; pattern: RegExp }[] = [
  { path: ['authentik', 'group'], pattern: /^cognito-users-(.+)$/ },
  { path: ['authentik', 'testUser', 'username'], pattern: /^cognito-test-(.+)$/ },
  { path: ['authentik', 'applicationSlug'], pattern: /^cognito-(.+)$/ },
  { path: ['authentik', 'providerName'], pattern: /^Cognito (.+) \(OIDC\)$/ },
  { path: ['cognito', 'userPoolName'], pattern: /^federation-(.+)$/ },
  { path: ['cognito', 'appClientName'], pattern: /^federation-(.+)$/ },
];

function valueAt(spec: unknown, path: readonly string[]): unknown {
  let at: unknown = spec;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The names in a spec that another tenant's defaults derive, with that tenant's id. */
function namesOfOtherTenants(
  spec: unknown,
  tenantId: string,
): { path: string[]; value: string; owner: string }[] {
  const found: { path: string[]; value: string; owner: string }[] = [];
  for (const { path, pattern } of DERIVED_NAMES) {
    const value = valueAt(spec, path);
    if (typeof value !== 'string') continue;
    const owner = pattern.exec(value)?.[1];
    // Only what could be a tenant id is another tenant's name (`Cognito My App (OIDC)` is nobody's).
    if (owner !== undefined && owner !== tenantId && TENANT_ID.test(owner)) {
      found.push({ path: [...path], value, owner });
    }
  }
  return found;
}

/** The application slug derived for a tenant when the spec names none. */
export function derivedApplicationSlug(tenantId: string): string {
  return `cognito-${tenantId}`;
}

/** The provider name derived for a tenant when the spec names none. */
export function derivedProviderName(tenantId: string): string {
  return `Cognito ${tenantId} (OIDC)`;
}

/**
 * `authentik-<tenantId>` when it fits Cognito's 32 characters; otherwise `ak-`, the first 20
 * characters and a hash of the whole id, so two long ids sharing a prefix still get distinct names.
 */
export function defaultIdentityProviderName(tenant: string): string {
  const plain = `authentik-${tenant}`;
  if (plain.length <= 32) return plain;
  const hash = createHash('sha256').update(tenant).digest('hex').slice(0, 8);
  return `ak-${tenant.slice(0, 20).replace(/-+$/, '')}-${hash}`;
}

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
