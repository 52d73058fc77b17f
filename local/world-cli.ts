// `npm run world`: the local world in the foreground. Prints one JSON line of endpoints once every
// part answers (for FEDERATION_WORLD and other tools), serves the demo app (local/demo/serve.ts),
// and stops cleanly on SIGINT/SIGTERM.
// `--authentik-version <X.Y.Z>` makes the emulator report that version and serve its release's
// contract and behaviour (local/authentik/contract.ts); the JSON line carries it as "authentikVersion".
import { parseArgs } from 'node:util';
import { unservedVersion } from './authentik/contract.ts';

const { values } = parseArgs({ options: { 'authentik-version': { type: 'string' } } });
const authentikVersion = values['authentik-version'];
// A version it has no contract for (older than 2024.10, newer than the newest installed release).
const unserved = authentikVersion === undefined ? undefined : unservedVersion(authentikVersion);
if (unserved) {
  process.stderr.write(`--authentik-version: ${unserved}\n`);
  process.exit(2);
}
// The world's modules (the SDK, moto's wrapper, the emulator) load only once the flags are good, so
// a wrong flag is told at once.
const [{ serveDemo }, { startWorld }, { worldStepClients }] = await Promise.all([
  import('./demo/serve.ts'),
  import('./world.ts'),
  import('./world-clients.ts'),
]);
const world = await startWorld(authentikVersion === undefined ? {} : { authentikVersion });
const demo = await serveDemo(world.endpoints.hostedUi, worldStepClients(world.endpoints).registry);
process.stdout.write(`${JSON.stringify(world.endpoints)}\n`);
process.stderr.write(`${demo.lines().join('\n')}\n`);
process.stderr.write('Local world is up. Press Ctrl+C to stop it.\n');

let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`Received ${signal}: stopping the local world.\n`);
  try {
    await demo.stop();
    await world.stop();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`Could not stop the local world cleanly: ${(error as Error).message}\n`);
    process.exit(1);
  }
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
