// `npm run world`: the local world in the foreground. Prints one JSON line of endpoints once every
// part answers (for FEDERATION_WORLD and other tools), and stops cleanly on SIGINT/SIGTERM.
import { startWorld } from './world.ts';

const world = await startWorld();
process.stdout.write(`${JSON.stringify(world.endpoints)}\n`);
process.stderr.write('Local world is up. Press Ctrl+C to stop it.\n');

let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`Received ${signal}: stopping the local world.\n`);
  try {
    await world.stop();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`Could not stop the local world cleanly: ${(error as Error).message}\n`);
    process.exit(1);
  }
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
