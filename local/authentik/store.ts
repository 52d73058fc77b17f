// The emulator's state: one map per Authentik model, holding the writable fields in the API's own
// (snake_case) names plus what the server manages (primary keys, timestamps, password hashes).
// The REST API, the OIDC endpoints and the flow executor all read this one store; tests may change
// it directly to stage drift (delete a provider, disable a user).
import { randomUUID } from 'node:crypto';
import type { components } from '#lib/authentik/schema.d.ts';
import type { PasswordHash } from './passwords.ts';

type Schemas = components['schemas'];

export interface GroupRecord {
  pk: string;
  num_pk: number;
  name: string;
  is_superuser: boolean;
  parents: string[];
  attributes: Record<string, unknown>;
  roles: string[];
}

export interface UserRecord {
  pk: number;
  uuid: string;
  username: string;
  name: string;
  is_active: boolean;
  last_login: string | null;
  /** Group uuids: the one place membership is kept (a group's `users` is derived from it). */
  groups: string[];
  roles: string[];
  email: string;
  attributes: Record<string, unknown>;
  path: string;
  type: Schemas['UserTypeEnum'];
  date_joined: string;
  last_updated: string;
  password_change_date: string;
  password: PasswordHash | null;
}

export interface FlowRecord {
  pk: string;
  slug: string;
  name: string;
  title: string;
  designation: Schemas['FlowDesignationEnum'];
  background: string;
  policy_engine_mode: Schemas['PolicyEngineMode'];
  compatibility_mode: boolean;
  layout: Schemas['FlowLayoutEnum'];
  denied_action: Schemas['DeniedActionEnum'];
  authentication: Schemas['AuthenticationEnum'];
  /** Whether a consent stage is bound (explicit), or the flow authorizes without asking. */
  consent: 'explicit' | 'implicit' | 'none';
}

export interface CertificateKeyPairRecord {
  pk: string;
  name: string;
  certificate_data: string;
  /** PEM private key; '' when the pair holds only a certificate. */
  key_data: string;
  managed: string | null;
}

export interface ScopeMappingRecord {
  pk: string;
  managed: string | null;
  name: string;
  expression: string;
  scope_name: string;
  description: string;
}

type Filled<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export type OAuth2ProviderRecord = Filled<
  Omit<Schemas['OAuth2ProviderRequest'], 'redirect_uris' | 'provider_model'>
> & {
  pk: number;
  redirect_uris: {
    matching_mode: Schemas['MatchingModeEnum'];
    url: string;
    redirect_uri_type: Schemas['RedirectURITypeEnum'];
  }[];
};

export type ApplicationRecord = Filled<Schemas['ApplicationRequest']> & { pk: string };

export type ExpressionPolicyRecord = Filled<Schemas['ExpressionPolicyRequest']> & {
  pk: string;
  created: string;
  last_updated: string;
};

export type PolicyBindingRecord = Filled<Schemas['PolicyBindingRequest']> & { pk: string };

export interface TokenRecord {
  pk: string;
  identifier: string;
  /** The secret a client sends as `Authorization: Bearer <key>`. */
  key: string;
  intent: Schemas['IntentEnum'];
  user: number;
  description: string;
  expires: string | null;
  expiring: boolean;
  managed: string | null;
}

export class AuthentikStore {
  readonly groups = new Map<string, GroupRecord>();
  readonly users = new Map<number, UserRecord>();
  readonly flows = new Map<string, FlowRecord>();
  readonly certificateKeyPairs = new Map<string, CertificateKeyPairRecord>();
  readonly scopeMappings = new Map<string, ScopeMappingRecord>();
  readonly providers = new Map<number, OAuth2ProviderRecord>();
  readonly applications = new Map<string, ApplicationRecord>();
  readonly expressionPolicies = new Map<string, ExpressionPolicyRecord>();
  readonly bindings = new Map<string, PolicyBindingRecord>();
  readonly tokens = new Map<string, TokenRecord>();

  private lastUserPk = 0;
  private lastProviderPk = 0;
  private lastGroupNumPk = 1000;

  nextUserPk(): number {
    this.lastUserPk += 1;
    return this.lastUserPk;
  }

  nextProviderPk(): number {
    this.lastProviderPk += 1;
    return this.lastProviderPk;
  }

  nextGroupNumPk(): number {
    this.lastGroupNumPk += 1;
    return this.lastGroupNumPk;
  }

  newUuid(): string {
    return randomUUID();
  }

  findUserByUsername(username: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.username === username) return user;
    return undefined;
  }

  findGroupByName(name: string): GroupRecord | undefined {
    for (const group of this.groups.values()) if (group.name === name) return group;
    return undefined;
  }

  findApplicationBySlug(slug: string): ApplicationRecord | undefined {
    for (const app of this.applications.values()) if (app.slug === slug) return app;
    return undefined;
  }

  findFlowBySlug(slug: string): FlowRecord | undefined {
    for (const flow of this.flows.values()) if (flow.slug === slug) return flow;
    return undefined;
  }

  findProviderByClientId(clientId: string): OAuth2ProviderRecord | undefined {
    for (const provider of this.providers.values()) if (provider.client_id === clientId) return provider;
    return undefined;
  }

  applicationOfProvider(providerPk: number): ApplicationRecord | undefined {
    for (const app of this.applications.values()) if (app.provider === providerPk) return app;
    return undefined;
  }

  findTokenByKey(key: string): TokenRecord | undefined {
    for (const token of this.tokens.values()) if (token.key === key) return token;
    return undefined;
  }

  membersOf(groupPk: string): UserRecord[] {
    return [...this.users.values()].filter((u) => u.groups.includes(groupPk));
  }

  childrenOf(groupPk: string): GroupRecord[] {
    return [...this.groups.values()].filter((g) => g.parents.includes(groupPk));
  }

  /**
   * Every group the user is in, directly or through a child group: in Authentik members of a child
   * group are effective members of its parents (`user.all_groups()`).
   */
  allGroupsOf(user: UserRecord): GroupRecord[] {
    const seen = new Set<string>();
    const queue = [...user.groups];
    while (queue.length > 0) {
      const pk = queue.shift() as string;
      if (seen.has(pk)) continue;
      const group = this.groups.get(pk);
      if (group === undefined) continue;
      seen.add(pk);
      queue.push(...group.parents);
    }
    return [...seen].map((pk) => this.groups.get(pk) as GroupRecord);
  }

  isSuperuser(user: UserRecord): boolean {
    return this.allGroupsOf(user).some((g) => g.is_superuser);
  }

  bindingsOf(targetPk: string): PolicyBindingRecord[] {
    return [...this.bindings.values()].filter((b) => b.target === targetPk).sort((a, b) => a.order - b.order);
  }

  /** Objects a policy binding may target (PolicyBindingModel subclasses the emulator knows). */
  isBindingTarget(pk: string): boolean {
    return this.applications.has(pk) || this.flows.has(pk);
  }
}
