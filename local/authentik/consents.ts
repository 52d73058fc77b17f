// The consents users have given applications (UserConsent, authentik/stages/consent/models.py), as
// the consent stage keeps them (authentik/stages/consent/stage.py): a stage in mode `expiring`
// (the explicit-consent flow's, blueprints/default/flow-default-provider-authorization-explicit-
// consent.yaml) records the permissions with an expiry (consent_expire_in, default "weeks=4") and
// passes without asking while a consent for the same permissions stands; `always_require` (the
// stage Authentik adds for prompt=consent) never records and always asks.

/** ConsentStage.consent_expire_in's default. */
export const CONSENT_EXPIRE_IN_SECONDS = 4 * 7 * 24 * 3600;

interface Consent {
  permissions: Set<string>;
  expiresAt: number;
}

export class UserConsents {
  readonly #byKey = new Map<string, Consent>();

  #key(userPk: number, applicationSlug: string): string {
    return `${userPk}\u0000${applicationSlug}`;
  }

  /** The permissions of the user's standing consent for the application (none when expired). */
  standing(userPk: number, applicationSlug: string, now = Date.now()): Set<string> | undefined {
    const consent = this.#byKey.get(this.#key(userPk, applicationSlug));
    return consent !== undefined && consent.expiresAt > now ? consent.permissions : undefined;
  }

  grant(userPk: number, applicationSlug: string, permissions: readonly string[], now = Date.now()): void {
    this.#byKey.set(this.#key(userPk, applicationSlug), {
      permissions: new Set(permissions),
      expiresAt: now + CONSENT_EXPIRE_IN_SECONDS * 1000,
    });
  }

  clear(): void {
    this.#byKey.clear();
  }
}
