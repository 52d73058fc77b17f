// Lambda entry for verify-federation: the clients its catalog entry calls for (named here, so the bundle carries
// only their SDK clients), built once per cold start, then the shared step wrapper, which parses the
// spec again and calls the core (core.ts) with them.
import { authentik } from '#lib/wiring/authentik.ts';
import { cognito } from '#lib/wiring/cognito.ts';
import { secrets } from '#lib/wiring/secrets.ts';
import { stepLambda } from '#lib/workflow-step.ts';
import * as core from './core.ts';

export const handler = stepLambda('verify-federation', core, { cognito, secrets, authentik });
