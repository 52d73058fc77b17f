// Run by `npm ci` (the prepare script, after the generated Authentik types): prepares what the
// local world would otherwise prepare at its first start, in every process that starts one at that
// moment. The emulator's schema (schema.yml parsed, about 1.5 s of CPU) and each Authentik release's
// contract (about 1 s each for the newer ones) go to node_modules/.cache, where every later start
// reads them in milliseconds (local/authentik/schema.ts, local/authentik/contract.ts).
import { prepareEmulatorCache, RELEASES } from './authentik/contract.ts';

const started = performance.now();
prepareEmulatorCache();
process.stdout.write(
  `Prepared the Authentik emulator's schema and ${RELEASES.length} release contracts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
