// The tenant spec's field rules, each a zod schema with its messages, and the message an unknown key
// gets (a credential or an expression passed inline is named as such). tenant-spec.ts assembles them
// into the spec; nothing else imports them.

import * as z from 'zod/mini';
import { isQuotableGroupName } from './authentik/policy-templates.ts';
import { TENANT_ID, TENANT_ID_RULE } from './tenant-id.ts';
import './zod-messages.ts';

// Messages shared by the schema and the error formatting

const SECRETS_BY_ARN = 'secrets are referenced by ARN, never inline';
const NO_EXPRESSIONS =
  "expressions are not accepted: access is one of the templates 'everyone' or 'group' " +
  '(an expression policy is Python run inside Authentik)';
const ACCESS_TEMPLATES = `must be 'everyone' or 'group'; ${NO_EXPRESSIONS}`;

// A key with one of these words in its name is a credential someone tried to pass inline.
const SECRET_LIKE_KEY = /token|password|passwd|secret|credential|private[-_]?key|api[-_]?key/i;
const EXPRESSION_LIKE_KEY = /expression|python|script|code/i;

export function unknownKeyMessage(key: string): string {
  if (EXPRESSION_LIKE_KEY.test(key)) return NO_EXPRESSIONS;
  if (SECRET_LIKE_KEY.test(key)) return SECRETS_BY_ARN;
  return 'unknown field';
}

// ---------------------------------------------------------------------------------------------
// Field rules

export const noControlChars = (max: number) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    z.regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
  );

export const tenantId = z
  .string()
  .check(
    z.regex(TENANT_ID, TENANT_ID_RULE),
    z.describe('Stable id of the tenant; names and defaults are derived from it.'),
  );

export const slug = z
  .string()
  .check(z.maxLength(50), z.regex(/^[-a-zA-Z0-9_]+$/, 'must be a slug (letters, digits, - and _)'));

export const secretArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
      `must be a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); ${SECRETS_BY_ARN}`,
    ),
  );

// Cognito accepts https, and plain http only for localhost (for testing); never a fragment.
export const callbackUrl = z.string().check(
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
export const identityProviderName = z.string().check(
  z.maxLength(32, 'must be at most 32 characters (Cognito)'),
  z.regex(
    IDENTITY_PROVIDER_NAME,
    'must follow Cognito provider name rules: at least 3 characters, no leading "_", no spaces or "_" after the second character',
  ),
  z.refine((name: string) => name.toUpperCase() !== 'COGNITO', 'COGNITO is the user pool itself'),
);

// Cognito forbids these words in a prefix domain.
export const RESERVED_IN_DOMAIN_PREFIX = /aws|amazon|cognito/;
export const domainPrefix = z.string().check(
  z.regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 characters of a-z, 0-9 and -'),
  z.refine(
    (p: string) => !RESERVED_IN_DOMAIN_PREFIX.test(p),
    'must not contain "aws", "amazon" or "cognito"',
  ),
);

export const customDomain = z
  .string()
  .check(
    z.maxLength(253),
    z.regex(/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case host name'),
  );

export const userPoolAttribute = z
  .string()
  .check(
    z.regex(
      /^(address|birthdate|email|email_verified|family_name|gender|given_name|locale|middle_name|name|nickname|phone_number|phone_number_verified|picture|preferred_username|profile|updated_at|website|zoneinfo|username|custom:[\w-]{1,20})$/,
      'must be a standard user pool attribute or custom:<name>',
    ),
  );
export const claimName = z.string().check(z.regex(/^[\w:.-]{1,128}$/, 'must be a claim name'));

// RFC 6749 scope-token characters.
export const scope = z.string().check(z.regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'must be a scope token'));

// A group name ends up inside the group-membership policy's text; only names that template can quote
// without escaping are accepted, so a bad one fails here and not after half the guide is done.
export const groupName = noControlChars(80).check(
  z.refine(
    isQuotableGroupName,
    'must not contain quotes or backslashes (it is written into the access policy)',
  ),
);

export const testUser = z
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

export const access = z
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

// Secrets Manager's RotationRules.AutomaticallyAfterDays: 1 to 1000 (API Reference, RotationRulesType).
const ROTATION_DAYS_RULE = 'must be a whole number of days from 1 to 1000';

export const rotation = z
  .strictObject({
    automaticallyAfterDays: z.number({ error: ROTATION_DAYS_RULE }).check(
      z.refine((days: number) => Number.isInteger(days), ROTATION_DAYS_RULE),
      z.minimum(1, ROTATION_DAYS_RULE),
      z.maximum(1000, ROTATION_DAYS_RULE),
    ),
  })
  .check(
    z.describe(
      "How often Secrets Manager rotates the tenant's OIDC client secret and test-user password (default: the deployment's, 90 days unless configured).",
    ),
  );
