// A spec is validated as written before the local world touches it, under the rules a deployment
// applies (https, no credentials, no private, loopback, link-local or metadata address, the host
// allow-list), so a spec that passes locally is one a deployment accepts. Only then does local mode
// point it at the world's Authentik emulator. A spec that names a loopback Authentik is a spec for
// the local world and is held to the local world's rules instead.
import { isIP } from 'node:net';
import { classifyHost, unbracket } from '#lib/address-class.ts';
import { deploymentFromEnv } from '#lib/env.ts';
import { type Deployment, localDeployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';

export interface WrittenSpec {
  spec: TenantSpec;
  /** The spec names a loopback Authentik: it was written for the local world. */
  local: boolean;
  /** Where the allow-list came from, for the line local mode prints. */
  allowList: 'environment' | 'the spec host' | 'the local world';
}

function hostOf(input: Record<string, unknown>): string | undefined {
  const baseUrl = (input.authentik as Record<string, unknown> | undefined)?.baseUrl;
  if (typeof baseUrl !== 'string') return undefined;
  try {
    return new URL(baseUrl).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The deployment a spec is checked against locally: ALLOWED_AUTHENTIK_HOSTS as a deployed function
 * reads it (the stack's `allowedAuthentikHosts`). Without an allow-list, the spec's own host stands
 * in for one, as long as it could be an entry (a DNS name, never an address): every other rule
 * still holds.
 */
export function deploymentForLocalCheck(
  host: string | undefined,
  env: NodeJS.ProcessEnv,
): { deployment: Deployment; allowList: WrittenSpec['allowList'] } {
  const listed = (env.ALLOWED_AUTHENTIK_HOSTS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const byName =
    host !== undefined && host !== '' && classifyHost(host) === 'public' && isIP(unbracket(host)) === 0;
  const allowList = listed.length > 0 ? 'environment' : 'the spec host';
  const deployment = deploymentFromEnv({
    ALLOWED_AUTHENTIK_HOSTS: listed.length > 0 ? listed : byName ? [host] : [],
    ALLOW_LOOPBACK_HTTP: false,
  });
  return { deployment, allowList };
}

/** Validates the spec as written; throws ValidationError naming each bad field. */
export function validateAsWritten(input: Record<string, unknown>, env: NodeJS.ProcessEnv): WrittenSpec {
  const host = hostOf(input);
  if (host !== undefined && classifyHost(host) === 'loopback') {
    return { spec: parseTenantSpec(input, localDeployment), local: true, allowList: 'the local world' };
  }
  const { deployment, allowList } = deploymentForLocalCheck(host, env);
  return { spec: parseTenantSpec(input, deployment), local: false, allowList };
}
