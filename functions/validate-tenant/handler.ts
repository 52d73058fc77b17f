// Lambda entry for validate-tenant. The shared wrapper answers the `parse` action (the workflow's
// first state) from the spec alone; apply, destroy and check run the preflight in core.ts.
import { lambdaStepHandler } from '#lib/lambda.ts';
import * as core from './core.ts';

export const handler = lambdaStepHandler('validate-tenant', core);
