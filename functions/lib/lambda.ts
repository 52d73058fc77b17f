// One way to wire a Lambda: `lambdaClients` validates the function's environment against the schema
// functions/catalog.ts gives it and builds exactly the clients its catalog entry says it uses
// (wiring/kinds.ts), once per cold start. Every handler.ts builds its clients with it; a step's
// handler hands them to the shared step wrapper (workflow-step.ts `stepLambda`). The local world
// gives each function the same set out of its own clients (`pickClients`), so both run the same code.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { catalogEntry, type FunctionEnv, type FunctionName } from '../catalog.ts';
import type { AuthentikClient } from './authentik/client.ts';
import type { StepClients } from './clients.ts';
import { deploymentFromEnv, loadEnv } from './env.ts';
import { lambdaMetrics, throttleMetric } from './metrics.ts';
import type { SecretsForTenant } from './tenant-secrets.ts';
import type { TenantSpec } from './tenant-spec.ts';
import type { ClientsConfig } from './wiring/config.ts';
import {
  type AllClients,
  type Builder,
  type BuildersOf,
  CLIENT_FIELDS,
  type ClientKind,
  type FunctionClients,
  type KindsOf,
  kindsOf,
} from './wiring/kinds.ts';

export type { BuildersOf, FunctionClients } from './wiring/kinds.ts';

/** Function N's environment, validated against its catalog schema; the error names each bad variable. */
export function functionEnv<N extends FunctionName>(
  name: N,
  source: Record<string, string | undefined> = process.env,
): FunctionEnv<N> {
  // The entry's schema, typed by N: loadEnv's output is that schema's, which is FunctionEnv<N>.
  return loadEnv(catalogEntry(name).env, source) as FunctionEnv<N>;
}

// The variables of every schema, each possibly absent: a function's schema validated some of them.
type AnyEnv = Partial<FunctionEnv<'verify-tenant'> & FunctionEnv<'api'>>;

/**
 * Function N's clients, from its environment: one builder per kind it uses (BuildersOf names them,
 * and the compiler holds the handler to exactly those), the deployment's SSRF boundary when its
 * environment has one. Each function validates only the variables it needs; the rest stay unset.
 */
export function lambdaClients<N extends FunctionName>(
  name: N,
  builders: BuildersOf<N>,
  env: FunctionEnv<N> = functionEnv(name),
): FunctionClients<N> {
  const vars = env as AnyEnv;
  const config: ClientsConfig = {
    functionName: name,
    cognitoEndpoint: vars.COGNITO_ENDPOINT,
    secretsManagerEndpoint: vars.SECRETS_MANAGER_ENDPOINT,
    stsEndpoint: vars.STS_ENDPOINT,
    dynamodbEndpoint: vars.DYNAMODB_ENDPOINT,
    stepFunctionsEndpoint: vars.STEP_FUNCTIONS_ENDPOINT,
    secretPrefix: vars.SECRET_PREFIX,
    secretsKmsKeyId: vars.SECRETS_KMS_KEY_ID,
    // Each tenant's secrets through a session of the tenant-secrets role tagged with it.
    tenantSecretsRoleArn: vars.TENANT_SECRETS_ROLE_ARN,
    registryTableName: vars.REGISTRY_TABLE_NAME,
    rotation:
      vars.ROTATION_AFTER_DAYS === undefined
        ? undefined
        : { functionArn: vars.ROTATION_FUNCTION_ARN, afterDays: vars.ROTATION_AFTER_DAYS },
    // Every throttled attempt of the function's clients, as the Throttles metric.
    onThrottle: throttleMetric(lambdaMetrics()),
  };
  const kinds = kindsOf(catalogEntry(name));
  const clients: Partial<AllClients> = {};
  if (kinds.includes('deployment')) {
    config.deployment = deploymentFromEnv({
      ALLOWED_AUTHENTIK_HOSTS: vars.ALLOWED_AUTHENTIK_HOSTS ?? [],
      ALLOW_LOOPBACK_HTTP: vars.ALLOW_LOOPBACK_HTTP ?? false,
    });
    clients.deployment = config.deployment;
  }
  // The builders by kind, as the loop reads them (BuildersOf<N> is the same object, typed by N).
  const byKind: Partial<Record<ClientKind, Builder<ClientKind>>> = builders;
  for (const kind of kinds) {
    if (kind === 'deployment') continue;
    const build = byKind[kind];
    if (!build) {
      throw new Error(`the ${name} Lambda builds no ${kind} client, which functions/catalog.ts says it uses`);
    }
    Object.assign(clients, build(config));
  }
  return clients as FunctionClients<N>;
}

