// The deployed product: one Lambda per step and one for the API, the state machines from
// statemachine/*.asl.json, the tenant registry, a KMS key for the secrets, alarms, the verification
// schedule and the tenant API.

import {
  Annotations,
  CfnOutput,
  type CfnResource,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { rotationFunction, type StepFunctionName, stepFunctions } from '../functions/catalog.ts';
import { grantedAccess, stepAccess } from './access.ts';
import {
  apiAccess,
  apiAccessStatements,
  apiBodySchemas,
  apiRoutes,
  type MachineKind,
  type StartedMachine,
} from './api-access.ts';
import type { FederationConfig } from './config.ts';
import { alarmsIn, FederationDashboard } from './dashboard.ts';
import { dependOnRolePolicyOnly } from './dependencies.ts';
import { apiEnvironment, type DeploymentValues, environmentOf } from './environments.ts';
import { FederationFunction } from './federation-function.ts';
import { accessStatements, type GrantTargets } from './grants.ts';
import {
  acknowledgeApi,
  acknowledgeRuntime,
  acknowledgeStateMachineRole,
  acknowledgeWildcardResources,
} from './nag.ts';
import { rotationInvokedBySecretsManager, rotationInvokeStatement } from './rotation.ts';
import {
  type AslDefinition,
  FederationStateMachine,
  type MachineRef,
  machinePlaceholder,
  pascalCase,
  readAslDefinitions,
  startedMachines,
  stateMachineName,
} from './state-machines.ts';
import { TenantApi } from './tenant-api.ts';
import { TenantSecretsRole } from './tenant-secrets-role.ts';

export interface FederationStackProps extends StackProps {
  readonly config: FederationConfig;
  /** The ASL definitions to deploy. @default every statemachine/*.asl.json */
  readonly definitions?: readonly AslDefinition[];
}

/** The state machine each API operation starts, by the ASL file that defines it. */
export const MACHINE_FILES: Record<MachineKind, string> = {
  provision: 'provision-tenant',
  deprovision: 'deprovision-tenant',
  verify: 'verify-federations',
};

// Steps talking to Authentik wait on its answers (each request has its own timeout); the
// verification also runs discovery and a headless login. The state machine retries on top.
const STEP_TIMEOUT: Partial<Record<StepFunctionName, Duration>> = {
  'verify-federation': Duration.seconds(60),
  'verify-tenant': Duration.seconds(60),
};

const STEP_DESCRIPTIONS: Partial<Record<StepFunctionName, string>> = {
  'record-outcome': 'Keeps the tenant registry in step with each execution',
  'list-tenants': 'Lists the tenants a verification run covers, a page at a time',
  'verify-tenant': "Verifies one tenant's federation in depth and records the result",
  'report-verification': 'Puts drift events on the default bus and verification metrics in the logs',
};

/** The definitions ordered so that a machine comes after every machine it starts; a cycle fails. */
function inStartOrder(definitions: readonly AslDefinition[]): AslDefinition[] {
  const ordered: AslDefinition[] = [];
  const placed = new Set<string>();
  let pending = [...definitions];
  while (pending.length > 0) {
    const ready = pending.filter((d) => startedMachines(d, definitions).every((name) => placed.has(name)));
    if (ready.length === 0) {
      throw new Error(`state machines start each other in a cycle: ${pending.map((d) => d.name).join(', ')}`);
    }
    for (const d of ready) {
      ordered.push(d);
      placed.add(d.name);
    }
    pending = pending.filter((d) => !placed.has(d.name));
  }
  return ordered;
}

/** Adds the statements to the function's role, and acknowledges their wildcard resources with reasons. */
function grant(fn: FederationFunction, statements: readonly PolicyStatement[]): void {
  for (const statement of statements) fn.role.addToPolicy(statement);
  dependOnRolePolicyOnly(fn.function.node.defaultChild as CfnResource, fn.role);
  acknowledgeWildcardResources(fn, statements);
  acknowledgeRuntime(fn);
}

export class FederationStack extends Stack {
  readonly functions: ReadonlyMap<StepFunctionName | 'api' | 'rotate-secret', FederationFunction>;
  readonly stateMachines: ReadonlyMap<string, FederationStateMachine>;
  readonly registry: TableV2;
  readonly secretsKey: Key;
  /** The only way to tenants' secrets: a session per tenant, tagged with it. */
  readonly tenantSecrets: TenantSecretsRole;
  readonly api: TenantApi;
  readonly verificationSchedule: Rule | undefined;

  constructor(scope: Construct, id: string, props: FederationStackProps) {
    super(scope, id, props);
    const { config } = props;
    const definitions = props.definitions ?? readAslDefinitions();

    this.registry = new TableV2(this, 'TenantRegistry', {
      partitionKey: { name: 'tenantId', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      // The registry is what says which Cognito and Authentik objects this system created: losing it
      // would leave them unowned, so it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.secretsKey = new Key(this, 'SecretsKey', {
      description: 'Encrypts the tenant secrets (Authentik token, OIDC client, test-user password)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const targets: GrantTargets = {
      secretPrefix: config.secretPrefix,
      secretsKey: this.secretsKey,
      registry: this.registry,
      existingUserPoolId: config.existingUserPoolId,
    };
    // The tenant-secrets role trusts the functions' roles, so it is made after them; the functions'
    // environments name it through this lazy value.
    let tenantSecrets: TenantSecretsRole | undefined;
    const values: DeploymentValues = {
      config,
      registryTableName: this.registry.tableName,
      secretsKmsKeyId: this.secretsKey.keyArn,
      tenantSecretsRoleArn: Lazy.string({
        produce: () => {
          if (!tenantSecrets) throw new Error('the tenant-secrets role was not made');
          return tenantSecrets.role.roleArn;
        },
      }),
    };

    const functions = new Map<StepFunctionName | 'api' | 'rotate-secret', FederationFunction>();
    // Secrets Manager's rotation function, first: the steps that store secrets turn rotation on with it.
    const rotation = new FederationFunction(this, 'RotateSecret', {
      name: rotationFunction.name,
      description: "Rotates a tenant's OIDC client secret or test-user password for Secrets Manager",
      environment: environmentOf(rotationFunction.name, values),
      logRetention: config.logRetentionDays,
      // testSecret runs the verification in depth, discovery and a headless login included.
      timeout: Duration.seconds(60),
    });
    const rotationAccess = grantedAccess(rotationFunction);
    grant(rotation, accessStatements(rotation, rotationAccess, targets));
    rotationInvokedBySecretsManager(rotation, config.secretPrefix);
    functions.set(rotationFunction.name, rotation);
    const stepValues: DeploymentValues = { ...values, rotationFunctionArn: rotation.function.functionArn };

    for (const step of stepFunctions) {
      const fn = new FederationFunction(this, pascalCase(step.name), {
        name: step.name,
        description: STEP_DESCRIPTIONS[step.name] ?? `Workflow step ${step.name}`,
        environment: environmentOf(step.name, stepValues),
        logRetention: config.logRetentionDays,
        ...(STEP_TIMEOUT[step.name] ? { timeout: STEP_TIMEOUT[step.name] } : {}),
      });
      grant(fn, accessStatements(fn, stepAccess[step.name], targets));
      functions.set(step.name, fn);
    }

    const byPlaceholder = new Map<string, IFunction>(
      stepFunctions.map((step) => [
        step.placeholder,
        (functions.get(step.name) as FederationFunction).function,
      ]),
    );
    const machines = new Map<string, FederationStateMachine>();
    const machineRefs = new Map<string, MachineRef>();
    // A machine that starts another (verification repairs through provisioning) is made after it.
    for (const definition of inStartOrder(definitions)) {
      const machine = new FederationStateMachine(this, pascalCase(definition.name), {
        definition,
        functionsByPlaceholder: byPlaceholder,
        machinesByPlaceholder: machineRefs,
        logRetention: config.logRetentionDays,
      });
      acknowledgeStateMachineRole(machine);
      acknowledgeWildcardResources(machine, machine.taskStatements);
      dependOnRolePolicyOnly(
        machine.stateMachine.node.defaultChild as CfnResource,
        machine.stateMachine.role as Role,
      );
      machines.set(definition.name, machine);
      machineRefs.set(machinePlaceholder(definition.name), {
        arn: machine.stateMachine.stateMachineArn,
        name: stateMachineName(this, definition.name),
      });
    }
    this.stateMachines = new Map(
      definitions.map((d) => [d.name, machines.get(d.name) as FederationStateMachine]),
    );
    const machineFor = (kind: MachineKind) => machines.get(MACHINE_FILES[kind])?.stateMachine;

    // The verification machine arrives with its own ASL file; until it exists there is nothing to
    // schedule, and the synth says so instead of pointing the schedule at another machine.
    const verifyMachine = machineFor('verify');
    if (config.verificationSchedule !== 'off' && verifyMachine) {
      this.verificationSchedule = new Rule(this, 'VerificationSchedule', {
        description: 'Re-verifies every tenant federation and reports drift',
        schedule: Schedule.expression(config.verificationSchedule),
        targets: [new SfnStateMachine(verifyMachine)],
      });
    } else if (config.verificationSchedule !== 'off') {
      Annotations.of(this).addInfo(
        `No verification schedule: statemachine/${MACHINE_FILES.verify}.asl.json does not exist yet`,
      );
    }

    const required = (kind: MachineKind) => {
      const machine = machineFor(kind);
      if (!machine) throw new Error(`statemachine/${MACHINE_FILES[kind]}.asl.json is required by the API`);
      return machine;
    };
    const provision = required('provision');
    const deprovision = required('deprovision');
    const apiFunction = new FederationFunction(this, 'Api', {
      name: 'api',
      description: 'Tenant API: validates specs, stores Authentik tokens, starts and reports executions',
      environment: apiEnvironment(stepValues, {
        provision: provision.stateMachineArn,
        deprovision: deprovision.stateMachineArn,
        verify: verifyMachine?.stateMachineArn,
      }),
      logRetention: config.logRetentionDays,
    });
    const started = new Map<MachineKind, StartedMachine>();
    for (const kind of Object.keys(MACHINE_FILES) as MachineKind[]) {
      const machine = machineFor(kind);
      if (machine) {
        started.set(kind, {
          arn: machine.stateMachineArn,
          name: stateMachineName(this, MACHINE_FILES[kind]),
        });
      }
    }
    grant(apiFunction, apiAccessStatements(apiFunction, targets, started));
    functions.set('api', apiFunction);
    this.functions = functions;

    const secretsUsers = [
      ...stepFunctions.map((step) => ({
        fn: functions.get(step.name) as FederationFunction,
        secrets: stepAccess[step.name].secrets,
      })),
      { fn: apiFunction, secrets: apiAccess.secrets },
      { fn: rotation, secrets: rotationAccess.secrets },
    ].filter((user) => Object.keys(user.secrets).length > 0);
    tenantSecrets = new TenantSecretsRole(this, 'TenantSecrets', { users: secretsUsers, targets });
    this.tenantSecrets = tenantSecrets;
    // RotateSecret also needs lambda:InvokeFunction on the rotation function (API Reference,
    // RotateSecret): for the sessions of the functions that turn rotation on or rotate now.
    tenantSecrets.role.addToPolicy(rotationInvokeStatement(rotation, secretsUsers));

    this.api = new TenantApi(this, 'TenantApi', {
      routes: apiRoutes,
      handler: apiFunction.function,
      bodySchemas: apiBodySchemas(),
      logRetention: config.logRetentionDays,
      accessLogs: config.apiAccessLogs,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Tenant API (SigV4)' });
    new CfnOutput(this, 'RegistryTableName', { value: this.registry.tableName });
    for (const [name, machine] of machines) {
      new CfnOutput(this, `${pascalCase(name)}StateMachineArn`, {
        value: machine.stateMachine.stateMachineArn,
        description: `Start ${name} from the console with a tenant spec as input`,
      });
    }
    acknowledgeApi(this.api.api, this.api.api.deploymentStage, config.apiAccessLogs);
    // Last, so the dashboard shows every alarm made above.
    new FederationDashboard(this, 'Dashboard', { name: this.stackName, alarms: alarmsIn(this) });
  }
}
