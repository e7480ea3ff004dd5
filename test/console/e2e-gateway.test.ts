// The gateway incident from the console, in a real browser: the demo gateway (nginx + Lua, the
// balancer of examples/gateway) under traffic is broken with a weight that arrives as the string
// "0", and its worker spins in gcd(). From the Processes page a "Lua backtrace" with locals must
// show gcd and weight = "0"; an "Analyze" run must say so in a sentence and draw the flame graph
// of its profile. Both pages are saved as test-artifacts/console-luabt.png and console-analyze.png.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { injectBadWeight, startGateway, Traffic } from '../../src/demo/gateway.js';
import { bpfTest } from '../support/bpf.js';
import { ARTIFACTS, launchBrowser, newPage, ready } from './browser.js';
import { call, startConsoleProcess } from './console-process.js';

const TOKEN = 'e2e-gateway-token-0123456789';

/** CPU time (clock ticks) the process has used so far, from /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** The whole page: the report and the flame graph below it. */
async function fullShot(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: `${ARTIFACTS}console-${name}.png`, fullPage: true });
}

async function openForm(page: Page, url: string, pid: number, kind: string): Promise<void> {
  await page.goto(`${url}/#/processes`);
  await ready(page, 'processes');
  await page.fill('#ps-filter', String(pid));
  const row = page.locator(`#ps-table tr[data-pid="${pid}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Analyze' }).click();
  await page.waitForSelector('#run-dialog #f-kind');
  await page.selectOption('#f-kind', kind);
}

async function start(page: Page): Promise<number> {
  await page.click('#f-start');
  await page.waitForURL(/#\/runs\/\d+$/);
  return Number(/#\/runs\/(\d+)$/.exec(page.url())![1]);
}

bpfTest('console: Lua backtrace and Analyze of the spinning gateway worker name gcd and weight = "0"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-console-gw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gateway = await startGateway();
  t.after(() => gateway.stop());
  const traffic = new Traffic(gateway.url);
  t.after(() => traffic.stop());
  const worker = gateway.workerPid;
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(traffic.answered > 0, 'the gateway answers before it is broken');
  assert.match(await injectBadWeight(gateway.url), /./);
  // Wait until the worker spins: it uses a whole CPU for a while.
  const spinning = async () => {
    const a = cpuTicks(worker);
    await new Promise((r) => setTimeout(r, 500));
    return cpuTicks(worker) - a >= 20; // ≥ 40% of a CPU at 100 ticks a second, on a loaded machine
  };
  const deadline = Date.now() + 10_000;
  while (!(await spinning())) assert.ok(Date.now() < deadline, 'the worker spins after the bad weight');

  const consoleProc = await startConsoleProcess(t, join(dir, 'console.db'), TOKEN);
  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await page.goto(`${consoleProc.url}/#token=${TOKEN}`);
  await ready(page, 'processes');

  // Lua backtrace, with locals: the form draws the yes/no fields from /api/info.
  await openForm(page, consoleProc.url, worker, 'lua-bt');
  assert.equal(await page.isChecked('#f-locals'), true, 'locals are asked for by default');
  await page.fill('#f-samples', '20');
  await page.check('#f-upvalues');
  const bt = await start(page);
  await ready(page, 'run', 30_000);
  assert.match(await page.locator('#run-meta').innerText(), /done/);
  const first = page.locator('#luabt details.bt').first();
  assert.match(await first.locator('.bt-seen').innerText(), /^seen in \d+ of 20 snapshots$/);
  const gcd = first.locator('.bt-frame[data-name="gcd"]');
  assert.equal(await gcd.count(), 1, `gcd is a frame; got ${(await first.locator('.bt-fn').allInnerTexts()).join(' | ')}`);
  assert.match(await gcd.locator('.bt-at').innerText(), /gateway\/balancer\.lua:\d+$/);
  const weight = first.locator('.bt-frame[data-name="weights_gcd"] table[data-vars="locals"] tr[data-name="weight"]');
  assert.equal(await weight.locator('.var-value').innerText(), '"0"');
  assert.equal(await weight.locator('td').nth(2).innerText(), 'string');
  assert.match((await weight.getAttribute('class')) ?? '', /suspect/, 'the weight is highlighted');
  assert.match((await weight.getAttribute('title')) ?? '', /weight holds the string "0", not the number 0/);
  assert.equal(await first.locator('.bt-frame[data-name="weights_gcd"] table[data-vars="upvalues"] tr[data-name="gcd"]').count(), 1, 'upvalues are shown: weights_gcd sees gcd');
  const stored = await call(consoleProc, 'GET', `/api/runs/${bt}/result`);
  assert.equal(stored.json.type, 'lua-backtraces');
  assert.equal(stored.json.data.snapshots, 20);
  await fullShot(page, 'luabt');

  // Analyze: the report in words, the suspicious weight marked, the flame graph of its profile.
  await openForm(page, consoleProc.url, worker, 'analyze');
  await page.fill('#f-durationMs', '3');
  const an = await start(page);
  await page.waitForSelector('#run-progress', { timeout: 10_000 });
  await ready(page, 'run', 40_000);
  assert.match(await page.locator('#run-meta').innerText(), /done/);
  const findings = await page.locator('#findings li').allInnerTexts();
  assert.ok(findings.some((f) => /The hottest Lua code is gcd\(\) at \S*gateway\/balancer\.lua:\d+/.test(f)), findings.join('\n'));
  const weightSentence = findings.find((f) => /weight holds the string "0", not the number 0/.test(f));
  assert.ok(weightSentence, `a sentence names the weight; got\n${findings.join('\n')}`);
  assert.match(weightSentence, /weights_gcd\(\)/);
  assert.ok((await page.locator('#findings mark').allInnerTexts()).includes('"0"'), 'the value is highlighted in the sentence');
  assert.match(await page.locator('#hottest .hot-fn').innerText(), /^gcd\(\)$/);
  assert.equal(await page.locator('#suspicions tr.suspect[data-name="weight"] mark').innerText(), '"0"');
  assert.equal(await page.locator('#report-bt tr.suspect[data-name="weight"] .var-value').innerText(), '"0"', 'the backtrace marks the weight');
  const drawn = (await page.evaluate('window.fluoroFlame.visibleFrames()')) as { name: string; kind: string }[];
  assert.ok(drawn.some((f) => f.kind === 'lua' && /^gcd @\S*balancer\.lua/.test(f.name)), 'the flame graph has gcd');
  await page.click('#lang button[data-lang="lua"]');
  await ready(page, 'run');
  const luaOnly = (await page.evaluate('window.fluoroFlame.visibleFrames()')) as { name: string; kind: string }[];
  assert.ok(luaOnly.slice(1).every((f) => f.kind === 'lua' || f.kind === 'lua-builtin' || f.name === '[no Lua frames]'));
  await fullShot(page, 'analyze');
  const run = await call(consoleProc, 'GET', `/api/runs/${an}`);
  assert.equal(run.json.resultType, 'high-cpu-report');
  assert.equal(run.json.summary.hottest, 'gcd');

  // Both runs are in the history, by their kinds.
  await page.goto(`${consoleProc.url}/#/runs`);
  await ready(page, 'runs');
  assert.match(await page.locator(`#history tr[data-run="${bt}"]`).innerText(), /lua-bt/);
  assert.match(await page.locator(`#history tr[data-run="${an}"]`).innerText(), /analyze/);
  assert.deepEqual(errors, [], 'no script errors in the pages');
}, { timeout: 180_000 });
