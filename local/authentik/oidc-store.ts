// One in-memory store for the OIDC state of every application's provider instance (codes, tokens,
// grants, interactions, sessions). Shared, because Authentik's token and userinfo endpoints are
// global: the router looks a code's interaction or an access token up here to learn which
// application it belongs to. Entries expire as oidc-provider asks; nothing survives a restart,
// as nothing does in the emulator.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | null;
}

const SWEEP_EVERY_WRITES = 500;

export class OidcStore {
  readonly #entries = new Map<string, Entry>();
  readonly #byGrant = new Map<string, Set<string>>();
  readonly #sessionByUid = new Map<string, string>();
  #writes = 0;

  /** A stored payload, e.g. get('AccessToken', token) or get('Interaction', uid). */
  get(model: string, id: string): AdapterPayload | undefined {
    const key = `${model}:${id}`;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  clear(): void {
    this.#entries.clear();
    this.#byGrant.clear();
    this.#sessionByUid.clear();
  }

  /** oidc-provider's adapter for one model (its `adapter` option is a factory of these). */
  adapterFor(model: string): Adapter {
    const store = this;
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        store.#set(keyOf(id), payload, expiresIn);
        if (model === 'Session' && typeof payload.uid === 'string') store.#sessionByUid.set(payload.uid, id);
      },
      async find(id) {
        const payload = store.get(model, id);
        return payload ? { ...payload } : undefined;
      },
      async findByUid(uid) {
        const id = store.#sessionByUid.get(uid);
        return id === undefined ? undefined : this.find(id);
      },
      async findByUserCode() {
        return undefined; // the device flow is not offered
      },
      async consume(id) {
        const payload = store.get(model, id);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.#entries.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of store.#byGrant.get(grantId) ?? []) store.#entries.delete(key);
        store.#byGrant.delete(grantId);
      },
    };
  }

  #set(key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null;
    this.#entries.set(key, { payload: { ...payload }, expiresAt });
    if (typeof payload.grantId === 'string') {
      const members = this.#byGrant.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.#byGrant.set(payload.grantId, members);
    }
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY_WRITES === 0) this.#sweep();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.#entries.delete(key);
    }
    for (const [grantId, members] of this.#byGrant) {
      for (const key of members) if (!this.#entries.has(key)) members.delete(key);
      if (members.size === 0) this.#byGrant.delete(grantId);
    }
  }
}
