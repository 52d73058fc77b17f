// Authentik's redirect URI check (providers/oauth2/views/authorize.py, check_redirect_uri): a
// `strict` rule compares whole strings, a `regex` rule must match the whole URI (Python's
// fullmatch; an invalid pattern is compared as a string), and script-like schemes never pass.
import type { RedirectUriRule } from './backend.ts';

const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'vbscript']);

function fullMatch(pattern: string, uri: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(uri);
  } catch {
    return pattern === uri;
  }
}

/** Whether one rule admits the URI, before the scheme check. */
export function ruleMatches(rule: RedirectUriRule, uri: string): boolean {
  return rule.matching_mode === 'regex' ? fullMatch(rule.url, uri) : rule.url === uri;
}

/** Whether the URI's scheme is one Authentik never redirects to. */
export function forbiddenScheme(uri: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  return scheme !== undefined && FORBIDDEN_SCHEMES.has(scheme);
}

export function redirectUriAllowed(rules: readonly RedirectUriRule[], uri: string | undefined): boolean {
  if (uri === undefined || uri === '' || forbiddenScheme(uri)) return false;
  return rules.some((rule) => ruleMatches(rule, uri));
}
