// One registered tenant, verified in depth: its spec and resources read from the registry, the
// report stored back there with the tenant's state, and what changed since the last verification.
// The verification machine calls this for each tenant; the CLI and the API call it for one.
import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthentikAuthError, ConflictError, PreconditionError, TransientError } from '#lib/errors.ts';
import type { TenantRecord, TenantRegistry, VerificationRecord } from '#lib/registry.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { type CognitoReads, cognitoReadsOnce } from './cognito-reads.ts';
import { inDepthChecks, inDepthContext, readCognito, reportFor } from './in-depth.ts';
import { checkOutcome, failures, reportAsDrift } from './report.ts';
import { federationStateOf, isRepairable, isTenantRepairable, stateOfOutcome } from './state.ts';
import type {
  CognitoNames,
  PreviousState,
  StoredVerification,
  TenantVerification,
  TenantVerifyClients,
  VerifyTenantOptions,
} from './types.ts';

function previousOf(recorded: (VerificationRecord & StoredVerification) | undefined): PreviousState {
  if (!recorded) return 'unknown';
  return recorded.state ?? stateOfOutcome(recorded.outcome);
}

/** The verification's three Cognito reads for the names given, through its read-once client. */
function readEarly(cognito: CognitoIdentityProviderClient, where: CognitoNames): Promise<unknown> {
  const { userPoolId, appClientId, identityProviderName } = where;
  if (!userPoolId) return Promise.resolve();
  const quietly = (read: Promise<unknown>) => read.catch(() => undefined);
  return Promise.all([
    quietly(cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))),
    ...(identityProviderName
      ? [
          quietly(
            cognito.send(
              new DescribeIdentityProviderCommand({
                UserPoolId: userPoolId,
                ProviderName: identityProviderName,
              }),
            ),
          ),
        ]
      : []),
    ...(appClientId
      ? [
          quietly(
            cognito.send(
              new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: appClientId }),
            ),
          ),
        ]
      : []),
  ]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stores the verification on the record as it was read (one write, no second read); when another
 * writer got in between, the registry's read-modify-write does it again on the current record.
 */
async function store(registry: TenantRegistry, record: TenantRecord, verification: StoredVerification) {
  const { version, updatedAt: _updatedAt, ...rest } = record;
  try {
    await registry.put(
      { ...rest, lastVerification: { ...verification, at: new Date().toISOString() } },
      version,
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    await registry.recordVerification(record.tenantId, verification);
  }
}

export async function verifyTenant(
  tenantId: string,
  clients: TenantVerifyClients,
  options: VerifyTenantOptions = {},
): Promise<TenantVerification> {
  const reads = cognitoReadsOnce(clients.cognito);
  try {
    return await verifyWith(reads, tenantId, clients, options);
  } finally {
    await paced(reads, options.paceMs ?? 0);
  }
}

/**
 * Waits until `paceMs` after Cognito last answered one of the verification's reads (none sent: no
 * wait). On a failure too: the machine's Retry may send the next reads at once.
 */
async function paced(reads: CognitoReads, paceMs: number): Promise<void> {
  await reads.settled();
  if (reads.lastAnsweredAt === undefined) return;
  const wait = paceMs - (Date.now() - reads.lastAnsweredAt);
  if (wait > 0) await sleep(wait);
}

async function verifyWith(
  reads: CognitoReads,
  tenantId: string,
  clients: TenantVerifyClients,
  options: VerifyTenantOptions,
): Promise<TenantVerification> {
  const started = Date.now();
  const early = options.where ? readEarly(reads.client, options.where) : undefined;
  const record = await clients.registry.get(tenantId);
  if (!record) throw new PreconditionError(`tenant ${tenantId} is not registered`);
  if (record.status === 'deprovisioned') {
    throw new PreconditionError(`tenant ${tenantId} is deprovisioned: there is no federation to verify`);
  }
  const recorded = record.lastVerification as (VerificationRecord & StoredVerification) | undefined;
  const previousState = options.previousState ?? previousOf(recorded);
  const spec = parseTenantSpec(record.spec, clients.deployment);

  let result: TenantVerification;
  try {
    const context = inDepthContext(spec, record.resources, reads, {
      cognito: clients.cognito,
      secrets: clients.secretsFor(spec.tenantId),
      authentik: await clients.authentik(spec),
      secretPrefix: clients.secretPrefix,
      deployment: clients.deployment,
      ...(clients.fetch ? { fetch: clients.fetch } : {}),
      ...(clients.timeoutMs ? { timeoutMs: clients.timeoutMs } : {}),
      ...(clients.hostedUiBaseUrl ? { hostedUiBaseUrl: clients.hostedUiBaseUrl } : {}),
    });
    await early;
    await readCognito(context);
    const report = await reportFor(context, inDepthChecks, options.onCheck);
    const state = federationStateOf(report);
    const failing = failures(report).map((check) => ({
      check: check.id,
      reason: check.reason ?? 'CHECK_FAILED',
      repairable: isRepairable(check, spec),
    }));
    const stored: StoredVerification = {
      outcome: checkOutcome(report),
      drift: reportAsDrift(report),
      state,
      checks: report.checks,
    };
    await store(clients.registry, record, stored);
    result = {
      tenantId,
      state,
      previousState,
      changed: state !== previousState,
      failing,
      repairable: isTenantRepairable(failures(report), spec),
      report,
      spec,
      durationMs: 0,
    };
  } catch (error) {
    // A transient failure is retried by the caller (the state machine's Retry); anything else means
    // this verification cannot run, which is recorded without touching the tenant's state.
    if (error instanceof TransientError) throw error;
    const err = error instanceof Error ? error : new Error(String(error));
    const why = { name: err.name, message: err.message.slice(0, 1000) };
    const stored: StoredVerification = {
      outcome: 'failed',
      error: why,
      ...(recorded?.state ? { state: recorded.state } : {}),
    };
    await store(clients.registry, record, stored);
    if (!(error instanceof AuthentikAuthError || error instanceof PreconditionError)) throw error;
    result = {
      tenantId,
      state: 'error',
      previousState,
      changed: false,
      failing: [],
      repairable: false,
      error: why,
      spec,
      durationMs: 0,
    };
  }
  result.durationMs = Date.now() - started;
  return result;
}
