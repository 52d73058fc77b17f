// Lambda entry for validate-tenant: the `parse` action (the workflow's first state) only parses the
// spec; the other actions go through the shared step wrapper to the preflight in core.ts.
import { deploymentFromEnv, functionEnvSchemas, loadEnv } from '#lib/env.ts';
import { lambdaStepHandler } from '#lib/lambda.ts';
import * as core from './core.ts';
import { withParseAction } from './parse.ts';

const env = loadEnv(functionEnvSchemas['validate-tenant']);

export const handler = withParseAction(
  deploymentFromEnv(env),
  lambdaStepHandler({ name: 'validate-tenant', module: core, usesAuthentik: true }),
);
