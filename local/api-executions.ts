// The local stand-in for Step Functions behind the local API: executions run in-process on the local
// runner, in the background, with Step Functions' naming rules (the same name and input while running
// is the same execution; a name once used is taken), and the running ones are known per tenant.

import type { StepClients } from '#lib/clients.ts';
import type { ExecutionRecord, TenantRecord } from '#lib/registry.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import { canonicalJson, executionArnOf, executionName } from '../functions/api/execution-name.ts';
import type {
  DescribedExecution,
  ExecutionStarter,
  ExecutionStatus,
  StartedExecution,
  Verifier,
} from '../functions/api/starter.ts';
import type { ExecutionView, MachineKind } from '../functions/api/types.ts';
import {
  type EventLog,
  type HandlersByPlaceholder,
  type LambdaHandler,
  runStateMachine,
  type StateMachineName,
} from './runner.ts';

const MACHINES: Record<MachineKind, StateMachineName> = {
  provision: 'provision-tenant',
  deprovision: 'deprovision-tenant',
  verify: 'verify-federations',
};

export interface LocalExecution {
  machine: MachineKind;
  name: string;
  executionArn: string;
  tenantId: string;
  /** Exactly what the execution was started with (JSON). */
  input: unknown;
  startDate: string;
  status: Extract<ExecutionStatus, 'RUNNING' | 'SUCCEEDED' | 'FAILED'>;
  /** Every event of the execution, in order (a verification has none: it is one step). */
  events: EventLog[];
  error?: string;
  cause?: string;
  /** Settles when the execution ends; never rejects. */
  done: Promise<void>;
}

export interface LocalExecutionsOptions {
  clients: StepClients;
  handlers: HandlersByPlaceholder;
  region: string;
  account?: string;
  retryIntervalMs?: number;
  /** Where the world's hosted UI serves the pools' domains, for the verification's hosted-UI leg. */
  hostedUiBaseUrl?: string;
  /** Called with every event of every execution as it happens. */
  onEvent?: (execution: LocalExecution, event: EventLog) => void;
}

export interface LocalExecutions extends ExecutionStarter, Verifier {
  /** Every execution started, oldest first. */
  readonly all: readonly LocalExecution[];
  /** Resolves once no execution runs. */
  idle(): Promise<void>;
}

function tenantOf(input: unknown): string {
  const tenantId = (input as { tenantId?: unknown } | null)?.tenantId;
  return typeof tenantId === 'string' ? tenantId : '';
}

function view(execution: LocalExecution): ExecutionView {
  return {
    kind: execution.machine,
    executionArn: execution.executionArn,
    name: execution.name,
    startDate: execution.startDate,
  };
}

