// Whether the hosted sign-in pages exist at all. On a domain with managed login (ManagedLoginVersion
// 2) an app client shows no page until a branding style is applied to it ("Managed login and
// classic hosted UI pages aren't available for your client until after you apply a branding
// style",
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html);
// the style is read with
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeManagedLoginBrandingByClient.html.
// The domain's version is the one ensure-user-pool recorded.
import type { CheckAnswer, FederationCheck } from './types.ts';

const MANAGED_LOGIN = 2;

export const managedLoginCheck: FederationCheck = {
  id: 'managed-login',
  needs: ['app-client'],
  async run(context): Promise<CheckAnswer> {
    const { userPoolId, appClientId } = context.target;
    const version = context.resources.managedLoginVersion;
    if (version !== MANAGED_LOGIN) {
      return {
        status: 'not-applicable',
        message:
          version === undefined
            ? "the domain's managed login version is not recorded: provisioning again records it"
            : `the domain serves the classic hosted UI (ManagedLoginVersion ${version}), which needs no branding style`,
      };
    }
    const style = await context.managedLoginBranding();
    if (!style) {
      return {
        status: 'fail',
        reason: 'MANAGED_LOGIN_UNBRANDED',
        message: `app client ${appClientId} in ${userPoolId} has no managed login branding style, so its sign-in pages do not exist: run provisioning again to apply Cognito's default style`,
        expected: 'a branding style',
        actual: null,
      };
    }
    return {
      status: 'pass',
      message: `app client ${appClientId} has the managed login branding style ${style.ManagedLoginBrandingId}`,
    };
  },
};
