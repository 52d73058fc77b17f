// Lambda entry for validate-tenant: its clients built once per cold start (lib/lambda.ts), then the
// shared step wrapper, which answers the `parse` action (the workflow's first state) from the spec
// alone; apply, destroy and check run the preflight in core.ts.
import { authentik } from '#lib/wiring/authentik.ts';
import { cognito } from '#lib/wiring/cognito.ts';
import { stepLambda } from '#lib/workflow-step.ts';
import * as core from './core.ts';

export const handler = stepLambda('validate-tenant', core, { cognito, authentik });
