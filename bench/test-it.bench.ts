// The guide's "Test it" in the local world, end to end: from the hosted-UI authorize URL to the app
// signed in (its callback page showing the test user's email), in headless Chromium through the
// demo app, the local hosted UI and the emulator's login page; and the same sign-in without a
// browser (the verification's hosted-UI check alone). p50 over 20 runs each; each browser run
// starts without an Authentik session. The headline's clock starts when the browser sends the
// authorize request (the span the figure is defined on); a second figure starts it at the demo's
// "Sign in", one redirect earlier.

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { headlessLogin } from '#lib/authentik/headless-login.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import { startDemoApp } from '../local/demo/server.ts';
import { localHandlers } from '../local/handlers.ts';
import { startDomainFront } from '../local/hosted-ui/domain-front.ts';
import { runStateMachine } from '../local/runner.ts';
import { testUserCredentials } from '../local/test-user.ts';
import { hostedUiBaseUrl, startWorld } from '../local/world.ts';
import { localTenantSpec, prepareWorld, worldStepClients } from '../local/world-clients.ts';
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_BROWSER } from '../test/support/chromium.ts';
import { percentile, printFigure, printReferenceLoops, referenceLoops } from './figure.ts';

const RUNS = 20;

// Chromium isolates pages by site (scheme and registrable domain, the port ignored) and gives a
// page of another site a renderer process of its own. The tenant is provisioned with Authentik at
// `http://localhost:<port>` (the same emulator, by the name the demo app has: Authentik builds its
// issuer and URLs from the Host it is asked on, so the issuer Cognito checks is that one too), so
// the login page and the app's pages are one site and share a renderer; only the pool's domain is
// another site, and the browser only passes through it (redirects commit no page).
//
// The headline is Chromium as the tests launch it: Debian's headless shell, with the tests' flags (no
// sandbox, GPU, QUIC, first run, background networking, component update or sync; playwright adds
// --disable-extensions and --disable-back-forward-cache). The second figure is Debian's full
// browser in headless mode, the same engine with the desktop browser around it, where it is
// installed. Measured on the full browser and left out, each within the noise: --process-per-site,
// --single-process (slower), --renderer-process-limit=1 with site isolation off, --no-zygote,
// --disable-gpu-compositing, --disable-features=PaintHolding, the network service in the browser
// process.
const CONFIGURATIONS: readonly (readonly [label: string, executable: string])[] = [
  ['headless shell', CHROMIUM],
  ['the full browser, headless', CHROMIUM_BROWSER],
];

