// The Step Functions client of a function that starts and reads the state machines' executions.
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsOptions } from './config.ts';
import type { Builder } from './kinds.ts';

export const executions: Builder<'executions'> = (config) => ({
  executions: new SFNClient(awsOptions(config, config.stepFunctionsEndpoint)),
});
