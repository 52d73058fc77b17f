// `cdk synth` / `cdk deploy` entry (cdk.json). Configuration comes from context: see infra/config.ts.
// FEDERATION_STACK_NAME deploys the same stack under another name (the live kit's throwaway stack).
import { createFederationApp } from './federation-app.ts';

const stackName = process.env.FEDERATION_STACK_NAME;
createFederationApp(stackName ? { stackName } : {}).app.synth();
