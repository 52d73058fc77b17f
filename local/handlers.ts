// The product's Lambda handlers, built in-process against a local world's clients: the same step
// cores and the same wrapper as on Lambda, only the clients point elsewhere.
import type { StepClients } from '#lib/clients.ts';
import { type StepModule, stepHandler } from '#lib/handler.ts';
import { type ResolvedClients, resolveClients } from '#lib/lambda.ts';
import { SERVICE_NAME } from '#lib/logger.ts';
import {
  isWorkflowStep,
  type StepFunctionName,
  stepFunctions,
  type WorkflowStepName,
} from '../functions/catalog.ts';
import { listTenantsHandler } from '../functions/list-tenants/handler.ts';
import { recordOutcomeHandler } from '../functions/record-outcome/handler.ts';
import { type FederationEventSink, memoryEventSink } from '../functions/report-verification/events.ts';
import { reportVerificationHandler } from '../functions/report-verification/handler.ts';
import type { MetricsSink } from '../functions/report-verification/metrics.ts';
import { verifyTenantHandler } from '../functions/verify-tenant/handler.ts';
import type { HandlersByPlaceholder, LambdaHandler } from './runner.ts';

export interface LocalHandlerOptions {
  /** The local world has no EventBridge: the verification's events go here (default: kept in memory). */
  events?: FederationEventSink;
  /** The verification's EMF metrics (default: dropped; on Lambda they are stdout lines). */
  metrics?: MetricsSink;
}

export async function localHandlers(
  clients: StepClients,
  options: LocalHandlerOptions = {},
): Promise<HandlersByPlaceholder> {
  const handlers: HandlersByPlaceholder = {};
  // The functions that are not workflow steps, each built by its factory with the world's clients.
  const others: { [N in Exclude<StepFunctionName, WorkflowStepName>]: LambdaHandler } = {
    'record-outcome': recordOutcomeHandler(clients) as LambdaHandler,
    'list-tenants': listTenantsHandler(clients) as LambdaHandler,
    'verify-tenant': verifyTenantHandler(clients) as LambdaHandler,
    'report-verification': reportVerificationHandler({
      events: options.events ?? memoryEventSink(),
      metrics: options.metrics ?? (() => {}),
      namespace: 'AuthentikCognitoFederation',
      service: SERVICE_NAME,
    }) as LambdaHandler,
  };
  for (const fn of stepFunctions) {
    if (!isWorkflowStep(fn)) {
      handlers[fn.placeholder] = others[fn.name];
      continue;
    }
    const module = (await import(`../functions/${fn.name}/core.ts`)) as StepModule<ResolvedClients>;
    handlers[fn.placeholder] = stepHandler(
      fn.name,
      module,
      resolveClients(clients, fn.usesAuthentik),
      () => clients.deployment,
    ) as LambdaHandler;
  }
  return handlers;
}
