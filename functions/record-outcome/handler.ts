// Lambda entry for record-outcome: the registry writes at the start and end of each execution.
import type { StepClients } from '#lib/clients.ts';
import { ValidationError } from '#lib/errors.ts';
import type { StepOutcomeRecord } from '#lib/handler.ts';
import { registryClientsFromEnv } from '#lib/registry-clients.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { type CaughtError, failure, type Operation, start, success } from './core.ts';

export interface RecordEvent {
  action: 'start' | 'success' | 'failure';
  operation: Operation;
  execution?: string;
  tenantId?: string;
  spec?: TenantSpec;
  resources?: Resources;
  outcomes?: Record<string, StepOutcomeRecord>;
  failedStep?: string;
  error?: CaughtError;
}

/** Built for a set of clients, so the local runner can use the same handler against the local world. */
export function recordOutcomeHandler(clients: Pick<StepClients, 'registry'>) {
  return async (event: RecordEvent) => {
    const state = {
      spec: event.spec as TenantSpec,
      resources: event.resources ?? {},
      outcomes: event.outcomes ?? {},
    };
    // Every action names its execution ($$.Execution.Id): the lock is held and released by name.
    const execution = event.execution;
    if (typeof execution !== 'string' || execution === '') {
      throw new ValidationError('execution is required', {
        execution: ['the execution id ($$.Execution.Id)'],
      });
    }
    switch (event.action) {
      case 'start':
        return start(
          event.operation,
          {
            ...(event.spec ? { spec: event.spec } : {}),
            ...(event.tenantId ? { tenantId: event.tenantId } : {}),
            execution,
          },
          clients,
        );
      case 'success':
        return success(event.operation, state, clients, execution);
      case 'failure':
        return failure(
          event.operation,
          { ...state, failedStep: event.failedStep ?? 'unknown', error: event.error ?? { Error: 'Unknown' } },
          clients,
          execution,
        );
      default:
        throw new ValidationError('unknown record action', { action: ['must be start, success or failure'] });
    }
  };
}

let clients: StepClients | undefined;
export const handler = (event: RecordEvent) => {
  clients ??= registryClientsFromEnv();
  return recordOutcomeHandler(clients)(event);
};
