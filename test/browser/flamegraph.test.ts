// The interactive flame graph in a real browser: Debian's chromium driven by playwright-core.
// Opens generated pages from file:// URLs (as a user would open a saved report), checks what is
// drawn through the viewer's query hooks and the canvas pixels, zooms, searches, and measures a
// 100,000-stack profile. Screenshots go to test-artifacts/ for people to look at.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readFolded } from '../../src/formats/folded.js';
import { writeHtml } from '../../src/formats/html.js';
import { MATCH_COLOUR, frameColour } from '../../src/formats/palette.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import { largeProfile } from '../support/large-profile.js';

const CHROMIUM = '/usr/bin/chromium';
const root = new URL('../../../', import.meta.url);
const artifacts = fileURLToPath(new URL('test-artifacts/', root));
const fixture = readFileSync(new URL('src/formats/testdata/fixture.folded', root), 'utf8');

interface FrameInfo {
  index: number;
  name: string;
  kind: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`${CHROMIUM} is missing: install the Debian package "chromium" (apt-get install chromium) to run the browser tests`);
  }
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  // playwright gives every launch a fresh temporary profile and removes it on close.
  await browser?.close();
});

async function open(html: string, file: string): Promise<{ page: Page; errors: string[] }> {
  const path = join(artifacts, file);
  writeFileSync(path, html);
  const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request ${r.url()}`));
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  return { page, errors };
}

const frames = (page: Page): Promise<FrameInfo[]> => page.evaluate('window.fluoroFlame.visibleFrames()') as Promise<FrameInfo[]>;
const find = async (page: Page, name: string): Promise<FrameInfo> => {
  const f = (await frames(page)).find((x) => x.name === name);
  assert.ok(f, `frame ${name} is drawn`);
  return f;
};

/** The canvas pixel at a point in CSS pixels, as #rrggbb. */
async function pixel(page: Page, x: number, y: number): Promise<string> {
  return (await page.evaluate(`(() => {
    const c = document.getElementById('flame');
    const r = window.devicePixelRatio || 1;
    const d = c.getContext('2d').getImageData(Math.round(${x} * r), Math.round(${y} * r), 1, 1).data;
    return '#' + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
  })()`)) as string;
}

function near(a: string, b: string): boolean {
  const ch = (s: string, i: number): number => parseInt(s.slice(1 + 2 * i, 3 + 2 * i), 16);
  return [0, 1, 2].every((i) => Math.abs(ch(a, i) - ch(b, i)) <= 3);
}

async function clickFrame(page: Page, f: FrameInfo): Promise<void> {
  const box = (await page.locator('#flame').boundingBox())!;
  await page.mouse.click(box.x + f.x + Math.min(f.width / 2, 40), box.y + f.y + f.height / 2);
}

test('draws, zooms, searches and explains frames', async () => {
  const { page, errors } = await open(writeHtml(readFolded(fixture), { title: 'CPU flame graph: nginx worker 4242' }), 'flamegraph.html');
  const canvasWidth = (await page.locator('#flame').boundingBox())!.width;

  const gcd = await find(page, 'gcd @balancer.lua:41');
  assert.equal(gcd.kind, 'lua');
  assert.equal(gcd.value, 90);
  assert.ok(Math.abs(gcd.width - (canvasWidth * 90) / 120) < 2, `gcd is 75% wide (${gcd.width} of ${canvasWidth})`);
  const cx = gcd.x + gcd.width / 2;
  const cy = gcd.y + gcd.height / 2;
  assert.ok(near(await pixel(page, cx, cy - 5), frameColour('lua', 'gcd @balancer.lua:41')), 'gcd is painted in its Lua colour');
  const kernel = await find(page, 'do_syscall_64');
  assert.ok(near(await pixel(page, kernel.x + 2, kernel.y + 3), frameColour('kernel', 'do_syscall_64')), 'kernel colour');
  const at = (await page.evaluate(`window.fluoroFlame.frameAt(${cx}, ${cy})`)) as FrameInfo;
  assert.equal(at.name, 'gcd @balancer.lua:41');

  // Hover shows the tooltip with name, value and share.
  const box = (await page.locator('#flame').boundingBox())!;
  await page.mouse.move(box.x + cx, box.y + cy);
  const tip = await page.locator('.fluoro-tip').innerText();
  assert.match(tip, /gcd @balancer\.lua:41[\s\S]*Lua[\s\S]*90 samples · 75\.00%/);

  // Click to zoom: the clicked frame and its only child now span the whole width.
  await clickFrame(page, await find(page, 'balance @balancer.lua:20'));
  const zoomed = (await page.evaluate('window.fluoroFlame.zoomed()')) as FrameInfo;
  assert.equal(zoomed.name, 'balance @balancer.lua:20');
  for (const name of ['balance @balancer.lua:20', 'gcd @balancer.lua:41', 'main']) {
    const f = await find(page, name);
    assert.ok(f.x < 0.5 && Math.abs(f.width - canvasWidth) < 0.5, `${name} spans the width after zoom`);
  }
  assert.equal((await frames(page)).some((f) => f.name === 'tostring'), false, 'siblings outside the zoom are hidden');
  assert.ok((await page.locator('#crumb').innerText()).includes('balance @balancer.lua:20'));
  await page.click('#reset');
  assert.equal(((await page.evaluate('window.fluoroFlame.zoomed()')) as FrameInfo).index, 0);
  assert.equal(await page.locator('#reset').isDisabled(), true);

  // Search: substring, regex, and nested matches counted once.
  const search = async (q: string): Promise<string> => {
    await page.fill('#search', q);
    await page.press('#search', 'Enter');
    return page.locator('#match').innerText();
  };
  assert.equal(await search('gcd'), 'Matched 75.00%');
  assert.ok(near(await pixel(page, cx, cy - 5), MATCH_COLOUR), 'matches are highlighted');
  assert.equal(await search('^(tostring|string\\.format)$'), 'Matched 7.50%');
  assert.equal(await search('lua'), 'Matched 92.50%', 'a match inside a match is not counted twice');
  assert.equal(await search('no such function'), 'Matched 0.00%');
  await search('');
  assert.equal(await page.locator('#match').innerText(), '');

  await page.mouse.move(box.x + cx, box.y + cy);
  await page.screenshot({ path: join(artifacts, 'flamegraph.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

// How fast is reported, not asserted here: timing on a shared 2-core machine belongs to benchmarks.
test('a profile of 100,000 distinct stacks loads, draws, searches and zooms', async (t) => {
  const p = largeProfile(100_000);
  assert.equal(p.samples.length, 100_000);
  const t0 = performance.now();
  const html = writeHtml(p, { title: '100,000 distinct stacks' });
  const writeMs = performance.now() - t0;
  const t1 = performance.now();
  const { page, errors } = await open(html, 'flamegraph-100k.html');
  const loadMs = performance.now() - t1;
  const drawMs = (await page.evaluate('window.fluoroFlame.lastDrawMs')) as number;
  const nodes = (await page.evaluate('window.fluoroFlame.nodeCount')) as number;
  t.diagnostic(`100k stacks: ${(html.length / 1e6).toFixed(2)} MB of HTML, ${nodes} nodes, written in ${writeMs.toFixed(0)} ms, loaded in ${loadMs.toFixed(0)} ms, one draw ${drawMs.toFixed(1)} ms`);
  assert.ok((await frames(page)).length > 100, 'frames are drawn');
  const t2 = performance.now();
  await page.fill('#search', 'op_1');
  await page.press('#search', 'Enter');
  assert.match(await page.locator('#match').innerText(), /^Matched \d+\.\d\d%$/);
  t.diagnostic(`search answered in ${(performance.now() - t2).toFixed(0)} ms`);
  await clickFrame(page, await find(page, 'route3 @app/routes.lua:13'));
  assert.equal(((await page.evaluate('window.fluoroFlame.zoomed()')) as FrameInfo).name, 'route3 @app/routes.lua:13');
  await page.screenshot({ path: join(artifacts, 'flamegraph-100k.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
