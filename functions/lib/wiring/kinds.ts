// The kinds of client a function may hold, and which ones each function holds: read from its entry in
// functions/catalog.ts, by type and at run time alike. A function gets exactly the kinds its access
// says it uses: Cognito when it has Cognito actions, the per-tenant Secrets Manager clients when it
// reads or writes secrets of its own, the registry when it may touch the table, an Authentik client
// when it uses Authentik, EventBridge and Step Functions when it puts events or starts executions,
// and the deployment's SSRF boundary when its environment has one (it parses specs).
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { CatalogEntry, EntryOf, FunctionEnv, FunctionName } from '../../catalog.ts';
import type { AuthentikClient } from '../authentik/client.ts';
import type { Deployment } from '../authentik-address.ts';
import type { TenantRegistry } from '../registry.ts';
import type { RotationSchedule } from '../rotation-schedule.ts';
import type { SecretsForTenant } from '../tenant-secrets.ts';
import type { TenantSpec } from '../tenant-spec.ts';
import type { ClientsConfig } from './config.ts';

/** Every client a function may hold, before one tenant's are picked out (lambda.ts `forTenant`). */
export interface AllClients {
  cognito: CognitoIdentityProviderClient;
  /** Secrets Manager for one tenant: a session of the tenant-secrets role tagged with the tenant. */
  secretsFor: SecretsForTenant;
  /** Secrets are named `<secretPrefix>/<tenantId>/<kind>`. */
  secretPrefix: string;
  /** The KMS key new secrets are encrypted with; the account's default key when unset. */
  secretsKmsKeyId?: string | undefined;
  /** The rotation provisioning turns on for the secrets it stores; unset: none. */
  rotation?: RotationSchedule | undefined;
  registry: TenantRegistry;
  /** An Authentik client for the tenant, its token read from Secrets Manager inside this Lambda. */
  authentik(spec: TenantSpec): Promise<AuthentikClient>;
  events: EventBridgeClient;
  /** Starts and reads the state machines' executions. */
  executions: SFNClient;
  deployment: Deployment;
}

/** The fields each kind of client brings. */
export const CLIENT_FIELDS = {
  cognito: ['cognito'],
  secrets: ['secretsFor', 'secretPrefix', 'secretsKmsKeyId', 'rotation'],
  registry: ['registry'],
  authentik: ['authentik'],
  events: ['events'],
  executions: ['executions'],
  deployment: ['deployment'],
} as const satisfies Record<string, readonly (keyof AllClients)[]>;

export type ClientKind = keyof typeof CLIENT_FIELDS;
export type ClientsOfKind<K extends ClientKind> = Pick<AllClients, (typeof CLIENT_FIELDS)[K][number]>;

type KindsOfEntry<E extends CatalogEntry> =
  | (E['access']['cognito'] extends readonly [] ? never : 'cognito')
  | (keyof E['access']['secrets'] extends never ? never : 'secrets')
  | (E['access']['registry'] extends 'none' ? never : 'registry')
  | (E['usesAuthentik'] extends true ? 'authentik' : never)
  | (E['access'] extends { defaultBusEvents: true } ? 'events' : never)
  | (E['access'] extends { startsExecutions: true } ? 'executions' : never);

/** The kinds of client function N holds (kindsOf at run time). */
export type KindsOf<N extends FunctionName> =
  | KindsOfEntry<EntryOf<N>>
  | ('ALLOWED_AUTHENTIK_HOSTS' extends keyof FunctionEnv<N> ? 'deployment' : never);

/** Exactly the clients function N holds. */
export type FunctionClients<N extends FunctionName> = Pick<
  AllClients,
  (typeof CLIENT_FIELDS)[KindsOf<N>][number]
>;

/** The kinds of client function `entry` holds (KindsOf by type). */
export function kindsOf(entry: CatalogEntry): ClientKind[] {
  const { access } = entry;
  const kinds: ClientKind[] = [];
  if (access.cognito.length > 0) kinds.push('cognito');
  if (Object.keys(access.secrets).length > 0) kinds.push('secrets');
  if (access.registry !== 'none') kinds.push('registry');
  if (entry.usesAuthentik) kinds.push('authentik');
  if (access.defaultBusEvents) kinds.push('events');
  if (access.startsExecutions) kinds.push('executions');
  if ('ALLOWED_AUTHENTIK_HOSTS' in entry.env.shape) kinds.push('deployment');
  return kinds;
}

/** Makes the clients of one kind from a function's configuration (one module per kind: wiring/). */
export type Builder<K extends ClientKind> = (config: ClientsConfig) => ClientsOfKind<K>;

/**
 * The builders function N's Lambda entry hands over: one per kind it holds, no other. The entry
 * names them (rather than the helper importing every builder) so that a bundle carries only the SDK
 * clients its function uses: esbuild keeps an external package's import even when nothing of it is
 * used. The deployment comes from the environment itself.
 */
export type BuildersOf<N extends FunctionName> = {
  readonly [K in Exclude<KindsOf<N>, 'deployment'>]: Builder<K>;
};
