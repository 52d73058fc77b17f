// The one way this product makes a Lambda: every function gets the same runtime, architecture,
// bundling, logging and source maps. Environments are typed from the functions' own zod schemas in
// environments.ts.

import { join } from 'node:path';
import { AssetHashType, DockerImage, Duration, Tags } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { FUNCTION_TAG } from '../functions/lib/tenant-secrets.ts';
import { esbuildOptions, handlerEntry, projectRoot } from './bundling.ts';

export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;

export interface FederationFunctionProps {
  /** The folder under functions/ holding `handler.ts`. */
  readonly name: string;
  readonly description: string;
  /** What the function's schema accepts (environments.ts builds it from that schema's type). */
  readonly environment: object;
  readonly logRetention: RetentionDays;
  /** @default 30 seconds (Authentik calls time out well before; the state machine retries) */
  readonly timeout?: Duration;
  /** @default 256 MB */
  readonly memorySize?: number;
}

/**
 * A function's code: its handler bundled by esbuild's API, in this process, with the options
 * infra/bundling.ts defines (the ones the bundle benchmark measures), into `index.mjs` and its map.
 * NodejsFunction ran the same build as `npx --no-install esbuild` for each function: a fresh npm and
 * esbuild process apiece, which cost more CPU than the builds themselves. As with NodejsFunction,
 * the asset is hashed by its output, and a synth that skips bundling (template tests) hashes
 * nothing. The image is required by the API and never used: the local build succeeds or throws.
 */
function bundledHandler(name: string): Code {
  return Code.fromAsset(join(projectRoot, 'functions', name), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir) {
          buildSync(esbuildOptions(handlerEntry(name), join(outputDir, 'index.mjs')));
          return true;
        },
      },
    },
  });
}

/** Drops unset optional variables: Lambda only takes strings, and absent means "not configured". */
function lambdaEnvironment(environment: object): Record<string, string> {
  const entries = Object.entries(environment).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return Object.fromEntries(entries);
}

export class FederationFunction extends Construct {
  readonly name: string;
  readonly function: LambdaFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: FederationFunctionProps) {
    super(scope, id);
    this.name = props.name;
    // An explicit log group (instead of the one Lambda creates on first log) so retention and
    // removal are part of the stack, not left to whoever looks first.
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    // An own role instead of AWSLambdaBasicExecutionRole, which may create log groups and write to
    // any of them: this one writes to the function's log group only. Grants are added by the stack.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function`,
    });
    // The role's `function` tag: the tenant-secrets role admits a session only when it is tagged
    // with the caller's own name (infra/tenant-secrets-role.ts).
    Tags.of(this.role).add(FUNCTION_TAG, props.name);
    this.logGroup.grantWrite(this.role);
    this.function = new LambdaFunction(this, 'Function', {
      code: bundledHandler(props.name),
      handler: 'index.handler',
      role: this.role,
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        ...lambdaEnvironment(props.environment),
        // Stack traces point at the TypeScript sources, not at the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  }
}
