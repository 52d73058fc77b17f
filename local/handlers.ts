// The product's Lambda handlers, built in-process against a local world's clients: the same step
// cores and the same wrapper as on Lambda, only the clients point elsewhere.
import type { StepClients } from '#lib/clients.ts';
import { type StepModule, stepHandler } from '#lib/handler.ts';
import { type ResolvedClients, resolveClients } from '#lib/lambda.ts';
import { stepFunctions } from '../functions/catalog.ts';
import { recordOutcomeHandler } from '../functions/record-outcome/handler.ts';
import type { HandlersByPlaceholder, LambdaHandler } from './runner.ts';

export async function localHandlers(clients: StepClients): Promise<HandlersByPlaceholder> {
  const handlers: HandlersByPlaceholder = {};
  for (const fn of stepFunctions) {
    if (fn.name === 'record-outcome') {
      handlers[fn.placeholder] = recordOutcomeHandler(clients) as LambdaHandler;
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
