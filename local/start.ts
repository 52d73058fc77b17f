// `npm start`: the main job in the local world. It starts the world, says what it runs, and stops
// it again, leaving nothing behind.
import { startWorld } from './world.ts';

const t0 = Date.now();
process.stdout.write('Starting the local world (moto + strict Cognito layer + Authentik emulator)…\n');
const world = await startWorld();
try {
  const { endpoints } = world;
  process.stdout.write(
    [
      `  Cognito (strict layer)  ${endpoints.cognito}`,
      `  Secrets Manager         ${endpoints.secretsManager}`,
      `  DynamoDB                ${endpoints.dynamodb}`,
      `  Authentik               ${endpoints.authentik}`,
      '',
    ].join('\n'),
  );
  process.stdout.write(
    'Provisioning the example tenant (examples/tenant.json) through the state machine is not built yet;\n' +
      'the local world answered and is being stopped.\n',
  );
} finally {
  await world.stop();
}
process.stdout.write(`Done in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
