import { type CognitoQuotaCategory, perUserPoolCategories, quotaCategoryOf } from './operations.ts';

/** Cognito's request-rate quotas, as the layer enforces them. */
export interface CognitoQuotas {
  /** Requests per window for the whole account, by category. */
  perAccount: Record<CognitoQuotaCategory, number>;
  /** Requests per window for one user pool and one operation, in the footnoted categories. */
  perUserPoolPerOperation: number;
  /** The window the counts apply to; Cognito's quotas are per second. */
  windowMs: number;
}

/** Overrides for some quotas; `perAccount` may name only the categories it changes. */
export type CognitoQuotaSettings = Partial<Omit<CognitoQuotas, 'perAccount'>> & {
  perAccount?: Partial<Record<CognitoQuotaCategory, number>>;
};

/** The documented defaults (requests per second), which a new account gets and cannot raise. */
export const cognitoDefaultQuotas: CognitoQuotas = {
  perAccount: {
    UserPoolRead: 15,
    UserPoolUpdate: 15,
    UserPoolResourceRead: 20,
    UserPoolResourceUpdate: 15,
    UserPoolClientRead: 15,
    UserPoolClientUpdate: 15,
  },
  perUserPoolPerOperation: 5,
  windowMs: 1_000,
};

export function resolveQuotas(settings: CognitoQuotaSettings = {}): CognitoQuotas {
  return {
    perAccount: { ...cognitoDefaultQuotas.perAccount, ...settings.perAccount },
    perUserPoolPerOperation: settings.perUserPoolPerOperation ?? cognitoDefaultQuotas.perUserPoolPerOperation,
    windowMs: settings.windowMs ?? cognitoDefaultQuotas.windowMs,
  };
}

export type Admission = { admitted: true } | { admitted: false; quota: string };

/**
 * A sliding-window log per quota: a request is admitted when fewer than `limit` requests were
 * admitted in the last `windowMs`. Exact, so a test can rely on "the 6th call within a second
 * on one pool is throttled". Refused requests do not count, as they did no work.
 */
export class RequestRateLimiter {
  private readonly admitted = new Map<string, number[]>();
  private readonly quotas: CognitoQuotas;
  private readonly now: () => number;

  constructor(quotas: CognitoQuotas, now: () => number = () => performance.now()) {
    this.quotas = quotas;
    this.now = now;
  }

  admit(operation: string, userPoolId: string | undefined): Admission {
    const category = quotaCategoryOf(operation);
    if (!category) return { admitted: true };
    const checks: { key: string; limit: number; quota: string }[] = [
      { key: category, limit: this.quotas.perAccount[category], quota: `${category} per account` },
    ];
    if (userPoolId && perUserPoolCategories.has(category)) {
      checks.push({
        key: `${category}\0${operation}\0${userPoolId}`,
        limit: this.quotas.perUserPoolPerOperation,
        quota: `${operation} per user pool`,
      });
    }
    const now = this.now();
    const since = now - this.quotas.windowMs;
    for (const check of checks) {
      if (this.recent(check.key, since).length >= check.limit) return { admitted: false, quota: check.quota };
    }
    for (const check of checks) this.recent(check.key, since).push(now);
    return { admitted: true };
  }

  private recent(key: string, since: number): number[] {
    let times = this.admitted.get(key);
    if (!times) {
      times = [];
      this.admitted.set(key, times);
    }
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) <= since) expired++;
    if (expired > 0) times.splice(0, expired);
    return times;
  }
}
