// The local world for the commands that run in it. Loaded only by them (a dynamic import), so
// `--help`, usage errors and commands against an API never load the emulators.
import '../local/polyfills.ts';
import { type LocalSession, openLocalSession } from '../local/session.ts';

export { adopt } from './adopt.ts';
export { deprovision, provision, status, testUser, verify, verifyAll } from './commands.ts';
export { planLocally } from './plan-local.ts';

/** Runs `work` in a local session (the running world FEDERATION_WORLD names, or a new one), then closes it. */
export async function withLocalSession<T>(
  env: NodeJS.ProcessEnv,
  work: (session: LocalSession) => Promise<T>,
): Promise<T> {
  const session = await openLocalSession(env);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
