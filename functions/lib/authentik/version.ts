// The oldest Authentik this product can drive is 2024.10: redirect URIs as a list, the invalidation
// flow required on providers, and scope mappings under /propertymappings/provider/scope/. Older
// versions would accept some calls and misread others, so they are refused before any write.
import { PreconditionError } from '#lib/errors.ts';
import { type AuthentikClient, dataOf } from './client.ts';

export const MINIMUM_VERSION = '2024.10';

export interface AuthentikVersion {
  year: number;
  month: number;
  patch: number;
  /** As Authentik reported it, e.g. `2025.12.0-rc1`. */
  text: string;
}

/** Reads `2024.10`, `2024.10.5`, `2025.12.0-rc1`; undefined for anything else. */
export function parseAuthentikVersion(text: string): AuthentikVersion | undefined {
  const match = /^v?(\d{4})\.(\d{1,2})(?:\.(\d+))?(?:[-+.][0-9A-Za-z.-]*)?$/.exec(text.trim());
  if (!match) return undefined;
  return { year: Number(match[1]), month: Number(match[2]), patch: Number(match[3] ?? 0), text };
}

/** True when `version` is at least `minimum` (year and month; patch levels never remove an API). */
export function isAtLeast(version: AuthentikVersion, minimum: AuthentikVersion): boolean {
  return version.year !== minimum.year ? version.year > minimum.year : version.month >= minimum.month;
}

const versions = new WeakMap<AuthentikClient, Promise<string>>();

/** `version_current` from `GET /admin/version/`, read once per client. */
export function readVersion(client: AuthentikClient): Promise<string> {
  let version = versions.get(client);
  if (!version) {
    const reading = client.api.GET('/admin/version/').then((result) => dataOf(result).version_current);
    // A failed read (a timeout, say) must not stick: the next call asks again.
    reading.catch(() => {
      if (versions.get(client) === reading) versions.delete(client);
    });
    versions.set(client, reading);
    version = reading;
  }
  return version;
}

/** The Authentik version, or a PreconditionError when it is older than 2024.10 or unreadable. */
export async function requireSupportedVersion(client: AuthentikClient): Promise<AuthentikVersion> {
  const text = await readVersion(client);
  const found = parseAuthentikVersion(text);
  const minimum = parseAuthentikVersion(MINIMUM_VERSION) as AuthentikVersion;
  if (!found) {
    throw new PreconditionError(
      `Authentik reports version "${text}", which is not a version this product can read; it needs ${MINIMUM_VERSION} or later`,
    );
  }
  if (!isAtLeast(found, minimum)) {
    throw new PreconditionError(
      `Authentik ${found.text} is too old: this product needs ${MINIMUM_VERSION} or later (redirect URI lists, invalidation flows, provider scope mappings)`,
    );
  }
  return found;
}
