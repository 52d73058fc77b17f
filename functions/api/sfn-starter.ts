// Starting and finding executions on AWS Step Functions (Standard workflows).
//
// StartExecution with a name and input identical to a running execution answers that execution; a
// name taken by a finished execution (or one running with another input) is ExecutionAlreadyExists,
// and then DescribeExecution tells the API what became of it.
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SERVICE_UNAVAILABLE, THROTTLING_EXCEPTION, TIMEOUT_ERROR, transientTest } from '#lib/aws-errors.ts';
import { TransientError } from '#lib/errors.ts';
import type { ExecutionRecord, TenantRecord } from '#lib/registry.ts';
import { canonicalJson, executionArnOf, executionName } from './execution-name.ts';
import {
  type DescribedExecution,
  type ExecutionStarter,
  type ExecutionStatus,
  type StartedExecution,
  VerificationUnavailableError,
  type Verifier,
} from './starter.ts';
import type { ExecutionView, MachineKind } from './types.ts';

export interface StateMachineArns {
  provision: string;
  deprovision: string;
  /** The verification machine; without it POST /tenants/{id}/verify answers 501. */
  verify?: string | undefined;
}

// Step Functions' own: ExecutionLimitExceeded, too many running executions, which end by themselves
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html#API_StartExecution_Errors).
// InternalServerError is in no Step Functions reference (its server error is the common
// InternalFailure, a 500 either way); it is kept so what the starter retries stays as it was. The
// common throttling and unavailability, the SDK's timeout and 429 count too; broken connections do not.
const isTransient = transientTest({
  names: [
    THROTTLING_EXCEPTION,
    'ExecutionLimitExceeded',
    SERVICE_UNAVAILABLE,
    'InternalServerError',
    TIMEOUT_ERROR,
  ],
  tooManyRequests: true,
  networkCodes: false,
});
// ListExecutions pages of 1000; a deployment with more running executions than this is not one API.
const MAX_LIST_PAGES = 10;

function mapError(error: unknown, what: string): unknown {
  if (isTransient(error)) {
    return new TransientError(`Step Functions ${what}: ${String((error as { name?: unknown })?.name)}`);
  }
  return error;
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapError(error, what);
  }
}

export function stepFunctionsStarter(
  client: SFNClient,
  machines: StateMachineArns,
): ExecutionStarter & Verifier {
  const arnOf = (kind: MachineKind): string => {
    const arn = machines[kind];
    if (!arn)
      throw new VerificationUnavailableError(
        'no verification state machine is configured in this deployment',
      );
    return arn;
  };
  const kindOf = (stateMachineArn: string | undefined): MachineKind | undefined =>
    (['provision', 'deprovision', 'verify'] as const).find((kind) => machines[kind] === stateMachineArn);

  async function describe(executionArn: string) {
    return call('DescribeExecution', () => client.send(new DescribeExecutionCommand({ executionArn })));
  }

  async function describeExecution(executionArn: string): Promise<DescribedExecution | undefined> {
    try {
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionArn,
        name: described.name ?? executionArn.split(':').at(-1) ?? executionArn,
        startDate: (described.startDate ?? new Date()).toISOString(),
        status: (described.status ?? 'RUNNING') as ExecutionStatus,
      };
    } catch (error) {
      if ((error as { name?: unknown })?.name === 'ExecutionDoesNotExist') return undefined;
      throw mapError(error, 'DescribeExecution');
    }
  }

  async function startExecution(
    machine: MachineKind,
    name: string,
    input: unknown,
  ): Promise<StartedExecution> {
    const stateMachineArn = arnOf(machine);
    try {
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: canonicalJson(input) }),
      );
      return {
        executionArn: started.executionArn ?? executionArnOf(stateMachineArn, name),
        name,
        startDate: (started.startDate ?? new Date()).toISOString(),
      };
    } catch (error) {
      if ((error as { name?: unknown })?.name !== 'ExecutionAlreadyExists')
        throw mapError(error, 'StartExecution');
    }
    const executionArn = executionArnOf(stateMachineArn, name);
    const existing = await describe(executionArn);
    return {
      executionArn,
      name,
      startDate: (existing.startDate ?? new Date()).toISOString(),
      existingStatus: (existing.status ?? 'RUNNING') as ExecutionStatus,
    };
  }

  async function runningByName(kind: MachineKind, tenantId: string): Promise<ExecutionView | undefined> {
    const stateMachineArn = machines[kind];
    if (!stateMachineArn) return undefined;
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const listed = await call('ListExecutions', () =>
        client.send(
          new ListExecutionsCommand({
            stateMachineArn,
            statusFilter: 'RUNNING',
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      const found = listed.executions?.find((e) => e.name?.startsWith(`${tenantId}_`));
      if (found?.executionArn && found.name) {
        return {
          kind,
          executionArn: found.executionArn,
          name: found.name,
          startDate: (found.startDate ?? new Date()).toISOString(),
        };
      }
      nextToken = listed.nextToken;
      if (!nextToken) return undefined;
    }
    return undefined;
  }

  async function describeRunning(
    tenantId: string,
    last?: ExecutionRecord,
  ): Promise<ExecutionView | undefined> {
    for (const kind of ['provision', 'deprovision', 'verify'] as const) {
      const running = await runningByName(kind, tenantId);
      if (running) return running;
    }
    // An execution an operator started from the console: the registry recorded its ARN.
    const lastArn = last?.arn ?? (last?.name.startsWith('arn:') ? last.name : undefined);
    if (!lastArn?.includes(':execution:')) return undefined;
    const described = await describe(lastArn);
    const kind = kindOf(described.stateMachineArn);
    if (described.status !== 'RUNNING' || !kind) return undefined;
    return {
      kind,
      executionArn: lastArn,
      name: described.name ?? lastArn.split(':').at(-1) ?? lastArn,
      startDate: (described.startDate ?? new Date()).toISOString(),
    };
  }

  async function verify(record: TenantRecord): Promise<StartedExecution> {
    arnOf('verify');
    // One verification per request: keyed on the time, base 36 to fit the name.
    const key = `t${Date.now().toString(36)}`;
    const name = executionName({ tenantId: record.tenantId, kind: 'verify', key, attempt: 1 });
    return startExecution('verify', name, { tenantId: record.tenantId });
  }

  return {
    startExecution,
    executionArnOf: (kind, name) => executionArnOf(arnOf(kind), name),
    describeExecution,
    describeRunning,
    verify,
  };
}
