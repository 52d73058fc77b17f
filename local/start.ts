// `npm start`: the main job in the local world. Starts the world, provisions the example tenant
// (examples/tenant.json) through the provision state machine, verifies it, prints the summary and
// stops the world again.
import './polyfills.ts';
import { type Output, print, provision, verify } from '../bin/commands.ts';
import { openLocalSession } from './session.ts';

const specPath = process.argv[2] ?? 'examples/tenant.json';
const out: Output = { json: false, line: (text) => process.stdout.write(`${text}\n`) };
const t0 = Date.now();
out.line('Starting the local world (moto + strict Cognito layer + Authentik emulator)…');
const session = await openLocalSession({});
let code = 0;
try {
  out.line(`  Cognito ${session.endpoints.cognito} · Authentik ${session.endpoints.authentik}`);
  const result = await provision(session, specPath, out);
  print(out, result);
  const verification = await verify(session, result.tenantId, out);
  out.line(`  verification: ${verification.outcome}`);
  for (const drift of verification.drift)
    out.line(`    ${drift.field}: expected ${JSON.stringify(drift.expected)}`);
  if (verification.outcome !== 'in-sync') code = 1;
} catch (error) {
  process.stderr.write(`\nnpm start failed: ${(error as Error).message}\n`);
  code = 1;
} finally {
  await session.close();
}
out.line(`Local world stopped. Done in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
process.exit(code);
