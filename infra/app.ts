// `cdk synth` / `cdk deploy` entry (cdk.json). Configuration comes from context: see infra/config.ts.
import { createFederationApp } from './federation-app.ts';

createFederationApp().app.synth();
