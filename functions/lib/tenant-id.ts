// The rule for a tenant id, once: lowercase letters, digits and inner dashes, 3 to 32 characters. The
// id is part of every name the steps derive (Authentik slugs, pool and client names, secret paths,
// session tags), so the spec, the API's paths and cursors, and the markers that name a tenant all
// check it against this one rule. openapi.yaml states the same pattern for the API's readers.

/** The rule without anchors, for patterns that hold a tenant id (an Authentik client id marker). */
export const TENANT_ID_PATTERN = '[a-z0-9][a-z0-9-]{1,30}[a-z0-9]';

/** A whole tenant id. No flags: `test` keeps no state, so the one instance is shared. */
export const TENANT_ID = new RegExp(`^${TENANT_ID_PATTERN}$`);

/** What the rule says, as a field message. */
export const TENANT_ID_RULE =
  'must be 3-32 characters of a-z, 0-9 and -, starting and ending with a letter or digit';
