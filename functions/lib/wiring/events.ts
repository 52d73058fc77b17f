// The EventBridge client of a function that puts events on the default bus.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { countThrottles } from '../throttles.ts';
import { awsOptions } from './config.ts';
import type { Builder } from './kinds.ts';

export const events: Builder<'events'> = (config) => ({
  events: countThrottles(
    new EventBridgeClient(awsOptions(config, undefined)),
    'EventBridge',
    config.onThrottle,
  ),
});
