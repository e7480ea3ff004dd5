// Debian's chromium for the console's browser tests, launched headless and closed by the test.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

export async function launchBrowser(t: { after(fn: () => unknown): void }): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install the Debian package "chromium" to run the console tests`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  return browser;
}

/** A page that records script errors and failed requests, for the test to assert none happened. */
export async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|409/.test(m.text())) errors.push(m.text());
  });
  return { page, errors };
}

export async function ready(page: Page, pageName: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`body[data-page="${pageName}"][data-ready="1"]`, { timeout });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}console-${name}.png`, fullPage: false });
}
