// The Authentik client a verification works with: the step checks and the end-to-end checks read
// the same provider, user and application; each GET is sent once per verification. The lookups of
// what every tenant shares (flows, signing keys, scope mappings: the same objects for each tenant of
// an Authentik) are kept a minute across verifications, so a run over hundreds of tenants does not
// ask for them hundreds of times.
import type { AuthentikClient } from '#lib/authentik/client.ts';

/** The Authentik objects that tenants share, and that provisioning only ever reads. */
const SHARED_LOOKUPS: ReadonlySet<string> = new Set([
  '/flows/instances/',
  '/crypto/certificatekeypairs/',
  '/propertymappings/provider/scope/',
]);
const SHARED_TTL_MS = 60_000;
const shared = new Map<string, { until: number; answer: Promise<unknown> }>();
/**
 * Read once per client, not per verification: the version (version.ts reads it once per client, but
 * this wrapper is a new object each verification, so its cache never held; a warm Lambda keeps a
 * tenant's client for the token's lifetime, and asked Authentik its version on every verification).
 */
const PER_CLIENT: ReadonlySet<string> = new Set(['/admin/version/']);
const perClient = new WeakMap<AuthentikClient, Map<string, Promise<unknown>>>();

type Get = AuthentikClient['api']['GET'];

/** Wraps `client` for one verification: identical GETs share one request and its answer. */
export function authentikReadsOnce(client: AuthentikClient): AuthentikClient {
  const answers = new Map<string, Promise<unknown>>();
  const get = ((path: string, init?: { params?: unknown }) => {
    const key = `${path} ${JSON.stringify(init?.params ?? {})}`;
    const send = () => (client.api.GET as (path: string, init?: unknown) => Promise<unknown>)(path, init);
    if (PER_CLIENT.has(path)) {
      const kept = perClient.get(client) ?? new Map<string, Promise<unknown>>();
      perClient.set(client, kept);
      const known = kept.get(key);
      if (known) return known;
      const answer = send();
      kept.set(key, answer);
      // A failed read is not kept: the next verification asks again.
      answer.catch(() => {
        if (kept.get(key) === answer) kept.delete(key);
      });
      return answer;
    }
    if (SHARED_LOOKUPS.has(path)) {
      const sharedKey = `${client.origin} ${key}`;
      const kept = shared.get(sharedKey);
      if (kept && kept.until > Date.now()) return kept.answer;
      const answer = send();
      shared.set(sharedKey, { until: Date.now() + SHARED_TTL_MS, answer });
      // A failed lookup is not kept: the next verification asks again.
      answer.catch(() => shared.delete(sharedKey));
      return answer;
    }
    let answer = answers.get(key);
    if (!answer) {
      answer = send();
      answers.set(key, answer);
    }
    return answer;
  }) as Get;
  const api = new Proxy(client.api, {
    get: (target, property, receiver) => (property === 'GET' ? get : Reflect.get(target, property, receiver)),
  });
  return { api, origin: client.origin };
}