export function localExecutions(options: LocalExecutionsOptions): LocalExecutions {
  const account = options.account ?? '123456789012';
  const machineArn = (kind: MachineKind) =>
    `arn:aws:states:${options.region}:${account}:stateMachine:${MACHINES[kind]}`;
  const byName = new Map<string, LocalExecution>();
  const all: LocalExecution[] = [];
  let verifications = 0;

  function register(machine: MachineKind, name: string, input: unknown): LocalExecution {
    const execution: LocalExecution = {
      machine,
      name,
      executionArn: executionArnOf(machineArn(machine), name),
      tenantId: tenantOf(input),
      input: JSON.parse(JSON.stringify(input)),
      startDate: new Date().toISOString(),
      status: 'RUNNING',
      events: [],
      done: Promise.resolve(),
    };
    byName.set(`${machine} ${name}`, execution);
    all.push(execution);
    return execution;
  }

  /**
   * The handlers of one execution: record-outcome learns the execution's ARN in this region, as
   * `$$.Execution.Id` on AWS (the runner's context names us-east-1).
   */
  function handlersFor(execution: LocalExecution): HandlersByPlaceholder {
    const record = options.handlers.RecordOutcomeFunctionArn;
    if (!record) return options.handlers;
    const withExecution: LambdaHandler = (event) =>
      record(
        Object.hasOwn(event as object, 'execution')
          ? { ...(event as object), execution: execution.executionArn }
          : event,
      );
    return { ...options.handlers, RecordOutcomeFunctionArn: withExecution };
  }

  async function run(execution: LocalExecution): Promise<void> {
    const result = await runStateMachine(MACHINES[execution.machine], execution.input, {
      handlers: handlersFor(execution),
      executionName: execution.name,
      ...(options.retryIntervalMs === undefined ? {} : { retryIntervalMs: options.retryIntervalMs }),
      onEvent: (event) => {
        execution.events.push(event);
        options.onEvent?.(execution, event);
      },
    }).catch((error: unknown) => ({
      status: 'FAILED' as const,
      error: (error as Error)?.name ?? 'Error',
      cause: (error as Error)?.message ?? '',
    }));
    execution.status = result.status;
    if (result.status === 'FAILED') {
      execution.error = result.error ?? 'Error';
      execution.cause = result.cause ?? '';
    }
  }

  async function startExecution(
    machine: MachineKind,
    name: string,
    input: unknown,
  ): Promise<StartedExecution> {
    const existing = byName.get(`${machine} ${name}`);
    if (existing) {
      const same = existing.status === 'RUNNING' && canonicalJson(existing.input) === canonicalJson(input);
      return {
        executionArn: existing.executionArn,
        name,
        startDate: existing.startDate,
        ...(same ? {} : { existingStatus: existing.status }),
      };
    }
    const execution = register(machine, name, input);
    execution.done = run(execution);
    return { executionArn: execution.executionArn, name, startDate: execution.startDate };
  }

  async function describeExecution(executionArn: string): Promise<DescribedExecution | undefined> {
    const execution = all.find((e) => e.executionArn === executionArn);
    return execution
      ? {
          executionArn,
          name: execution.name,
          startDate: execution.startDate,
          status: execution.status,
        }
      : undefined;
  }

  async function describeRunning(
    tenantId: string,
    _last?: ExecutionRecord,
  ): Promise<ExecutionView | undefined> {
    const running = all.find((e) => e.tenantId === tenantId && e.status === 'RUNNING');
    return running ? view(running) : undefined;
  }

  /** The in-depth verification of one tenant, as the verification machine runs it; it records itself. */
  async function check(execution: LocalExecution, record: TenantRecord): Promise<void> {
    try {
      const result = await verifyTenant(record.tenantId, {
        ...options.clients,
        ...(options.hostedUiBaseUrl ? { hostedUiBaseUrl: options.hostedUiBaseUrl } : {}),
      });
      if (result.state === 'error') {
        execution.status = 'FAILED';
        execution.error = result.error?.name ?? 'Error';
        execution.cause = result.error?.message ?? '';
        return;
      }
      execution.status = 'SUCCEEDED';
    } catch (error) {
      execution.status = 'FAILED';
      execution.error = (error as Error)?.name ?? 'Error';
      execution.cause = (error as Error)?.message ?? '';
    }
  }

  async function verify(record: TenantRecord): Promise<StartedExecution> {
    verifications += 1;
    const name = executionName({
      tenantId: record.tenantId,
      kind: 'verify',
      key: `t${Date.now().toString(36)}-${verifications}`,
      attempt: 1,
    });
    const execution = register('verify', name, { tenantId: record.tenantId });
    execution.done = check(execution, record);
    return { executionArn: execution.executionArn, name, startDate: execution.startDate };
  }

  return {
    all,
    startExecution,
    executionArnOf: (kind, name) => executionArnOf(machineArn(kind), name),
    describeExecution,
    describeRunning,
    verify,
    async idle() {
      while (all.some((e) => e.status === 'RUNNING')) {
        await Promise.all(all.map((e) => e.done));
      }
    },
  };
}
