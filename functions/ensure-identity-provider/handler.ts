// Lambda entry for ensure-identity-provider: the shared wrapper validates the environment and builds the clients
// once per cold start, parses the spec again, and calls the core (core.ts) with the clients it uses.
import { lambdaStepHandler } from '#lib/lambda.ts';
import * as core from './core.ts';

export const handler = lambdaStepHandler('ensure-identity-provider', core);
