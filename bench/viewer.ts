// The interactive flame graph page on a large profile, in Debian's chromium driven by
// playwright-core: how long fluoro takes to write it, how long the page takes to load and draw,
// to redraw, and to answer a search. (test/browser/flamegraph.test.ts checks that it works; speed
// is measured here.)

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeHtml } from '../src/formats/html.js';
import { largeProfile } from '../test/support/large-profile.js';

const CHROMIUM = '/usr/bin/chromium';

export interface ViewerRecord {
  stacks: number;
  htmlBytes: number;
  nodes: number;
  writeMs: number[];
  /** From navigation to the first drawing done. */
  loadMs: number[];
  /** One full redraw, as the page measures it. */
  drawMs: number[];
  /** From typing a search to the matched share shown. */
  searchMs: number[];
  error?: string;
}

export async function benchViewer(dir: string, reps: number, stacks = 100_000): Promise<ViewerRecord> {
  const rec: ViewerRecord = { stacks, htmlBytes: 0, nodes: 0, writeMs: [], loadMs: [], drawMs: [], searchMs: [] };
  if (!existsSync(CHROMIUM)) return { ...rec, error: `${CHROMIUM} is missing (./setup.sh installs it)` };
  const profile = largeProfile(stacks);
  mkdirSync(dir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const html = writeHtml(profile, { title: `${stacks} distinct stacks` });
      rec.writeMs.push(performance.now() - t0);
      rec.htmlBytes = Buffer.byteLength(html);
      const path = join(dir, `viewer-${i}.html`);
      writeFileSync(path, html);
      const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
      const t1 = performance.now();
      await page.goto(pathToFileURL(path).href);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      rec.loadMs.push(performance.now() - t1);
      rec.drawMs.push((await page.evaluate('window.fluoroFlame.lastDrawMs')) as number);
      rec.nodes = (await page.evaluate('window.fluoroFlame.nodeCount')) as number;
      const t2 = performance.now();
      await page.fill('#search', `op_${100 + i}`);
      await page.press('#search', 'Enter');
      await page.waitForFunction(`/^Matched/.test(document.querySelector('#match').textContent)`, undefined, { timeout: 60_000 });
      rec.searchMs.push(performance.now() - t2);
      await page.close();
    }
  } catch (e) {
    rec.error = (e as Error).message.split('\n')[0];
  } finally {
    await browser.close();
  }
  return rec;
}
