import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (package `chromium`); tests never download a browser of their own. */
export const CHROMIUM_PATH = process.env.MINGLIANG_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without a GPU or outside network: without the
 * background-networking ones Chromium keeps trying Google's hosts, and every try is refused here.
 * Playwright itself gives each launch a new empty profile directory (`--user-data-dir`), so no
 * state leaks between runs.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Debian Chromium through playwright-core. The caller closes it. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}