/** The world's clients of the kinds function N uses and no other: what its Lambda would build. */
export function pickClients<N extends Exclude<FunctionName, WithKind<'events' | 'executions'>>>(
  name: N,
  all: StepClients,
): FunctionClients<N> {
  const source: Partial<AllClients> = all;
  const picked: Partial<Record<keyof AllClients, unknown>> = {};
  for (const kind of kindsOf(catalogEntry(name))) {
    for (const field of CLIENT_FIELDS[kind]) picked[field] = source[field];
  }
  return picked as FunctionClients<N>;
}

/** The functions that hold a client of kind K. */
type WithKind<K extends ClientKind> = {
  [N in FunctionName]: K & KindsOf<N> extends never ? never : N;
}[FunctionName];

/**
 * What a core receives for one tenant: `secrets` scoped to the spec's tenant (a session of the
 * tenant-secrets role tagged with it, see tenant-secrets.ts), so a core can reach no other tenant's
 * secrets even by mistake, and the Authentik client already made for the tenant. A function that
 * does not use Authentik has no `authentik` at all.
 */
export type TenantClients<C> = Omit<C, 'secretsFor' | 'authentik'> &
  (C extends { secretsFor: SecretsForTenant } ? { secrets: SecretsManagerClient } : unknown) &
  (C extends { authentik(spec: TenantSpec): Promise<AuthentikClient> }
    ? { authentik: AuthentikClient }
    : unknown);

/** What function N's core receives for one tenant. */
export type CoreClients<N extends FunctionName> = TenantClients<FunctionClients<N>>;

/** One tenant's clients out of a function's (see TenantClients). */
export function tenantClients<C extends object>(clients: C): (spec: TenantSpec) => Promise<TenantClients<C>> {
  const { secretsFor, authentik, ...rest }: Partial<Pick<AllClients, 'secretsFor' | 'authentik'>> = clients;
  return async (spec) =>
    ({
      ...rest,
      ...(secretsFor ? { secrets: secretsFor(spec.tenantId) } : {}),
      ...(authentik ? { authentik: await authentik(spec) } : {}),
    }) as TenantClients<C>;
}

/**
 * Every client of the world resolved for one tenant, for code that runs every step's core with one
 * set (tests, the local world's fast provisioning): `secrets` scoped to the tenant, and the Authentik
 * client when asked for.
 */
export type ResolvedClients = Omit<StepClients, 'authentik'> & { authentik: AuthentikClient };

export function resolveClients(
  clients: StepClients,
  usesAuthentik: true,
): (spec: TenantSpec) => Promise<ResolvedClients>;
export function resolveClients(
  clients: StepClients,
  usesAuthentik: false,
): (spec: TenantSpec) => Promise<Omit<ResolvedClients, 'authentik'>>;
export function resolveClients(clients: StepClients, usesAuthentik: boolean) {
  const { authentik, ...rest } = clients;
  return async (spec: TenantSpec) => {
    const scoped = { ...rest, secrets: clients.secretsFor(spec.tenantId) };
    return usesAuthentik ? { ...scoped, authentik: await authentik(spec) } : scoped;
  };
}

/**
 * A Lambda entry whose task is built on its first invocation, so that importing the module (as the
 * local world and the tests do, for the task alone) reads no environment.
 */
export function lambdaEntry<E, R>(build: () => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let task: ((event: E) => Promise<R>) | undefined;
  return (event) => {
    task ??= build();
    return task(event);
  };
}
