// `npm run local`: the local world and the tenant API over it, in the foreground. Prints the API's URL
// and the world line (the JSON `npm run world` prints, for FEDERATION_WORLD), and stops cleanly on
// SIGINT/SIGTERM. Uses the running world named by FEDERATION_WORLD when set.
import './polyfills.ts';
import { parseArgs } from 'node:util';
import { createLogger } from '#lib/logger.ts';
import { startLocalApi } from './api-server.ts';
import { openLocalSession } from './session.ts';
import { hostedUiBaseUrl } from './world.ts';

const DEFAULT_PORT = 8787;

let port = DEFAULT_PORT;
try {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const given = values.port ?? process.env.LOCAL_API_PORT;
  if (given !== undefined) {
    if (!/^\d{1,5}$/.test(given) || Number(given) > 65535) throw new Error('--port must be 0-65535');
    port = Number(given);
  }
} catch (error) {
  process.stderr.write(
    `${(error as Error).message}\nUsage: npm run local -- [--port <n>] (0: any free port)\n`,
  );
  process.exit(2);
}

process.stderr.write('Starting the local world (moto + strict Cognito layer + Authentik emulator)…\n');
const session = await openLocalSession();
let api: Awaited<ReturnType<typeof startLocalApi>>;
try {
  api = await startLocalApi({
    clients: session.clients,
    handlers: session.handlers,
    region: session.endpoints.region,
    hostedUiBaseUrl: hostedUiBaseUrl(session.endpoints),
    port,
    logger: createLogger('api'),
  });
} catch (error) {
  const inUse = (error as { code?: unknown }).code === 'EADDRINUSE';
  process.stderr.write(
    inUse
      ? `Port ${port} is in use: pass another with npm run local -- --port <n> (0: any free port).\n`
      : `Could not start the local API: ${(error as Error).message}\n`,
  );
  await session.close();
  process.exit(1);
}

process.stdout.write(`${JSON.stringify(session.endpoints)}\n`);
process.stdout.write(`Tenant API: ${api.url}\n`);
process.stderr.write(
  [
    `Try: curl -s ${api.url}/tenants`,
    `     curl -s -X PUT ${api.url}/tenants/acme -H 'content-type: application/json' -d '{"spec": {…}, "authentikToken": "…"}'`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`Received ${signal}: stopping the local API and the world.\n`);
  try {
    await api.close();
    await session.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`Could not stop cleanly: ${(error as Error).message}\n`);
    process.exit(1);
  }
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
