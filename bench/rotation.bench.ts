// Rotating a tenant's OIDC client secret while users sign in: the local world serves headless
// sign-ins (Authentik's login, then the code exchange Cognito makes with the client secret its
// identity provider holds), one started every 100 ms, during each of a few rotations. A sign-in fails
// when its code exchange falls between the two writes (Cognito's, then Authentik's: functions/
// rotate-secret/kinds.ts). Prints the failed sign-ins of the worst rotation and the widest window
// between the two writes (from the first write's answer to the second's). BENCH_LOGINS_PER_SECOND changes the rate; BENCH_DEBUG=1
// says why each sign-in failed.
import '../local/polyfills.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { headlessLogin } from '#lib/authentik/headless-login.ts';
import { getProvider } from '#lib/authentik/providers.ts';
import { readSecretJson } from '#lib/secrets.ts';
import { parseTenantSpec } from '#lib/tenant-spec.ts';
import { storedPassword } from '../functions/ensure-test-user/password.ts';
import { localHandlers } from '../local/handlers.ts';
import { localRotation } from '../local/rotation.ts';
import { runStateMachine } from '../local/runner.ts';
import { hostedUiBaseUrl, localCredentials, type WorldEndpoints } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { percentile, printFigure } from './figure.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

const ROTATIONS = 3;
const LOGINS_PER_SECOND = Number(process.env.BENCH_LOGINS_PER_SECOND ?? 10);
const TENANT = 'bench-rotation';

// The world runs in its own process (`npm run world`), as the service a user signs in to: its
// emulators then do not share this process's one thread with the sign-ins' clients and the rotation.
const child = spawn(process.execPath, ['--import', 'tsx', 'local/world-cli.ts'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const endpoints = await new Promise<WorldEndpoints>((resolve, reject) => {
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const line = text.split('\n').find((l) => l.startsWith('{'));
    if (line) resolve(JSON.parse(line) as WorldEndpoints);
  });
  child.on('exit', (code) => reject(new Error(`the world exited (${code}) before it was up`)));
});
try {
  await prepareWorld(endpoints);
  const clients = worldStepClients(endpoints);
  const handlers = await localHandlers(clients);
  const input = await localTenantSpec(endpoints, clients, {
    tenantId: TENANT,
    cognito: { callbackUrls: [`https://${TENANT}.example/cb`] },
  });
  const provisioned = await runStateMachine('provision-tenant', input, { handlers });
  if (provisioned.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${provisioned.cause}`);
  const record = await clients.registry.get(TENANT);
  if (!record) throw new Error('the tenant is not registered');
  const spec = parseTenantSpec(record.spec, clients.deployment);
  const baseUrl = hostedUiBaseUrl(endpoints);

  // A sign-in as Cognito's idpresponse completes one: the user signs in at Authentik (the headless
  // login, through the flow executor) and Authentik sends a code; Cognito reads the client secret its
  // identity provider holds and exchanges the code at Authentik's token endpoint with it. The
  // identity provider is read on every sign-in, straight from moto as Cognito's own service reads it
  // (local/hosted-ui/pool-reads.ts), not through the API's quotas.
  const authentik = await clients.authentik(spec);
  const provider = await getProvider(authentik, record.resources.providerPk as number);
  const password = await readSecretJson(
    clients.secretsFor(TENANT),
    record.resources.testUserPasswordSecretArn as string,
    storedPassword,
  );
  const cognito = new CognitoIdentityProviderClient({
    // moto itself, which serves Secrets Manager and Cognito alike behind the strict layer.
    endpoint: endpoints.secretsManager,
    region: endpoints.region,
    credentials: localCredentials,
  });
  const redirectUri = record.resources.redirectUri as string;
  const origin = spec.authentik.baseUrl;
  const signIn = async (): Promise<boolean> => {
    try {
      const authorize = new URL('/application/o/authorize/', origin);
      authorize.search = new URLSearchParams({
        client_id: provider?.client_id ?? '',
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid email profile',
        state: randomBytes(8).toString('hex'),
      }).toString();
      const landed = new URL(
        await headlessLogin({
          baseUrl: origin,
          authorizeUrl: authorize.href,
          username: password.username,
          password: password.password,
          redirectUri,
          deployment: clients.deployment,
        }),
      );
      const code = landed.searchParams.get('code') ?? '';
      const idp = await cognito.send(
        new DescribeIdentityProviderCommand({
          UserPoolId: record.resources.userPoolId,
          ProviderName: record.resources.identityProviderName,
        }),
      );
      const details = idp.IdentityProvider?.ProviderDetails ?? {};
      const token = await fetch(new URL('/application/o/token/', origin), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: details.client_id ?? '',
          client_secret: details.client_secret ?? '',
        }).toString(),
      });
      if (token.status !== 200 && process.env.BENCH_DEBUG) process.stderr.write(`# token ${token.status}\n`);
      return token.status === 200;
    } catch (error) {
      if (process.env.BENCH_DEBUG) process.stderr.write(`# ${String(error)}\n`);
      return false;
    }
  };
  const t0 = performance.now();
  for (let i = 0; i < 5; i += 1) {
    if (!(await signIn())) throw new Error('a sign-in fails before any rotation: nothing to measure');
  }
  process.stderr.write(`# one sign-in alone: ${((performance.now() - t0) / 5).toFixed(0)} ms\n`);

  let writes: { authentik?: number; cognito?: number } = {};
  const rotation = localRotation(clients, {
    hostedUiBaseUrl: baseUrl,
    // Secrets Manager tries a failed step again (testSecret's sign-ins may time out under the load).
    attempts: 2,
    onWrite: (side, at) => {
      writes[side] = at;
    },
  });

  const failures: number[] = [];
  const windows: number[] = [];
  let total = 0;
  for (let round = 0; round < ROTATIONS; round += 1) {
    writes = {};
    const logins: Promise<boolean>[] = [];
    let rotating = true;
    const started = performance.now();
    // A sign-in every 100 ms from before the rotation starts until it has finished.
    const timer = setInterval(() => {
      if (rotating) logins.push(signIn());
    }, 1000 / LOGINS_PER_SECOND);
    logins.push(signIn());
    const run = await rotation.rotate(TENANT, 'oidc-client').finally(() => {
      rotating = false;
      clearInterval(timer);
    });
    const outcomes = await Promise.all(logins);
    if (run.steps.map((s) => s.outcome).join() !== 'created,set,tested,finished') {
      throw new Error(`rotation ${round + 1} ended ${run.steps.map((s) => s.outcome).join()}`);
    }
    if (writes.authentik === undefined || writes.cognito === undefined)
      throw new Error('a side was not written');
    windows.push(Math.abs(writes.authentik - writes.cognito));
    failures.push(outcomes.filter((ok) => !ok).length);
    total += outcomes.length;
    process.stderr.write(
      `# rotation ${round + 1}: ${outcomes.length} sign-ins over ${Math.round(performance.now() - started)} ms, ` +
        `${failures.at(-1)} failed, write window ${windows.at(-1)?.toFixed(1)} ms\n`,
    );
  }
  process.stdout.write(`failed logins during rotation: ${Math.max(...failures)}\n`);
  printFigure('authentik-to-cognito write window', Math.max(...windows), 'ms');
  printFigure('authentik-to-cognito write window p50', percentile(windows, 50), 'ms');
  printFigure('logins during rotations', total, 'logins');
} finally {
  child.kill('SIGTERM');
}
