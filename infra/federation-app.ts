// The CDK app: the stack with its configuration from context, and cdk-nag's AwsSolutions checks,
// which run at synth and fail it on any finding that is not acknowledged (infra/nag.ts).

import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from './config.ts';
import { FederationStack, type FederationStackProps } from './stack.ts';

export const STACK_NAME = 'AuthentikCognitoFederation';

// CloudFormation stack names: a letter, then letters, digits and hyphens, 128 characters at most
// (CloudFormation API Reference, CreateStack StackName).
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export interface FederationAppOptions extends AppProps {
  /** For tests: other ASL definitions than statemachine/*.asl.json. */
  readonly definitions?: FederationStackProps['definitions'];
  /** Another stack name, e.g. a throwaway stack next to the real one (`npm run live`). */
  readonly stackName?: string;
}

export function createFederationApp(options: FederationAppOptions = {}): {
  app: App;
  stack: FederationStack;
} {
  const { definitions, stackName = STACK_NAME, ...appProps } = options;
  if (!STACK_NAME_PATTERN.test(stackName)) {
    throw new Error(`stack name "${stackName}": a letter, then letters, digits and hyphens (128 at most)`);
  }
  const app = new App(appProps);
  const config = configFromContext(app.node.getAllContext());
  const stack = new FederationStack(app, stackName, {
    config,
    description: 'Federates Cognito user pools with Authentik over OIDC, one tenant per execution',
    ...(definitions ? { definitions } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