// A person on the emulator's login page, in the tab itself (installed for every document, so it
// asks nothing of playwright during the sign-in): on an Authentik flow page, each form as it
// appears gets its field typed and its button pressed: the username, then the password, then the
// consent's (a form with no field) if it is asked for. The page then follows Authentik's redirect.
const PERSON_ON_LOGIN_PAGE = `({ username, password, callbackUrl }) => {
  // Back at the app: what its callback page shows, told to the bench once the page is parsed.
  if (location.href.startsWith(callbackUrl + '?')) {
    document.addEventListener('DOMContentLoaded', () => {
      const shown = document.getElementById('email') || document.getElementById('error');
      window.signedInAs(shown ? shown.textContent : '');
    });
    return;
  }
  const pressed = new WeakSet();
  const act = () => {
    if (!document.querySelector('ak-flow-executor')) return;
    for (const form of document.querySelectorAll('form')) {
      if (pressed.has(form)) continue;
      const user = form.querySelector('input[name=uid_field]');
      const secret = form.querySelector('input[name=password]');
      if (user) user.value = username;
      else if (secret) secret.value = password;
      else if (form.querySelector('input')) continue;
      pressed.add(form);
      form.querySelector('button[type=submit]').click();
    }
  };
  new MutationObserver(act).observe(document, { childList: true, subtree: true });
}`;
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
// How fast the machine is, before and after: the browser's figure moves with it (figure.ts).
const referenceBefore = await referenceLoops();
const world = await startWorld();
const demo = await startDemoApp();
const front = await startDomainFront(world.endpoints.hostedUi);
try {
  await prepareWorld(world.endpoints);
  const clients = worldStepClients(world.endpoints);
  const authentikOnAppSite = world.endpoints.authentik.replace('//127.0.0.1:', '//localhost:');
  const spec = await localTenantSpec({ ...world.endpoints, authentik: authentikOnAppSite }, clients, {
    tenantId: 'bench-test-it',
    cognito: { callbackUrls: [demo.callbackUrl] },
  });
  const result = await runStateMachine('provision-tenant', spec, { handlers: await localHandlers(clients) });
  if (result.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${result.cause}`);
  const record = await clients.registry.get('bench-test-it');
  if (!record) throw new Error('bench-test-it is not registered');
  const resources = record.resources;
  const domain = new URL(resources.loginUrl as string).host;
  const testUser = await testUserCredentials(clients.secrets, record);
  const { username, password } = testUser;
  demo.use({
    domainUrl: `${world.endpoints.hostedUi}/${domain}`,
    hostedUi: world.endpoints.hostedUi,
    appClientId: resources.appClientId as string,
    identityProviderName: resources.identityProviderName as string,
  });

  // A person's browser stays open between sign-ins: one browser, one context, one tab for all the
  // runs, so its connections and processes are warm, as they are for a person. Each run still does
  // the whole sign-in: the cookies are cleared first (what a person signed out of Authentik sees),
  // so Authentik asks for the username and password again.
  const signIns = async (executablePath: string) => {
    const browser = await chromium.launch({
      executablePath,
      args: [...CHROMIUM_ARGS, ...front.chromiumFlags([domain])],
    });
    // From the demo's "Sign in" (its /login, which redirects to the hosted UI's authorize URL), and
    // from that authorize request as the browser sent it (the span the figure is defined on).
    const times: number[] = [];
    const fromAuthorize: number[] = [];
    let authorizeSentAt = 0;
    // Per phase, from the requests the tab sends (ms since the run started).
    const phases = new Map<string, number[]>();
    const marks = new Map<string, number>();
    let started = 0;
    const mark = (name: string) => {
      if (!marks.has(name)) marks.set(name, performance.now() - started);
    };
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      let signedInAs: (email: string) => void = () => undefined;
      await page.exposeFunction('signedInAs', (email: string) => signedInAs(email));
      await page.addInitScript({
        content: `(${PERSON_ON_LOGIN_PAGE})(${JSON.stringify({ username, password, callbackUrl: demo.callbackUrl })})`,
      });
      // The browser's own clock for when it sent the authorize request (epoch ms; known once the
      // request is done), not the request event's arrival here, which trails it by however long
      // the driver took to hear of it.
      page.on('requestfinished', (request) => {
        if (authorizeSentAt === 0 && request.url().includes('/oauth2/authorize'))
          authorizeSentAt = request.timing().startTime;
      });
      page.on('request', (request) => {
        const url = request.url();
        if (url.includes('/oauth2/authorize')) mark('hosted UI authorize');
        else if (url.includes('/api/v3/flows/executor/') && request.method() === 'GET') mark('login form');
        else if (url.includes('/api/v3/flows/executor/') && request.method() === 'POST') {
          if (marks.has('username sent')) mark('password sent');
          else mark('username sent');
        } else if (url.includes('/application/o/authorize/') && marks.has('password sent'))
          mark('back at Authentik authorize');
        else if (url.startsWith(`https://${domain}/oauth2/idpresponse`)) mark('idpresponse');
        else if (url.startsWith(demo.callbackUrl)) mark('app callback');
      });
      for (let run = 0; run < RUNS; run += 1) {
        await context.clearCookies();
        marks.clear();
        authorizeSentAt = 0;
        started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const shown = Promise.race([
          new Promise<string>((resolve) => {
            signedInAs = resolve;
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('not back at the app within 15 s')), 15_000);
          }),
        ]);
        // /login sends the browser to the hosted UI's authorize URL, and on to Authentik's login
        // page, where the person above signs in; the app's callback page then says who signed in.
        await page.goto(`${demo.url}/login`, { waitUntil: 'commit' });
        const email = await shown.finally(() => clearTimeout(timer));
        const endedAt = performance.now();
        const took = endedAt - started;
        times.push(took);
        if (authorizeSentAt === 0) throw new Error('the browser reported no hosted-UI authorize request');
        fromAuthorize.push(performance.timeOrigin + endedAt - authorizeSentAt);
        if (email !== testUser.email) throw new Error(`signed in as ${email}, not ${testUser.email}`);
        let last = 0;
        for (const [name, at] of [...marks, ['signed in', took] as const]) {
          phases.set(name, [...(phases.get(name) ?? []), at - last]);
          last = at;
        }
      }
    } finally {
      await browser.close();
    }
    return { times, fromAuthorize, phases };
  };

  for (const [index, [label, executable]] of CONFIGURATIONS.entries()) {
    if (index > 0 && !existsSync(executable)) {
      console.log(`(${label}: ${executable} is not installed; not measured)`);
      continue;
    }
    const inBrowser = await signIns(executable);
    printFigure(
      `test-it in Chromium, ${label} (authorize → signed in at the app) p50`,
      percentile(inBrowser.fromAuthorize, 50),
      'ms',
    );
    printFigure(
      `test-it in Chromium, ${label} (the demo's Sign in → signed in at the app) p50`,
      percentile(inBrowser.times, 50),
      'ms',
    );
    if (index > 0) continue;
    for (const [name, took] of inBrowser.phases) {
      printFigure(`test-it in Chromium, ${label}, up to ${name}, p50`, percentile(took, 50), 'ms');
    }
  }

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
        baseUrl: authentikOnAppSite,
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
    // One verification a second: the runs above and each verification read the same pool, and
    // back to back they would pass Cognito's per-pool read quota (as moto answers faster now), which
    // the scheduled verification's pacing keeps to. Each run's own duration is what is measured.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
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
  printReferenceLoops('before', referenceBefore);
  printReferenceLoops('after', await referenceLoops());
} finally {
  await Promise.allSettled([demo.stop(), front.stop()]);
  await world.stop();
}
