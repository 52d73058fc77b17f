// What `npm run live` needs from its environment before it touches an account, checked without a
// network call so that a missing piece fails at once. Values are never echoed: the token is secret,
// and the rest would only make the message longer.

export interface LiveSettings {
  readonly region: string;
  /** The Authentik origin, `https://host` (port 443: Cognito reaches an OIDC issuer only there). */
  readonly authentikUrl: string;
  readonly authentikHost: string;
  /** Keep the stack (and the tenant) after the run, to look at them. */
  readonly keep: boolean;
}

export type LiveCheck = { ok: true; settings: LiveSettings } | { ok: false; missing: string[] };

/** The credential sources of the SDK's default chain that an environment can show. */
function hasCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );
}

export function checkLiveEnvironment(env: NodeJS.ProcessEnv): LiveCheck {
  const missing: string[] = [];
  if (!hasCredentials(env)) {
    missing.push(
      'AWS credentials: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN ' +
        'for temporary ones), for an account you may deploy to and destroy in',
    );
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) missing.push('AWS_REGION: the region to deploy the throwaway stack to');
  let authentik: URL | undefined;
  const raw = env.AUTHENTIK_URL;
  if (!raw) {
    missing.push(
      'AUTHENTIK_URL: your Authentik, https://<host> (reachable from the internet: Cognito calls it)',
    );
  } else {
    try {
      authentik = new URL(raw);
    } catch {
      missing.push('AUTHENTIK_URL: is not a URL; give https://<host>');
    }
    if (authentik && (authentik.protocol !== 'https:' || authentik.port !== '' || authentik.username)) {
      missing.push(
        'AUTHENTIK_URL: must be https on port 443 without credentials (Cognito accepts an OIDC issuer only there)',
      );
      authentik = undefined;
    }
  }
  if (!env.AUTHENTIK_TOKEN) {
    missing.push(
      'AUTHENTIK_TOKEN: an Authentik API token (intent API) of a user who may manage groups, users, ' +
        'providers, applications and policies; the run hands it to the API, which keeps it in Secrets Manager',
    );
  }
  if (missing.length > 0 || !region || !authentik) return { ok: false, missing };
  return {
    ok: true,
    settings: {
      region,
      authentikUrl: authentik.origin,
      authentikHost: authentik.hostname,
      keep: env.LIVE_KEEP === '1',
    },
  };
}

/** The `-c`/`--context` pairs of the arguments, and everything else. */
export function splitCdkArgs(args: readonly string[]): { contextArgs: string[]; deployFlags: string[] } {
  const contextArgs: string[] = [];
  const deployFlags: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const value = args[i + 1];
    if ((arg === '-c' || arg === '--context') && value !== undefined) {
      contextArgs.push(arg, value);
      i += 1;
    } else {
      deployFlags.push(arg);
    }
  }
  return { contextArgs, deployFlags };
}
