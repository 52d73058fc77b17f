// The Cognito client of a function that sends Cognito actions.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { countThrottles } from '../throttles.ts';
import { awsOptions } from './config.ts';
import type { Builder } from './kinds.ts';

export const cognito: Builder<'cognito'> = (config) => ({
  cognito: countThrottles(
    new CognitoIdentityProviderClient(awsOptions(config, config.cognitoEndpoint)),
    'Cognito',
    config.onThrottle,
  ),
});
