// `federation report` end to end: tenants in a local world's registry, the command writes the page,
// and a real headless Chromium (Debian's, driven by playwright-core) renders it. What a person sees
// is asserted on the rendered DOM: each tenant with its status and state, hostile values shown as
// text (no element, no dialog), and no request beyond the file itself. A screenshot is kept in
// test-results/ for a look.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TenantRecord } from '#lib/registry-records.ts';
import { reportCommand } from '../../bin/report.ts';
import { launchChromium } from '../support/chromium.ts';
import { useWorld } from '../support/world.ts';

const OUTPUT = resolve('test-results/report');
const HOSTILE = `<script>alert("x")</script><img src=x onerror="alert(1)">`;

const fixture = useWorld();
let dir: string;
let browser: Browser | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'federation-report-'));
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

type NewRecord = Omit<TenantRecord, 'version' | 'updatedAt' | 'spec' | 'resources' | 'steps' | 'createdAt'>;

async function register(record: NewRecord): Promise<void> {
  const spec = await fixture.tenant(record.tenantId);
  await fixture.clients.registry.put({
    spec: spec as never,
    resources: {},
    steps: {},
    createdAt: new Date().toISOString(),
    ...record,
  });
}

describe('federation report', () => {
  it('fails, saying how to install it, where Chromium is missing (never a silent skip)', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(
      /Chromium is missing \(\/nonexistent\/chromium\).*apt-get install -y chromium-headless-shell`/,
    );
  });

  it('renders every tenant with its status and last verification in headless Chromium', async () => {
    const now = new Date().toISOString();
    await register({
      tenantId: 'rep-acme',
      status: 'active',
      lastVerification: { at: now, outcome: 'in-sync', state: 'verified' } as never,
    });
    await register({
      tenantId: 'rep-globex',
      status: 'active',
      lastVerification: {
        at: now,
        outcome: 'drifted',
        state: 'broken',
        checks: [{ id: 'issuer', status: 'fail', reason: 'ISSUER_MISMATCH', message: HOSTILE }],
      } as never,
    });
    await register({
      tenantId: 'rep-initech',
      status: 'failed',
      lastError: { step: 'ensure-group', errorName: 'ConflictError', message: HOSTILE, at: now },
    });

    const file = join(dir, 'report.html');
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);
    const code = await reportCommand
      .run({
        args: [file],
        options: { json: false, all: false, repair: false },
        out: { json: false, line: () => undefined },
        env: { FEDERATION_WORLD: JSON.stringify(fixture.world.endpoints) },
      })
      .finally(() => vi.restoreAllMocks());
    expect(code).toBe(0);
    expect(printed.join('')).toBe(`${file}\n`);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(file).href);

    await expect(page.title()).resolves.toBe('Federation report');
    /** What a person sees of an element: its rendered text. */
    const visibleText = (locator: Locator) =>
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what the test is about, and this is Playwright's innerText, not the DOM property
      locator.innerText();
    const row = (tenantId: string) =>
      page.locator('tbody tr').filter({ has: page.locator('th', { hasText: tenantId }) });
    await expect(visibleText(row('rep-acme'))).resolves.toMatch(/active\s+verified/);
    await expect(visibleText(row('rep-globex'))).resolves.toMatch(/active\s+broken/);
    await expect(visibleText(row('rep-globex'))).resolves.toContain(`ISSUER_MISMATCH issuer: ${HOSTILE}`);
    await expect(visibleText(row('rep-initech'))).resolves.toMatch(/failed\s+never verified/);
    await expect(visibleText(row('rep-initech'))).resolves.toContain(
      `ConflictError at ensure-group: ${HOSTILE}`,
    );
    await expect(page.locator('tbody tr').count()).resolves.toBe(3);
    // The hostile values stayed text: no element was made of them, nothing ran, nothing was fetched.
    await expect(page.locator('script, img').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    // The states are styled (the inline CSS applied): a broken badge is not on a white background.
    const brokenBackground = await row('rep-globex')
      .locator('.badge.bad')
      .evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).backgroundColor);
    expect(brokenBackground).not.toBe('rgba(0, 0, 0, 0)');

    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = join(OUTPUT, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(1000);
  });
});
