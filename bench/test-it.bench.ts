// The guide's "Test it" in the local world, end to end: from the hosted-UI authorize URL to the app
// signed in (its callback page showing the test user's email), in headless Chromium through the
// demo app, the local hosted UI and the emulator's login page; and the same sign-in without a
// browser (the verification's hosted-UI check alone). p50 over 20 runs each, a fresh browser
// context (no Authentik session) per run.
import { performance } from 'node:perf_hooks';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { chromium } from 'playwright-core';
import { headlessLogin } from '#lib/authentik/headless-login.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import { startDemoApp } from '../local/demo/server.ts';
import { localHandlers } from '../local/handlers.ts';
import { startDomainFront } from '../local/hosted-ui/domain-front.ts';
import { runStateMachine } from '../local/runner.ts';
import { hostedUiBaseUrl, startWorld } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium.ts';
import { percentile, printFigure } from './figure.ts';

const RUNS = 20;
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const world = await startWorld();
const demo = await startDemoApp();
const front = await startDomainFront(world.endpoints.hostedUi);
try {
  await prepareWorld(world.endpoints);
  const clients = worldStepClients(world.endpoints);
  const spec = await localTenantSpec(world.endpoints, clients, {
    tenantId: 'bench-test-it',
    cognito: { callbackUrls: [demo.callbackUrl] },
  });
  const result = await runStateMachine('provision-tenant', spec, { handlers: await localHandlers(clients) });
  if (result.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${result.cause}`);
  const record = await clients.registry.get('bench-test-it');
  if (!record) throw new Error('bench-test-it is not registered');
  const resources = record.resources;
  const domain = new URL(resources.loginUrl as string).host;
  const testUser = (record.spec as { authentik: { testUser: { username: string; email: string } } }).authentik
    .testUser;
  const stored = await clients.secrets.send(
    new GetSecretValueCommand({ SecretId: resources.testUserPasswordSecretArn }),
  );
  const { username = testUser.username, password } = JSON.parse(stored.SecretString ?? '{}');
  demo.use({
    domainUrl: `${world.endpoints.hostedUi}/${domain}`,
    hostedUi: world.endpoints.hostedUi,
    appClientId: resources.appClientId as string,
    identityProviderName: resources.identityProviderName as string,
  });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...front.chromiumFlags([domain])],
  });
  const inBrowser: number[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const started = performance.now();
      // /login sends the browser to the hosted UI's authorize URL.
      await page.goto(`${demo.url}/login`);
      await page.getByLabel('Username or email').fill(username);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`${demo.callbackUrl}?**`);
      const email = await page.locator('#email').textContent();
      inBrowser.push(performance.now() - started);
      if (email !== testUser.email) throw new Error(`signed in as ${email}, not ${testUser.email}`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  printFigure(
    'test-it in headless Chromium (authorize → signed in at the app) p50',
    percentile(inBrowser, 50),
    'ms',
  );

  // The same sign-in without a browser: authorize → Authentik (the product's headless login) →
  // idpresponse → the app's code → /oauth2/token.
  const base = `${world.endpoints.hostedUi}/${domain}`;
  const withoutBrowser: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const authorize = new URL(`${base}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      identity_provider: resources.identityProviderName as string,
      redirect_uri: demo.callbackUrl,
      response_type: 'code',
      client_id: resources.appClientId as string,
      scope: 'openid email',
    }).toString();
    const toAuthentik = await fetch(authorize, { redirect: 'manual' });
    const idpresponse = new URL(
      await headlessLogin({
        baseUrl: world.endpoints.authentik,
        authorizeUrl: toAuthentik.headers.get('location') ?? '',
        username,
        password,
        redirectUri: `https://${domain}/oauth2/idpresponse`,
        fetch,
      }),
    );
    const back = await fetch(`${base}${idpresponse.pathname}${idpresponse.search}`, { redirect: 'manual' });
    const code = new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: resources.appClientId as string,
        code,
        redirect_uri: demo.callbackUrl,
      }).toString(),
    });
    if (tokens.status !== 200) throw new Error(`token endpoint: HTTP ${tokens.status}`);
    await tokens.arrayBuffer();
    withoutBrowser.push(performance.now() - started);
  }
  printFigure(
    'test-it without a browser (authorize → code → tokens) p50',
    percentile(withoutBrowser, 50),
    'ms',
  );

  const headless: number[] = [];
  const withHostedUi = { ...clients, hostedUiBaseUrl: hostedUiBaseUrl(world.endpoints) };
  for (let run = 0; run < RUNS; run += 1) {
    let took = 0;
    await verifyTenant('bench-test-it', withHostedUi, {
      onCheck: (check) => {
        if (check.id !== 'hosted-ui-login') return;
        if (check.status !== 'pass') throw new Error(`hosted-ui-login: ${check.message}`);
      },
    }).then((verification) => {
      took = verification.durationMs;
    });
    headless.push(took);
  }
  printFigure('verification in depth with the hosted-UI leg, per tenant p50', percentile(headless, 50), 'ms');
} finally {
  await Promise.allSettled([demo.stop(), front.stop()]);
  await world.stop();
}
