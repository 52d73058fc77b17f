// The guide's "Test it" in a real browser (Debian's headless Chromium, driven by playwright-core):
// the demo app's page, its "Sign in with Authentik" button, Cognito's hosted UI (the local world's),
// the emulator's login page (identification, password, consent), Cognito's idpresponse, and back to
// the demo app signed in as the test user. The local world has no DNS or TLS for the pool's domain,
// so the browser resolves it to the world's domain front (local/hosted-ui/domain-front.ts), which
// answers as the hosted UI serving that domain; nothing else is rewritten. A screenshot is kept in
// test-results/test-it/.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../local/demo/server.ts';
import { localHandlers } from '../../local/handlers.ts';
import { type DomainFront, startDomainFront } from '../../local/hosted-ui/domain-front.ts';
import { runStateMachine } from '../../local/runner.ts';
import { testUserCredentials } from '../../local/test-user.ts';
import { CHROMIUM, CHROMIUM_ARGS, launchChromium } from '../support/chromium.ts';
import { useWorld } from '../support/world.ts';

const OUTPUT = resolve('test-results/test-it');
const fixture = useWorld();
let demo: DemoApp;
let browser: Browser | undefined;
let domain: string;
let email: string;
let username: string;
let password: string;
let front: DomainFront;

beforeAll(async () => {
  demo = await startDemoApp();
  const spec = await fixture.tenant('tib-acme', {
    cognito: { callbackUrls: [demo.callbackUrl] },
  });
  (spec.authentik as Record<string, unknown>).authorizationFlow =
    'default-provider-authorization-explicit-consent';
  const handlers = await localHandlers(fixture.clients);
  const result = await runStateMachine('provision-tenant', spec, { handlers });
  if (result.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${result.cause}`);
  const record = await fixture.clients.registry.get('tib-acme');
  const resources = record?.resources ?? {};
  // The pool's domain host, as the guide's login URL names it.
  domain = new URL(resources.loginUrl as string).host;
  if (!record) throw new Error('tib-acme is not registered');
  ({ username, email, password } = await testUserCredentials(fixture.clients.secrets, record));
  demo.use({
    domainUrl: `${fixture.world.endpoints.hostedUi}/${domain}`,
    hostedUi: fixture.world.endpoints.hostedUi,
    appClientId: resources.appClientId as string,
    identityProviderName: resources.identityProviderName as string,
  });
  front = await startDomainFront(fixture.world.endpoints.hostedUi);
  mkdirSync(OUTPUT, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  await front?.stop();
});

describe('Test it, in a browser', () => {
  it('demo app → hosted UI → Authentik login and consent → back to the demo app, signed in', async () => {
    // Fails, saying how to install it, where Chromium is missing.
    await launchChromium().then((checked) => checked.close());
    // DNS and TLS for the pool's domain: it resolves to a loopback HTTPS server that answers as
    // the world's hosted UI serving that domain.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, ...front.chromiumFlags([domain])],
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(demo.url);
    await page.getByText('Sign in with Authentik').click();

    // The emulator's login page: identification, then password, then the explicit consent.
    await page.getByLabel('Username or email').fill(username);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    // Consent, where the authorization flow asks for it; the page then follows Authentik's
    // redirect to Cognito's idpresponse, and Cognito's to the demo app.
    // By its stage: the password form's own "Continue" stays on the page until its answer is rendered.
    const consent = page.locator('form[data-component="ak-stage-consent"] button');
    const signedIn = page.waitForURL(`${demo.callbackUrl}?**`);
    if (
      (await Promise.race([signedIn.then(() => 'in'), consent.waitFor().then(() => 'consent')])) === 'consent'
    ) {
      await consent.click();
    }
    await signedIn;
    await page.screenshot({ path: `${OUTPUT}/signed-in.png`, fullPage: true });
    expect(await page.locator('#email').textContent()).toBe(email);
    expect(await page.locator('#username').textContent()).toMatch(/^authentik-tib-acme_.+/);
    expect(await page.locator('#signature').textContent()).toBe('valid');
    const claims = JSON.parse((await page.locator('#claims').textContent()) ?? '{}');
    expect(claims).toMatchObject({
      token_use: 'id',
      iss: expect.stringMatching(/^https:\/\/cognito-idp\.us-east-1\.amazonaws\.com\/us-east-1_/),
      identities: [expect.objectContaining({ providerName: 'authentik-tib-acme', providerType: 'OIDC' })],
    });
    // No password anywhere on the page the app shows.
    expect(await page.content()).not.toContain(password);
  });
});
