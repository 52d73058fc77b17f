// Every provisioning step's own `check()`, as checks of the verification: each compares what its
// step set with what is there now, field by field. They answer "is the configuration still what
// provisioning made?", which the end-to-end checks cannot tell apart (a login fails the same way
// whether the policy or the user changed). Their drift never holds a secret value (the steps'
// contract), so it goes into the report as it is.

import { AuthentikAuthError, PreconditionError, TransientError } from '#lib/errors.ts';
import type { CheckResult, Drift } from '#lib/step.ts';
import { PROVISIONING_STEPS, type ProvisioningStepName } from '../../catalog.ts';
import { type StepCoreClients, stepCoreChecks } from '../../step-cores.ts';
import type { CheckAnswer, CheckContext, FederationCheck, ReasonCode } from './types.ts';

/** How a step's check reads in the report. */
interface StepReading {
  /** The reason code a machine acts on, from the step's outcome and drift. */
  reason(result: CheckResult, context: CheckContext): ReasonCode;
  /** What the step makes, for the sentence: "the OIDC provider differs from …". */
  what: string;
}

const has = (drift: readonly Drift[], field: string | RegExp) =>
  drift.some((d) => (typeof field === 'string' ? d.field === field : field.test(d.field)));

const readings: { readonly [N in ProvisioningStepName]: StepReading } = {
  'ensure-group': {
    what: "the Authentik group (the guide's cognito-users)",
    reason: ({ outcome }) => (outcome === 'missing' ? 'GROUP_MISSING' : 'GROUP_CHANGED'),
  },
  'ensure-test-user': {
    what: 'the test user',
    reason: ({ outcome, drift }) =>
      outcome === 'missing'
        ? 'TEST_USER_MISSING'
        : has(drift, 'is_active')
          ? 'USER_DISABLED'
          : 'TEST_USER_CHANGED',
  },
  'ensure-user-pool': {
    what: 'the user pool, its domain and app client',
    reason: ({ outcome, drift }) =>
      outcome === 'missing'
        ? has(drift, 'userPoolId')
          ? 'USER_POOL_MISSING'
          : 'APP_CLIENT_MISSING'
        : has(drift, 'userPoolDomain')
          ? 'DOMAIN_CHANGED'
          : 'APP_CLIENT_CHANGED',
  },
  'ensure-oidc-provider': {
    what: "Authentik's OAuth2/OIDC provider and its stored client",
    reason: ({ outcome, drift }, context) => {
      if (outcome === 'missing') return 'PROVIDER_MISSING';
      const redirect = drift.find((d) => d.field === 'redirect_uris');
      const listed = (redirect?.actual as { url?: string }[] | undefined) ?? [];
      if (redirect && !listed.some((uri) => uri.url === context.target.redirectUri)) {
        return 'REDIRECT_URI_MISSING';
      }
      if (has(drift, /^(client_id|client_secret|oidc-client secret)$/)) return 'SECRET_MISMATCH';
      return redirect ? 'REDIRECT_URI_CHANGED' : 'PROVIDER_CHANGED';
    },
  },
  'ensure-application': {
    what: 'the Authentik application',
    reason: ({ outcome, drift }) =>
      outcome === 'missing'
        ? 'APPLICATION_MISSING'
        : has(drift, 'issuer')
          ? 'ISSUER_MISMATCH'
          : 'APPLICATION_CHANGED',
  },
  'ensure-access-policy': {
    what: "the application's access policy and its binding",
    reason: ({ outcome }) => (outcome === 'missing' ? 'POLICY_MISSING' : 'POLICY_CHANGED'),
  },
  'ensure-identity-provider': {
    what: "Cognito's OIDC identity provider",
    reason: ({ outcome, drift }) => {
      if (outcome === 'missing') return 'IDENTITY_PROVIDER_MISSING';
      if (has(drift, 'oidc_issuer')) return 'ISSUER_MISMATCH';
      if (has(drift, /^client_(id|secret)$/)) return 'SECRET_MISMATCH';
      if (has(drift, /^AttributeMapping\./)) return 'ATTRIBUTE_MAPPING_CHANGED';
      return 'IDENTITY_PROVIDER_CHANGED';
    },
  },
  'enable-identity-provider': {
    what: "the app client's identity providers",
    reason: ({ outcome, drift }) => {
      if (outcome === 'missing') return 'APP_CLIENT_MISSING';
      const onlyCognito = drift.every((d) => d.expected === 'includes COGNITO');
      return onlyCognito ? 'COGNITO_NOT_ENABLED' : 'IDP_NOT_ENABLED';
    },
  },
};

function answerFor(reading: StepReading, result: CheckResult, context: CheckContext): CheckAnswer {
  if (result.outcome === 'in-sync') {
    return { status: 'pass', message: `no drift in ${reading.what} since provisioning` };
  }
  const fields = [...new Set(result.drift.map((d) => d.field))].join(', ');
  return {
    status: 'fail',
    reason: reading.reason(result, context),
    message:
      result.outcome === 'missing'
        ? `${reading.what}: missing (${fields}); run provisioning again to recreate it`
        : `${reading.what}: changed since provisioning (${fields}); run provisioning again to converge it`,
    expected: Object.fromEntries(result.drift.map((d) => [d.field, d.expected])),
    actual: Object.fromEntries(result.drift.map((d) => [d.field, d.actual])),
  };
}

function asCheck(step: ProvisioningStepName): FederationCheck {
  const reading = readings[step];
  return {
    id: step,
    async run(context) {
      // What the steps' cores take; the Cognito client is the verification's read-once client.
      const clients: StepCoreClients = {
        cognito: context.clients.cognito,
        secrets: context.clients.secrets,
        authentik: context.clients.authentik,
        secretPrefix: context.clients.secretPrefix ?? '',
      };
      try {
        return answerFor(
          reading,
          await stepCoreChecks[step](context.spec, context.resources, clients),
          context,
        );
      } catch (error) {
        // Transient failures and a rejected token end the verification (the state machine retries
        // or reports it); anything else is this check's answer. Our errors carry no secret values.
        if (error instanceof TransientError || error instanceof AuthentikAuthError) throw error;
        if (error instanceof PreconditionError) {
          return { status: 'fail', reason: 'PRECONDITION_FAILED', message: error.message };
        }
        const err = error instanceof Error ? error : new Error(String(error));
        return { status: 'fail', reason: 'CHECK_FAILED', message: `${err.name}: ${err.message}` };
      }
    },
  };
}

/** One check per provisioning step, in the provision machine's order (the catalog's). */
export const stepChecks: readonly FederationCheck[] = PROVISIONING_STEPS.map(asCheck);
