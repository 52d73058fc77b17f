// A local session: the world the CLI and `npm start` work in. Uses a running world when
// FEDERATION_WORLD holds the JSON line `npm run world` printed (each endpoint honoured, so a proxy
// can stand in for any part), or starts its own and stops it at the end.
import type { StepClients } from '#lib/clients.ts';
import { localHandlers } from './handlers.ts';
import { type LocalRotation, localRotation } from './rotation.ts';
import type { HandlersByPlaceholder } from './runner.ts';
import { hostedUiBaseUrl, startWorld, type WorldEndpoints } from './world.ts';
import { prepareWorld, worldStepClients } from './world-clients.ts';

export interface LocalSession {
  endpoints: WorldEndpoints;
  clients: StepClients;
  handlers: HandlersByPlaceholder;
  /**
   * Secrets Manager's part in a rotation (moto cannot invoke the rotation function): the four steps
   * in order with the event AWS sends (local/rotation.ts).
   */
  rotation: LocalRotation;
  /** True when this session started the world itself (its state ends with the session). */
  ownsWorld: boolean;
  close(): Promise<void>;
}

const endpointKeys = [
  'region',
  'cognito',
  'secretsManager',
  'dynamodb',
  'authentik',
  'authentikToken',
  'hostedUi',
] as const;

export function parseWorldEndpoints(text: string): WorldEndpoints {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('FEDERATION_WORLD is not JSON: set it to the line `npm run world` printed.');
  }
  const missing = endpointKeys.filter(
    (key) => typeof (parsed as Record<string, unknown>)?.[key] !== 'string',
  );
  if (missing.length > 0) throw new Error(`FEDERATION_WORLD lacks ${missing.join(', ')}.`);
  return parsed as WorldEndpoints;
}

export async function openLocalSession(env: NodeJS.ProcessEnv = process.env): Promise<LocalSession> {
  // The steps' JSON log lines would drown the progress display; FEDERATION_LOG_LEVEL=INFO shows them.
  process.env.POWERTOOLS_LOG_LEVEL = env.FEDERATION_LOG_LEVEL ?? process.env.FEDERATION_LOG_LEVEL ?? 'WARN';
  const shared = env.FEDERATION_WORLD;
  const world = shared ? undefined : await startWorld();
  const endpoints = world ? world.endpoints : parseWorldEndpoints(shared as string);
  try {
    await prepareWorld(endpoints);
    const clients = worldStepClients(endpoints);
    return {
      endpoints,
      clients,
      handlers: await localHandlers(clients, { hostedUiBaseUrl: hostedUiBaseUrl(endpoints) }),
      // A failed step is tried once more, as Secrets Manager retries.
      rotation: localRotation(clients, { hostedUiBaseUrl: hostedUiBaseUrl(endpoints), attempts: 2 }),
      ownsWorld: world !== undefined,
      close: async () => {
        clients.cognito.destroy();
        clients.secrets.destroy();
        await world?.stop();
      },
    };
  } catch (error) {
    await world?.stop();
    throw error;
  }
}
