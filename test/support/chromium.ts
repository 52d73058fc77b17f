// Debian's Chromium for the tests that render a page in a real browser, driven by playwright-core
// (which downloads no browser). Missing, it is a failure that says how to install it, never a skip:
// a test that quietly did not run would pass a broken page.
//
// The headless shell (Debian's `chromium-headless-shell`, built from the same Chromium source and
// version as its `chromium` package: the same Blink, V8 and network stack) without the desktop
// browser around it; it is what playwright itself runs for a headless browser. On a 2-core machine it
// takes a third less time per page than the full browser in headless mode (the test-it bench prints
// both).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium-headless-shell';
/** The full browser, in headless mode (the bench compares it, where it is installed). */
export const CHROMIUM_BROWSER = '/usr/bin/chromium';

/** Flags for a quiet, self-contained headless run: no sandbox (containers), no GPU, no network of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Chromium at `executablePath`, with a fresh temporary profile (playwright's default). */
export async function launchChromium(executablePath: string = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is missing (${executablePath}): this test renders a page in a real browser. ` +
        'Install it with `sudo apt-get install -y chromium-headless-shell` (Debian; as root without sudo), ' +
        'as .ci/run does on a fresh machine, and run the test again.',
    );
  }
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}
