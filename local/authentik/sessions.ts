// Authentik's sessions, keyed by the `authentik_session` cookie. A session holds the logged-in user
// and the plan of the flow it is in (Authentik keeps the flow plan in the session), which both the
// flow executor (flows.ts) and the OIDC authorize endpoint (oidc.ts) read and write.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OidcUser } from './backend.ts';

export const SESSION_COOKIE = 'authentik_session';
/** CSRF_COOKIE_NAME, echoed in CSRF_HEADER_NAME X-authentik-CSRF (authentik/root/settings.py). */
export const CSRF_COOKIE = 'authentik_csrf';
export const CSRF_HEADER = 'x-authentik-csrf';
const MAX_SESSIONS = 10_000;

export type StageKind =
  | 'identification'
  | 'password'
  | 'user_login'
  | 'user_logout'
  | 'consent'
  | 'fulfillment';

/** The user a flow is about; `user` is null when the identifier matched nobody (Authentik pretends it exists). */
export interface PendingUser {
  identifier: string;
  user: OidcUser | null;
}

export interface ConsentRequest {
  headerText: string;
  permissions: { id: string; name: string }[];
  /** `expiring` records the consent and skips the stage while it stands (consents.ts). */
  mode: 'always_require' | 'expiring';
  /** Whose consent for which application; without them nothing can be recorded. */
  userPk?: number;
  applicationSlug?: string;
}

/** What is left of one flow execution. */
export interface FlowPlan {
  flowSlug: string;
  stages: StageKind[];
  applicationName?: string;
  pendingUser?: PendingUser;
  consent?: ConsentRequest;
  consentToken?: string;
  /** Set by whoever planned the flow on behalf of a provider: resolves the URL the flow ends at. */
  fulfil?: () => Promise<string>;
}

export interface AuthentikSession {
  readonly id: string;
  userPk: number | null;
  /** Epoch seconds of the login, for auth_time. */
  authTime: number | null;
  plan: FlowPlan | null;
  /** The query string the current flow was started with (holds `next`). */
  flowQuery: URLSearchParams;
  invalidPasswordTries: number;
}

/** Reads one cookie from a request without any signing layer. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...list, cookie]);
}

/** Authentik sessions, keyed by the `authentik_session` cookie. */
export class AuthentikSessions {
  readonly #byId = new Map<string, AuthentikSession>();

  find(req: IncomingMessage): AuthentikSession | undefined {
    const id = readCookie(req, SESSION_COOKIE);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** The request's session, or a new one whose cookie is set on the response. */
  ensure(req: IncomingMessage, res: ServerResponse): AuthentikSession {
    const found = this.find(req);
    if (found) return found;
    const session: AuthentikSession = {
      id: randomBytes(24).toString('base64url'),
      userPk: null,
      authTime: null,
      plan: null,
      flowQuery: new URLSearchParams(),
      invalidPasswordTries: 0,
    };
    if (this.#byId.size >= MAX_SESSIONS) {
      const oldest = this.#byId.keys().next().value;
      if (oldest !== undefined) this.#byId.delete(oldest);
    }
    this.#byId.set(session.id, session);
    appendSetCookie(res, `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax`);
    return session;
  }

  clear(): void {
    this.#byId.clear();
  }
}
