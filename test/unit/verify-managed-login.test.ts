import type { ManagedLoginBrandingType } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { managedLoginCheck } from '#lib/verification/managed-login.ts';
import type { CheckContext } from '#lib/verification/types.ts';

// The managed-login check reads the app client's branding style only when the recorded domain is on
// managed login, and fails without one: the sign-in pages would not exist.

function contextWith(managedLoginVersion: number | undefined, style: ManagedLoginBrandingType | undefined) {
  let reads = 0;
  const context = {
    target: { userPoolId: 'eu-west-1_Pool1', appClientId: 'client1' },
    resources: managedLoginVersion === undefined ? {} : { managedLoginVersion },
    managedLoginBranding: async () => {
      reads += 1;
      return style;
    },
  } as unknown as CheckContext;
  return { context, reads: () => reads };
}

describe('managed-login check', () => {
  it('fails with MANAGED_LOGIN_UNBRANDED when a managed-login client has no style', async () => {
    const { context } = contextWith(2, undefined);
    const answer = await managedLoginCheck.run(context);
    expect(answer).toMatchObject({ status: 'fail', reason: 'MANAGED_LOGIN_UNBRANDED', actual: null });
    expect(answer.message).toContain('run provisioning again');
  });

  it('passes when the client has a style', async () => {
    const { context } = contextWith(2, { ManagedLoginBrandingId: 'style1' });
    await expect(managedLoginCheck.run(context)).resolves.toMatchObject({ status: 'pass' });
  });

  it.each([1, undefined])('is not applicable, and reads nothing, on version %s', async (version) => {
    const { context, reads } = contextWith(version, undefined);
    await expect(managedLoginCheck.run(context)).resolves.toMatchObject({ status: 'not-applicable' });
    expect(reads()).toBe(0);
  });

  it('needs the app client check to have passed', () => {
    expect(managedLoginCheck.needs).toEqual(['app-client']);
  });
});
