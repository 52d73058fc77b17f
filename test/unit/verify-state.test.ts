// What a verification means for a tenant: its state, and which failures a repair can fix.
import { describe, expect, it } from 'vitest';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import {
  federationStateOf,
  isRepairable,
  isTenantRepairable,
  stateOfOutcome,
} from '#lib/verification/state.ts';
import type { FederationCheckResult, VerificationReport } from '#lib/verification/types.ts';

const deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };
const input = {
  tenantId: 'acme',
  authentik: {
    baseUrl: 'https://authentik.example.com',
    tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
  },
  cognito: { callbackUrls: ['https://app.acme.example/cb'] },
};
const spec = parseTenantSpec(input, deployment);
const brought = parseTenantSpec(
  { ...input, cognito: { userPoolId: 'eu-west-1_Pool1', appClientId: 'client1' } },
  deployment,
);

const fail = (id: string, reason: FederationCheckResult['reason']): FederationCheckResult => ({
  id,
  status: 'fail',
  ...(reason ? { reason } : {}),
  message: 'm',
});
const report = (checks: FederationCheckResult[]): VerificationReport => ({
  tenantId: 'acme',
  status: checks.some((c) => c.status === 'fail') ? 'fail' : 'pass',
  checks,
  checkedAt: '2026-01-01T00:00:00Z',
});

describe('federationStateOf', () => {
  it('verified when nothing fails (a check that does not apply is no failure)', () => {
    expect(
      federationStateOf(
        report([{ id: 'hosted-ui-login', status: 'not-applicable', reason: 'NO_HOSTED_UI', message: '' }]),
      ),
    ).toBe('verified');
  });

  it('drifted when only the steps’ own checks fail: users can still sign in', () => {
    expect(federationStateOf(report([fail('ensure-application', 'APPLICATION_CHANGED')]))).toBe('drifted');
  });

  it('broken as soon as an end-to-end check fails', () => {
    expect(
      federationStateOf(
        report([fail('ensure-test-user', 'USER_DISABLED'), fail('test-user', 'USER_DISABLED')]),
      ),
    ).toBe('broken');
  });
});

describe('repairability', () => {
  it('what provisioning converges is repairable; what it cannot reach or did not check is not', () => {
    expect(isRepairable(fail('ensure-oidc-provider', 'PROVIDER_MISSING'), spec)).toBe(true);
    expect(isRepairable(fail('discovery', 'DISCOVERY_UNREACHABLE'), spec)).toBe(true);
    expect(isRepairable(fail('jwks', 'JWKS_UNREACHABLE'), spec)).toBe(false);
    expect(isRepairable(fail('ensure-group', 'CHECK_FAILED'), spec)).toBe(false);
    expect(isRepairable({ id: 'x', status: 'not-applicable', reason: 'BLOCKED', message: '' }, spec)).toBe(
      false,
    );
  });

  it('a second domain of the pool is for a person to decide', () => {
    expect(isRepairable(fail('pool-domains', 'REDIRECT_URI_MISSING'), spec)).toBe(false);
    expect(isRepairable(fail('redirect-uri', 'REDIRECT_URI_MISSING'), spec)).toBe(true);
  });

  it('a pool or app client the tenant brought is never recreated, so nothing is attempted', () => {
    const gone = [
      fail('ensure-user-pool', 'USER_POOL_MISSING'),
      fail('identity-provider', 'IDENTITY_PROVIDER_MISSING'),
    ];
    expect(isRepairable(gone[0] as FederationCheckResult, brought)).toBe(false);
    expect(isTenantRepairable(gone, brought)).toBe(false);
    // A pool this system created is recreated by provisioning.
    expect(isTenantRepairable(gone, spec)).toBe(true);
    expect(isTenantRepairable([fail('jwks', 'JWKS_UNREACHABLE')], spec)).toBe(false);
  });
});

describe('stateOfOutcome', () => {
  it('reads the state older registry records imply', () => {
    expect(stateOfOutcome('in-sync')).toBe('verified');
    expect(stateOfOutcome('drifted')).toBe('drifted');
    expect(stateOfOutcome('missing')).toBe('broken');
    expect(stateOfOutcome('failed')).toBe('unknown');
    expect(stateOfOutcome(undefined)).toBe('unknown');
  });
});
