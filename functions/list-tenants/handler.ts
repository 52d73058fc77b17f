// Lambda entry for list-tenants: `start` reads the run's input and lists the first page of tenants,
// `next` lists the page after the cursor.
import type { StepClients } from '#lib/clients.ts';
import { ValidationError } from '#lib/errors.ts';
import { registryClientsFromEnv } from '#lib/registry-clients.ts';
import { type ListClients, listPage, type RunSettings, start } from './core.ts';

export type ListTenantsEvent =
  | { action: 'start'; input?: unknown; startedAt?: string }
  | { action: 'next'; run: RunSettings; cursor?: string };

/** Built for a set of clients, so the local runner can use the same handler against the local world. */
export function listTenantsHandler(clients: ListClients) {
  return async (event: ListTenantsEvent) => {
    if (event.action === 'start') {
      return start(event.input, event.startedAt ?? new Date().toISOString(), clients);
    }
    if (event.action === 'next') return listPage(event.run, event.cursor, clients);
    throw new ValidationError('unknown list-tenants action', { action: ['must be start or next'] });
  };
}

let clients: StepClients | undefined;
export const handler = (event: ListTenantsEvent) => {
  clients ??= registryClientsFromEnv();
  return listTenantsHandler(clients)(event);
};
