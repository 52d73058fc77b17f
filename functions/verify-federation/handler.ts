// Lambda entry for verify-federation: the shared wrapper validates the environment and builds the
// clients once per cold start, parses the spec again, and calls the core (core.ts).
import { lambdaStepHandler } from '#lib/lambda.ts';
import * as core from './core.ts';

export const handler = lambdaStepHandler('verify-federation', core);
