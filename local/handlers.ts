// The product's Lambda handlers, built in-process against a local world's clients: the same step
// cores, the same wrapper and the same tasks as on Lambda, each given exactly the clients its Lambda
// would build (lib/lambda.ts `pickClients`), only pointed elsewhere.

import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { StepClients } from '#lib/clients.ts';
import { type CoreClients, pickClients, tenantClients } from '#lib/lambda.ts';
import { createLogger } from '#lib/logger.ts';
import { MemoryMetrics, type Metrics } from '#lib/metrics.ts';
import { type StepModule, workflowStep } from '#lib/workflow-step.ts';
import {
  isWorkflowStep,
  type StepFunctionName,
  stepFunctions,
  type WorkflowStepName,
} from '../functions/catalog.ts';
import { listTenantsTask } from '../functions/list-tenants/handler.ts';
import { recordOutcomeTask } from '../functions/record-outcome/handler.ts';
import { type FederationEventSink, memoryEventSink } from '../functions/report-verification/events.ts';
import { reportVerificationTask } from '../functions/report-verification/handler.ts';
import { verifyTenantTask } from '../functions/verify-tenant/handler.ts';
import type { HandlersByPlaceholder, LambdaHandler } from './runner.ts';

export interface LocalHandlerOptions {
  /** The local world has no EventBridge: the verification's events go here (default: kept in memory). */
  events?: FederationEventSink;
  /**
   * The Lambdas' metrics (steps, executions, verification runs): default kept in memory and dropped;
   * on Lambda they are Powertools' EMF lines on stdout.
   */
  metrics?: Metrics;
  /** Where the world's hosted UI serves the pools' domains (`hostedUiBaseUrl` of world.ts). */
  hostedUiBaseUrl?: string;
  /** The handlers' log level, instead of POWERTOOLS_LOG_LEVEL's (a test that reads every line). */
  logLevel?: LogLevel;
}

/** A workflow step's handler: its core (the folder its catalog name names) in the step wrapper. */
async function workflowStepHandler<N extends WorkflowStepName>(
  name: N,
  clients: StepClients,
  metrics: Metrics,
  logLevel: LogLevel | undefined,
) {
  const core = (await import(`../functions/${name}/core.ts`)) as StepModule<CoreClients<N>>;
  return workflowStep(
    name,
    core,
    tenantClients(pickClients(name, clients)),
    () => clients.deployment,
    createLogger(name, { logLevel }),
    metrics,
  );
}

export async function localHandlers(
  clients: StepClients,
  options: LocalHandlerOptions = {},
): Promise<HandlersByPlaceholder> {
  const handlers: HandlersByPlaceholder = {};
  const metrics = options.metrics ?? new MemoryMetrics({ keep: false });
  // The functions that are not workflow steps, each its task with the world's clients.
  const others: { [N in Exclude<StepFunctionName, WorkflowStepName>]: LambdaHandler } = {
    'record-outcome': recordOutcomeTask({
      ...pickClients('record-outcome', clients),
      metrics,
    }) as LambdaHandler,
    'list-tenants': listTenantsTask(pickClients('list-tenants', clients)) as LambdaHandler,
    'verify-tenant': verifyTenantTask(
      {
        ...pickClients('verify-tenant', clients),
        ...(options.hostedUiBaseUrl ? { hostedUiBaseUrl: options.hostedUiBaseUrl } : {}),
      },
      createLogger('verify-tenant', { logLevel: options.logLevel }),
    ) as LambdaHandler,
    // The local world has no EventBridge: the events and metrics go to the sinks given.
    'report-verification': reportVerificationTask({
      events: options.events ?? memoryEventSink(),
      metrics,
    }) as LambdaHandler,
  };
  for (const fn of stepFunctions) {
    handlers[fn.placeholder] = isWorkflowStep(fn)
      ? ((await workflowStepHandler(fn.name, clients, metrics, options.logLevel)) as LambdaHandler)
      : others[fn.name];
  }
  return handlers;
}
