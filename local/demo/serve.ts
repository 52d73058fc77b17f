// The demo app and the domain front as `npm start` and `npm run world` serve them to a person: the
// demo on http://localhost:3000 (the callback the example tenant registers; DEMO_PORT overrides),
// signing in to the example tenant (DEMO_TENANT overrides) once it is provisioned, and the lines
// that say what to open.
import type { TenantRegistry } from '#lib/registry.ts';
import { type DomainFront, startDomainFront } from '../hosted-ui/domain-front.ts';
import { type DemoApp, demoTenantOf, startDemoApp } from './server.ts';

export interface ServedDemo {
  demo?: DemoApp;
  front: DomainFront;
  /** What to tell a person: the demo's URL and how to open it in Chromium. */
  lines(): string[];
  stop(): Promise<void>;
}

export async function serveDemo(
  hostedUi: string,
  registry: Pick<TenantRegistry, 'get'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServedDemo> {
  const tenantId = env.DEMO_TENANT ?? 'acme';
  const front = await startDomainFront(hostedUi);
  let demo: DemoApp | undefined;
  let problem: string | undefined;
  try {
    demo = await startDemoApp({
      port: Number(env.DEMO_PORT ?? 3000),
      tenant: async () => {
        const record = await registry.get(tenantId).catch(() => undefined);
        return record ? demoTenantOf(hostedUi, record.resources) : undefined;
      },
    });
  } catch (error) {
    problem = (error as Error).message;
  }
  return {
    ...(demo ? { demo } : {}),
    front,
    lines: () =>
      demo
        ? [
            `Demo app: ${demo.url} (signs in to tenant ${tenantId} through the local hosted UI).`,
            "  Open it in a Chromium that resolves Cognito's domains to the local hosted UI:",
            `  chromium ${front
              .chromiumFlags(['*.amazoncognito.com'])
              .map((flag) => `'${flag}'`)
              .join(' ')} ${demo.url}`,
          ]
        : [`Demo app not started (${problem}): set DEMO_PORT to a free port registered as a callback URL.`],
    stop: async () => {
      await Promise.allSettled([demo?.stop(), front.stop()]);
    },
  };
}
