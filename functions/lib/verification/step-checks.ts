// Every provisioning step's own `check()`, as checks of the verification: each compares what its
// step set with what is there now, field by field. They answer "is the configuration still what
// provisioning made?", which the end-to-end checks cannot tell apart (a login fails the same way
// whether the policy or the user changed). Their drift never holds a secret value (the steps'
// contract), so it goes into the report as it is.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import { AuthentikAuthError, PreconditionError, TransientError } from '#lib/errors.ts';
import type { CheckResult, Drift, Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import * as enableIdentityProvider from '../../enable-identity-provider/core.ts';
import * as ensureAccessPolicy from '../../ensure-access-policy/core.ts';
import * as ensureApplication from '../../ensure-application/core.ts';
import * as ensureGroup from '../../ensure-group/core.ts';
import * as ensureIdentityProvider from '../../ensure-identity-provider/core.ts';
import * as ensureOidcProvider from '../../ensure-oidc-provider/core.ts';
import * as ensureTestUser from '../../ensure-test-user/core.ts';
import * as ensureUserPool from '../../ensure-user-pool/core.ts';
import type { CheckAnswer, CheckContext, FederationCheck, ReasonCode } from './types.ts';

/** What every step's check needs; the Cognito client is the verification's read-once client. */
export interface StepCheckClients {
  cognito: CognitoIdentityProviderClient;
  secrets: SecretsManagerClient;
  authentik: AuthentikClient;
  secretPrefix: string;
}

interface StepDefinition {
  step: string;
  check(spec: TenantSpec, resources: Resources, clients: StepCheckClients): Promise<CheckResult>;
  /** The reason code a machine acts on, from the step's outcome and drift. */
  reason(result: CheckResult, context: CheckContext): ReasonCode;
  /** What the step makes, for the sentence: "the OIDC provider differs from …". */
  what: string;
}

const has = (drift: readonly Drift[], field: string | RegExp) =>
  drift.some((d) => (typeof field === 'string' ? d.field === field : field.test(d.field)));

const steps: readonly StepDefinition[] = [
  {
    step: 'ensure-group',
    what: "the Authentik group (the guide's cognito-users)",
    check: ensureGroup.check,
    reason: ({ outcome }) => (outcome === 'missing' ? 'GROUP_MISSING' : 'GROUP_CHANGED'),
  },
  {
    step: 'ensure-test-user',
    what: 'the test user',
    check: ensureTestUser.check,
    reason: ({ outcome, drift }) =>
      outcome === 'missing'
        ? 'TEST_USER_MISSING'
        : has(drift, 'is_active')
          ? 'USER_DISABLED'
          : 'TEST_USER_CHANGED',
  },
  {
    step: 'ensure-user-pool',
    what: 'the user pool, its domain and app client',
    check: ensureUserPool.check,
    reason: ({ outcome, drift }) =>
      outcome === 'missing'
        ? has(drift, 'userPoolId')
          ? 'USER_POOL_MISSING'
          : 'APP_CLIENT_MISSING'
        : has(drift, 'userPoolDomain')
          ? 'DOMAIN_CHANGED'
          : 'APP_CLIENT_CHANGED',
  },
  {
    step: 'ensure-oidc-provider',
    what: "Authentik's OAuth2/OIDC provider and its stored client",
    check: ensureOidcProvider.check,
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
  {
    step: 'ensure-application',
    what: 'the Authentik application',
    check: ensureApplication.check,
    reason: ({ outcome, drift }) =>
      outcome === 'missing'
        ? 'APPLICATION_MISSING'
        : has(drift, 'issuer')
          ? 'ISSUER_MISMATCH'
          : 'APPLICATION_CHANGED',
  },
  {
    step: 'ensure-access-policy',
    what: "the application's access policy and its binding",
    check: ensureAccessPolicy.check,
    reason: ({ outcome }) => (outcome === 'missing' ? 'POLICY_MISSING' : 'POLICY_CHANGED'),
  },
  {
    step: 'ensure-identity-provider',
    what: "Cognito's OIDC identity provider",
    check: ensureIdentityProvider.check,
    reason: ({ outcome, drift }) => {
      if (outcome === 'missing') return 'IDENTITY_PROVIDER_MISSING';
      if (has(drift, 'oidc_issuer')) return 'ISSUER_MISMATCH';
      if (has(drift, /^client_(id|secret)$/)) return 'SECRET_MISMATCH';
      if (has(drift, /^AttributeMapping\./)) return 'ATTRIBUTE_MAPPING_CHANGED';
      return 'IDENTITY_PROVIDER_CHANGED';
    },
  },
  {
    step: 'enable-identity-provider',
    what: "the app client's identity providers",
    check: enableIdentityProvider.check,
    reason: ({ outcome, drift }) => {
      if (outcome === 'missing') return 'APP_CLIENT_MISSING';
      const onlyCognito = drift.every((d) => d.expected === 'includes COGNITO');
      return onlyCognito ? 'COGNITO_NOT_ENABLED' : 'IDP_NOT_ENABLED';
    },
  },
];

function answerFor(definition: StepDefinition, result: CheckResult, context: CheckContext): CheckAnswer {
  if (result.outcome === 'in-sync') {
    return { status: 'pass', message: `no drift in ${definition.what} since provisioning` };
  }
  const fields = [...new Set(result.drift.map((d) => d.field))].join(', ');
  return {
    status: 'fail',
    reason: definition.reason(result, context),
    message:
      result.outcome === 'missing'
        ? `${definition.what}: missing (${fields}); run provisioning again to recreate it`
        : `${definition.what}: changed since provisioning (${fields}); run provisioning again to converge it`,
    expected: Object.fromEntries(result.drift.map((d) => [d.field, d.expected])),
    actual: Object.fromEntries(result.drift.map((d) => [d.field, d.actual])),
  };
}

function asCheck(definition: StepDefinition): FederationCheck {
  return {
    id: definition.step,
    async run(context) {
      const clients: StepCheckClients = {
        cognito: context.clients.cognito,
        secrets: context.clients.secrets,
        authentik: context.clients.authentik,
        secretPrefix: context.clients.secretPrefix ?? '',
      };
      try {
        return answerFor(
          definition,
          await definition.check(context.spec, context.resources, clients),
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

/** One check per provisioning step, in the provision machine's order. */
export const stepChecks: readonly FederationCheck[] = steps.map(asCheck);
