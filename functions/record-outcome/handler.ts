// Lambda entry for record-outcome: the registry writes at the start and end of each execution.
import { ValidationError } from '#lib/errors.ts';
import { lambdaClients, lambdaEntry } from '#lib/lambda.ts';
import { lambdaMetrics } from '#lib/metrics.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { registry } from '#lib/wiring/registry.ts';
import type { StepOutcomeRecord } from '#lib/workflow-step.ts';
import { type CaughtError, failure, type Operation, type RecordClients, start, success } from './core.ts';

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

/** The function's task for a set of clients, so the local world runs the same code with its own. */
export function recordOutcomeTask(clients: RecordClients) {
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

export const handler = lambdaEntry(() =>
  recordOutcomeTask({ ...lambdaClients('record-outcome', { registry }), metrics: lambdaMetrics() }),
);
