// Each provisioning step's check() as a check of the verification: the reason code a machine acts
// on, from the step's outcome and drift; what its errors become.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthentikAuthError, PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';
import type { CheckResult } from '#lib/step.ts';
import type { VerificationContext } from '#lib/verification/context.ts';

const staged = vi.hoisted(() => ({ results: {} as Record<string, CheckResult | Error> }));
function core(step: string) {
  return {
    check: async () => {
      const result = staged.results[step] ?? { outcome: 'in-sync', drift: [] };
      if (result instanceof Error) throw result;
      return result;
    },
  };
}
vi.mock('../../functions/ensure-group/core.ts', () => core('ensure-group'));
vi.mock('../../functions/ensure-test-user/core.ts', () => core('ensure-test-user'));
vi.mock('../../functions/ensure-user-pool/core.ts', () => core('ensure-user-pool'));
vi.mock('../../functions/ensure-oidc-provider/core.ts', () => core('ensure-oidc-provider'));
vi.mock('../../functions/ensure-application/core.ts', () => core('ensure-application'));
vi.mock('../../functions/ensure-access-policy/core.ts', () => core('ensure-access-policy'));
vi.mock('../../functions/ensure-identity-provider/core.ts', () => core('ensure-identity-provider'));
vi.mock('../../functions/enable-identity-provider/core.ts', () => core('enable-identity-provider'));
const { stepChecks } = await import('#lib/verification/step-checks.ts');

const IDPRESPONSE = 'https://acme-login.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse';
const context = {
  spec: {},
  resources: {},
  clients: { cognito: {}, secrets: {}, authentik: {}, secretPrefix: 'federation' },
  target: { redirectUri: IDPRESPONSE },
} as unknown as VerificationContext;

async function answer(step: string, result: CheckResult | Error) {
  staged.results = { [step]: result };
  const check = stepChecks.find((c) => c.id === step);
  if (!check) throw new Error(`no check ${step}`);
  return check.run(context);
}

const drifted = (...fields: [string, unknown?, unknown?][]): CheckResult => ({
  outcome: 'drifted',
  drift: fields.map(([field, expected = 'x', actual = 'y']) => ({ field, expected, actual })),
});
const missing = (field: string): CheckResult => ({
  outcome: 'missing',
  drift: [{ field, expected: 'x', actual: null }],
});

beforeEach(() => {
  staged.results = {};
});

describe('the steps’ checks', () => {
  it('are the provision machine’s steps, in its order, as the tenant states know them', async () => {
    const { STEP_CHECK_IDS } = await import('#lib/verification/state.ts');
    expect(stepChecks.map((c) => c.id)).toEqual(STEP_CHECK_IDS);
    expect(stepChecks.map((c) => c.id)).toEqual([
      'ensure-group',
      'ensure-test-user',
      'ensure-user-pool',
      'ensure-oidc-provider',
      'ensure-application',
      'ensure-access-policy',
      'ensure-identity-provider',
      'enable-identity-provider',
    ]);
  });

  it('pass when the step finds nothing to converge', async () => {
    expect(await answer('ensure-group', { outcome: 'in-sync', drift: [] })).toMatchObject({ status: 'pass' });
  });

  it.each([
    ['ensure-group', missing('group'), 'GROUP_MISSING'],
    ['ensure-group', drifted(['name']), 'GROUP_CHANGED'],
    ['ensure-test-user', missing('user'), 'TEST_USER_MISSING'],
    ['ensure-test-user', drifted(['email'], ['is_active', true, false]), 'USER_DISABLED'],
    ['ensure-test-user', drifted(['groups']), 'TEST_USER_CHANGED'],
    ['ensure-user-pool', missing('userPoolId'), 'USER_POOL_MISSING'],
    ['ensure-user-pool', missing('appClientId'), 'APP_CLIENT_MISSING'],
    ['ensure-user-pool', drifted(['userPoolDomain']), 'DOMAIN_CHANGED'],
    ['ensure-user-pool', drifted(['CallbackURLs']), 'APP_CLIENT_CHANGED'],
    ['ensure-oidc-provider', missing('provider'), 'PROVIDER_MISSING'],
    [
      'ensure-oidc-provider',
      drifted(['redirect_uris', [], [{ url: 'https://elsewhere/' }]]),
      'REDIRECT_URI_MISSING',
    ],
    [
      'ensure-oidc-provider',
      drifted(['redirect_uris', [], [{ url: IDPRESPONSE }, { url: 'https://extra/' }]]),
      'REDIRECT_URI_CHANGED',
    ],
    ['ensure-oidc-provider', drifted(['client_secret']), 'SECRET_MISMATCH'],
    ['ensure-oidc-provider', drifted(['sub_mode']), 'PROVIDER_CHANGED'],
    ['ensure-application', missing('application'), 'APPLICATION_MISSING'],
    ['ensure-application', drifted(['issuer']), 'ISSUER_MISMATCH'],
    ['ensure-application', drifted(['name']), 'APPLICATION_CHANGED'],
    ['ensure-access-policy', missing('binding'), 'POLICY_MISSING'],
    ['ensure-access-policy', drifted(['binding.negate']), 'POLICY_CHANGED'],
    ['ensure-identity-provider', missing('identityProviderName'), 'IDENTITY_PROVIDER_MISSING'],
    ['ensure-identity-provider', drifted(['AttributeMapping.email'], ['oidc_issuer']), 'ISSUER_MISMATCH'],
    ['ensure-identity-provider', drifted(['client_secret', '(hidden)', '(hidden)']), 'SECRET_MISMATCH'],
    ['ensure-identity-provider', drifted(['AttributeMapping.email']), 'ATTRIBUTE_MAPPING_CHANGED'],
    ['ensure-identity-provider', drifted(['authorize_scopes']), 'IDENTITY_PROVIDER_CHANGED'],
    ['enable-identity-provider', missing('appClientId'), 'APP_CLIENT_MISSING'],
    [
      'enable-identity-provider',
      drifted(['SupportedIdentityProviders', 'includes COGNITO']),
      'COGNITO_NOT_ENABLED',
    ],
    [
      'enable-identity-provider',
      drifted(['SupportedIdentityProviders', 'includes authentik-acme']),
      'IDP_NOT_ENABLED',
    ],
  ] as const)('%s: %j is %s', async (step, result, reason) => {
    const found = await answer(step, result);
    expect(found).toMatchObject({ status: 'fail', reason });
    for (const { field } of result.drift) expect(found.message).toContain(field);
  });

  it('keep the drift as expected and actual, by field', async () => {
    expect(await answer('ensure-test-user', drifted(['is_active', true, false]))).toMatchObject({
      expected: { is_active: true },
      actual: { is_active: false },
    });
  });

  it('answer PRECONDITION_FAILED when what the step needs is missing, CHECK_FAILED for other errors', async () => {
    expect(await answer('ensure-identity-provider', new PreconditionError('needs issuer'))).toMatchObject({
      status: 'fail',
      reason: 'PRECONDITION_FAILED',
      message: 'needs issuer',
    });
    expect(await answer('ensure-user-pool', new ValidationError('bad', {}))).toMatchObject({
      reason: 'CHECK_FAILED',
      message: 'ValidationError: bad',
    });
  });

  it('let transient failures and a refused token end the verification (the machine retries or reports it)', async () => {
    await expect(answer('ensure-group', new TransientError('503'))).rejects.toBeInstanceOf(TransientError);
    await expect(answer('ensure-group', new AuthentikAuthError('403'))).rejects.toBeInstanceOf(
      AuthentikAuthError,
    );
  });
});
