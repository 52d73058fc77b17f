// Lambda entry for list-tenants: `start` reads the run's input and lists the first page of tenants,
// `next` lists the page after the cursor
// with the run and its totals (the machine's whole state).
import { ValidationError } from '#lib/errors.ts';
import { lambdaClients, lambdaEntry } from '#lib/lambda.ts';
import { registry } from '#lib/wiring/registry.ts';
import { type ListClients, next, noTotals, type RunSettings, start, type Totals } from './core.ts';

export type ListTenantsEvent =
  | { action: 'start'; input?: unknown; startedAt?: string }
  | { action: 'next'; run: RunSettings; cursor?: string; number?: number; totals?: Totals };

/** The function's task for a set of clients, so the local world runs the same code with its own. */
export function listTenantsTask(clients: ListClients) {
  return async (event: ListTenantsEvent) => {
    if (event.action === 'start') {
      return start(event.input, event.startedAt ?? new Date().toISOString(), clients);
    }
    if (event.action === 'next') return next({ ...event, totals: event.totals ?? noTotals() }, clients);
    throw new ValidationError('unknown list-tenants action', { action: ['must be start or next'] });
  };
}

export const handler = lambdaEntry(() => listTenantsTask(lambdaClients('list-tenants', { registry })));
