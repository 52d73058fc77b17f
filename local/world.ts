// The local world: moto (Cognito, Secrets Manager, DynamoDB) with the strict Cognito layer in front
// of it, and the Authentik emulator. One function starts it all for the tests, `npm start`,
// `npm run world` and the local API, so they all run against the same strictness.
import './polyfills.ts';
import { unservedVersion } from './authentik/contract.ts';
import { type AuthentikEmulator, startAuthentikEmulator } from './authentik/server.ts';
import { type CognitoLayer, type CognitoQuotaSettings, startCognitoLayer } from './cognito/index.ts';
import { MotoUpstream } from './cognito/moto-upstream.ts';
import { type HostedUi, startHostedUi } from './hosted-ui/server.ts';
import { type MotoServer, startMoto } from './moto.ts';

/** What `npm run world` prints, and what `FEDERATION_WORLD` carries to the CLI. */
export interface WorldEndpoints {
  region: string;
  cognito: string;
  secretsManager: string;
  dynamodb: string;
  authentik: string;
  authentikToken: string;
  /** Cognito's hosted UI: a pool's domain `<domain>` is served at `<hostedUi>/<domain>`. */
  hostedUi: string;
  /** The Authentik version the emulator reports, whose release's contract it serves. */
  authentikVersion?: string;
}

export interface World {
  endpoints: WorldEndpoints;
  moto: MotoServer;
  cognito: CognitoLayer;
  authentik: AuthentikEmulator;
  hostedUi: HostedUi;
  stop(): Promise<void>;
}

export interface WorldOptions {
  region?: string;
  /** Cognito's request-rate quotas; real values unless overridden, `false` turns them off. */
  quotas?: CognitoQuotaSettings | false;
  /** The Authentik release the emulator serves; one it has no contract for is refused. */
  authentikVersion?: string;
  /** Test-only: what the emulator reports at `admin/version/` instead (server.ts, reportedVersion). */
  authentikReportedVersion?: string;
  /** Where moto comes from: a new server by default; the tests borrow one of a pool. */
  moto?: (region: string) => Promise<MotoServer>;
}

/** The verification's `hostedUiBaseUrl` in a world: its hosted UI, a domain under its host's path. */
export function hostedUiBaseUrl(endpoints: Pick<WorldEndpoints, 'hostedUi'>): string {
  return `${endpoints.hostedUi}/{domain}`;
}

/** Fake credentials: moto accepts any, and the SDK refuses to sign without some. */
export const localCredentials = { accessKeyId: 'local-world', secretAccessKey: 'local-world' } as const;

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  // Before anything starts: a release the emulator has no contract for is the caller's mistake.
  const unserved =
    options.authentikVersion === undefined ? undefined : unservedVersion(options.authentikVersion);
  if (unserved) throw new Error(`--authentik-version: ${unserved}`);
  const region = options.region ?? 'us-east-1';
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    // Stop in reverse order of start; keep going if one part fails so no process is left behind.
    const results = await Promise.allSettled(started.reverse().map((part) => part.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    const remember = <T extends { stop(): Promise<void> }>(part: T): T => {
      started.push(part);
      return part;
    };
    const [moto, authentik] = await Promise.all([
      (options.moto ?? ((r) => startMoto({ region: r })))(region).then(remember),
      startAuthentikEmulator({
        ...(options.authentikVersion ? { version: options.authentikVersion } : {}),
        ...(options.authentikReportedVersion ? { reportedVersion: options.authentikReportedVersion } : {}),
      }).then(remember),
    ]);
    // The strict layer and the hosted UI reach moto's Cognito through one queue, so moto never
    // serves two of their requests at once (the race moto-upstream.ts describes), whichever asks.
    const upstream = new MotoUpstream(moto.endpoint);
    remember({ stop: async () => upstream.close() });
    const cognito = await startCognitoLayer({
      motoEndpoint: moto.endpoint,
      upstream,
      ...(options.quotas !== undefined ? { quotas: options.quotas } : {}),
    });
    started.push(cognito);
    const hostedUi = remember(await startHostedUi({ motoEndpoint: moto.endpoint, upstream, region }));
    return {
      endpoints: {
        region,
        cognito: cognito.endpoint,
        secretsManager: moto.endpoint,
        dynamodb: moto.endpoint,
        authentik: authentik.url,
        authentikToken: authentik.token,
        hostedUi: hostedUi.url,
        authentikVersion: authentik.version,
      },
      moto,
      cognito,
      authentik,
      hostedUi,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}

/**
 * Requests that change configuration in Authentik or Cognito. A login through Authentik's flow
 * executor or token endpoint posts too, but changes no configuration, so it is not counted.
 */
export function configWrites(world: World): number {
  const login = /^\/api\/v3\/flows\/executor\/|^\/application\/o\//;
  return (
    world.authentik.requests.filter((r) => r.write && !login.test(r.path)).length +
    world.cognito.requests.filter((r) => r.write).length
  );
}
