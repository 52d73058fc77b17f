// `npm start`: the main job in the local world. Starts the world, provisions the example tenant
// (examples/tenant.json) through the provision state machine, verifies it (the hosted-UI sign-in
// included), prints the summary and what to open to try the sign-in in a browser (the demo app,
// local/demo/serve.ts). At a terminal (stdin and stdout both TTYs) it keeps the world and the demo
// up until Ctrl+C; otherwise (CI, a pipe, a redirect) it stops the world again and exits.
import './polyfills.ts';
import { type Output, print, provision, verify } from '../bin/commands.ts';
import { serveDemo } from './demo/serve.ts';
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
  const demo = await serveDemo(session.endpoints.hostedUi, session.clients.registry, {
    DEMO_TENANT: result.tenantId,
    ...process.env,
  });
  out.line('');
  for (const line of demo.lines()) out.line(line);
  out.line(
    `  Sign in as the test user of ${specPath} (authentik.testUser); its password is in Secrets Manager: ${result.secrets.testUserPassword ?? '(not recorded)'}`,
  );
  if (process.stdin.isTTY && process.stdout.isTTY) {
    out.line('The local world and the demo app are up. Press Ctrl+C to stop them.');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
  await demo.stop();
} catch (error) {
  process.stderr.write(`\nnpm start failed: ${(error as Error).message}\n`);
  code = 1;
} finally {
  await session.close();
}
out.line(`Local world stopped. Done in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
process.exit(code);
