// The CDK app: the stack with its configuration from context, and cdk-nag's AwsSolutions checks,
// which run at synth and fail it on any finding that is not acknowledged (infra/nag.ts).

import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from './config.ts';
import { FederationStack, type FederationStackProps } from './stack.ts';

export const STACK_NAME = 'AuthentikCognitoFederation';

export interface FederationAppOptions extends AppProps {
  /** For tests: other ASL definitions than statemachine/*.asl.json. */
  readonly definitions?: FederationStackProps['definitions'];
}

export function createFederationApp(options: FederationAppOptions = {}): {
  app: App;
  stack: FederationStack;
} {
  const { definitions, ...appProps } = options;
  const app = new App(appProps);
  const config = configFromContext(app.node.getAllContext());
  const stack = new FederationStack(app, STACK_NAME, {
    config,
    description: 'Federates Cognito user pools with Authentik over OIDC, one tenant per execution',
    ...(definitions ? { definitions } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
