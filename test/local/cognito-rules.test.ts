import { describe, expect, it } from 'vitest';
import { appClientDefaults, completeAppClientUpdate } from '#local/cognito/app-clients.ts';
import { checkOidcDetails, checkProviderName, checkProviderType } from '#local/cognito/identity-providers.ts';
import { checkOAuthSettings } from '#local/cognito/oauth.ts';
import { isWriteOperation } from '#local/cognito/operations.ts';
import { CognitoError } from '#local/cognito/protocol.ts';

function errorOf(check: () => void): CognitoError {
  try {
    check();
  } catch (error) {
    if (error instanceof CognitoError) return error;
    throw error;
  }
  throw new Error('expected the check to fail');
}

describe('provider names', () => {
  it.each(['authentik', 'Tenant-A', 'a_b', 'a.b', 'x'.repeat(32), 'Ünïcode', 'abc'])('accepts %s', (name) => {
    expect(() => checkProviderName(name)).not.toThrow();
  });

  it.each(['', 'ab', 'x'.repeat(33), '_abc', ' abc', 'ab_c', 'ab c', 'abc\u00a0'])('refuses %j', (name) => {
    expect(errorOf(() => checkProviderName(name)).type).toBe('InvalidParameterException');
  });

  it('refuses a name that is not a string', () => {
    expect(errorOf(() => checkProviderName(42)).type).toBe('InvalidParameterException');
  });
});

describe('provider types', () => {
  it.each(['SAML', 'Facebook', 'Google', 'LoginWithAmazon', 'SignInWithApple', 'OIDC'])(
    'accepts %s',
    (type) => {
      expect(() => checkProviderType(type)).not.toThrow();
    },
  );

  it.each(['oidc', 'Okta', undefined])('refuses %s', (type) => {
    expect(errorOf(() => checkProviderType(type)).type).toBe('InvalidParameterException');
  });
});

describe('OIDC details', () => {
  const details = {
    client_id: 'c',
    authorize_scopes: 'openid',
    oidc_issuer: 'https://x/',
    attributes_request_method: 'POST',
  };

  it('accepts the four required details', () => {
    expect(() => checkOidcDetails(details)).not.toThrow();
  });

  it('refuses empty values and missing details', () => {
    expect(errorOf(() => checkOidcDetails({ ...details, client_id: '' })).message).toContain('client_id');
    expect(errorOf(() => checkOidcDetails(undefined)).type).toBe('InvalidParameterException');
  });
});

describe('OAuth settings', () => {
  const ok = { AllowedOAuthFlows: ['code'], CallbackURLs: ['https://app.example.com/cb'] };
  const publicClient = { hasSecret: false };

  it('accepts a code-flow client with an https callback', () => {
    expect(() => checkOAuthSettings(ok, publicClient)).not.toThrow();
  });

  it('accepts client credentials without callbacks on a client with a secret', () => {
    expect(() =>
      checkOAuthSettings({ AllowedOAuthFlows: ['client_credentials'] }, { hasSecret: true }),
    ).not.toThrow();
  });

  it.each([
    [{ AllowedOAuthFlows: ['client_credentials'] }, publicClient, 'does not have a client secret'],
    [
      { ...ok, AllowedOAuthFlows: ['client_credentials', 'code'] },
      { hasSecret: true },
      'along with code flow',
    ],
    [
      { ...ok, AllowedOAuthFlows: ['implicit', 'client_credentials'] },
      { hasSecret: true },
      'along with code flow',
    ],
    [{ ...ok, AllowedOAuthFlowsUserPoolClient: true }, publicClient, 'are required'],
    [{ ...ok, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: [] }, publicClient, 'are required'],
    [{ AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['openid'] }, publicClient, 'are required'],
  ])('refuses %j with InvalidOAuthFlowException', (client, facts, message) => {
    const error = errorOf(() => checkOAuthSettings(client, facts));
    expect(error.type).toBe('InvalidOAuthFlowException');
    expect(error.message).toContain(message);
  });

  it.each([
    { AllowedOAuthFlows: ['password'] },
    { AllowedOAuthFlows: ['implicit'], CallbackURLs: [] },
    { ...ok, CallbackURLs: ['http://localhost.example.com/cb'] },
    { ...ok, LogoutURLs: ['not a url'] },
    { ...ok, DefaultRedirectURI: 'https://other.example.com/' },
    { ...ok, CallbackURLs: 'https://app.example.com/cb' },
  ])('refuses %j', (client) => {
    expect(errorOf(() => checkOAuthSettings(client, publicClient)).type).toBe('InvalidParameterException');
  });
});

describe('completeAppClientUpdate', () => {
  it('sets every setting the request omits to its default and keeps the name', () => {
    const complete = completeAppClientUpdate(
      { UserPoolId: 'p', ClientId: 'c', CallbackURLs: ['https://a/'] },
      { ClientName: 'kept' },
    );
    expect(complete).toEqual({
      ...appClientDefaults,
      UserPoolId: 'p',
      ClientId: 'c',
      ClientName: 'kept',
      CallbackURLs: ['https://a/'],
    });
    expect(complete.RefreshTokenValidity).toBe(30);
    expect(complete.AllowedOAuthFlows).toBeNull();
    // The UpdateUserPoolClient reference's defaults for the two settings it names.
    expect(complete.ExplicitAuthFlows).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_SRP_AUTH',
      'ALLOW_CUSTOM_AUTH',
    ]);
    expect(complete.PreventUserExistenceErrors).toBe('LEGACY');
  });

  it('keeps falsy values the request gives', () => {
    const complete = completeAppClientUpdate(
      { UserPoolId: 'p', ClientId: 'c', EnableTokenRevocation: false, AllowedOAuthFlows: [] },
      {},
    );
    expect(complete.EnableTokenRevocation).toBe(false);
    expect(complete.AllowedOAuthFlows).toEqual([]);
  });
});

describe('isWriteOperation', () => {
  it.each([
    'CreateIdentityProvider',
    'UpdateUserPoolClient',
    'DeleteUserPool',
    'AdminCreateUser',
    'SetUICustomization',
  ])('%s writes', (operation) => expect(isWriteOperation(operation)).toBe(true));

  it.each(['DescribeUserPoolClient', 'ListIdentityProviders', 'GetGroup', 'AdminGetUser', 'InitiateAuth'])(
    '%s does not write',
    (operation) => expect(isWriteOperation(operation)).toBe(false),
  );
});
