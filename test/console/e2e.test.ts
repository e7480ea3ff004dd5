// The console end to end, in a real browser, on a real target: nginx with the Lua module under
// wrk load. A CPU analysis is started from the Processes page and followed to its flame graph,
// whose Lua frames are checked through the viewer's API and the function table; views are
// switched, a row focuses the graph, a file is downloaded, a run is cancelled; the console is
// restarted and the run opened again from the history; two runs are compared. Every page is
// saved as test-artifacts/console-<page>.png.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { BURN_LUA } from '../lua/workload.js';
import { bpfTest } from '../support/bpf.js';
import { startNginx } from '../support/nginx.js';
import { startWrk } from '../support/wrk.js';
import { launchBrowser, newPage, ready, shot } from './browser.js';
import { call, startConsoleProcess } from './console-process.js';

interface FrameInfo {
  index: number;
  name: string;
  kind: string;
  value: number;
  depth: number;
  width: number;
}

const LUA_FRAME = /^(heavy|medium|light) @\S*burn\.lua:[234]$/;
const TOKEN = 'e2e-console-token-0123456789';

/** Waits until `selector` matches `n` elements. */
async function countIs(page: Page, selector: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await page.locator(selector).count()) !== n) {
    if (Date.now() > deadline) assert.fail(`expected ${n} of ${selector}, found ${await page.locator(selector).count()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const frames = (page: Page) => page.evaluate('window.fluoroFlame.visibleFrames()') as Promise<FrameInfo[]>;

async function runFromProcessesPage(page: Page, pid: number, seconds: string, rate: string, lang: string): Promise<number> {
  await page.goto(page.url().replace(/#.*$/, '') + '#/processes');
  await ready(page, 'processes');
  await page.fill('#ps-filter', String(pid));
  const row = page.locator(`#ps-table tr[data-pid="${pid}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Analyze' }).click();
  await page.waitForSelector('#run-dialog #f-durationMs');
  await page.fill('#f-durationMs', seconds);
  await page.fill('#f-hz', rate);
  await page.selectOption('#f-lang', lang);
  return (async () => {
    await page.click('#f-start');
    await page.waitForURL(/#\/runs\/\d+$/);
    return Number(/#\/runs\/(\d+)$/.exec(page.url())![1]);
  })();
}

bpfTest('console: CPU analysis of an nginx Lua worker from the browser, history across a restart, compare', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-console-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'console.db');
  const nginx = await startNginx(t, { lua: true, luaFiles: { 'burn.lua': BURN_LUA }, server: 'location / { content_by_lua_block { require("burn").handle() } }' });
  const [worker] = nginx.workers();
  assert.ok(worker, 'nginx has a worker');
  startWrk(t, nginx.url, 120);
  let consoleProc = await startConsoleProcess(t, db, TOKEN);
  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);

  // Processes: the worker is listed, marked as a LuaJIT runtime.
  await page.goto(`${consoleProc.url}/#token=${TOKEN}`);
  await ready(page, 'processes');
  await page.fill('#ps-filter', 'nginx');
  const workerRow = page.locator(`#ps-table tr[data-pid="${worker}"]`);
  await workerRow.waitFor();
  assert.match(await workerRow.innerText(), /luajit/i, 'the worker is marked as running LuaJIT');
  await shot(page, 'processes');

  // Run a CPU analysis from the page; see progress; wait for the flame graph.
  await page.fill('#ps-filter', String(worker));
  await workerRow.getByRole('button', { name: 'Analyze' }).click();
  await page.waitForSelector('#run-dialog #f-durationMs');
  await page.fill('#f-durationMs', '4');
  await page.fill('#f-hz', '499');
  await shot(page, 'run-form');
  await page.click('#f-start');
  await page.waitForURL(/#\/runs\/\d+$/);
  const first = Number(/#\/runs\/(\d+)$/.exec(page.url())![1]);
  await page.waitForSelector('#run-progress', { timeout: 10_000 });
  await page.waitForSelector('#run-progress :text("samples")', { timeout: 10_000 }); // sampling has begun
  await shot(page, 'run-progress');
  await ready(page, 'run', 40_000);
  assert.match(await page.locator('#run-meta').innerText(), /done/);

  const mixed = await frames(page);
  const luaFrames = mixed.filter((f) => f.kind === 'lua' && LUA_FRAME.test(f.name));
  assert.ok(luaFrames.length > 0, `Lua frames are drawn; got ${mixed.slice(0, 40).map((f) => f.name).join(' | ')}`);
  assert.ok(mixed.some((f) => f.kind === 'native' && /^ngx_/.test(f.name)), 'C frames of nginx are drawn too');
  const tableNames = (await page.evaluate(`[...document.querySelectorAll('#functions tbody tr')].map((r) => r.dataset.name)`)) as string[];
  const heavyName = tableNames.find((n) => n && /^heavy @/.test(n));
  assert.ok(heavyName && LUA_FRAME.test(heavyName), `the function table lists heavy(); got ${tableNames.slice(0, 10).join(' | ')}`);
  await shot(page, 'flamegraph');

  // Clicking a table row focuses the graph on that function.
  await page.locator(`#functions tbody tr[data-name="${heavyName}"]`).click();
  const zoomed = (await page.evaluate('window.fluoroFlame.zoomed()')) as FrameInfo;
  assert.equal(zoomed.name, heavyName);
  assert.match(await page.locator('#flame-match').innerText(), /Matched \d/);
  await shot(page, 'flamegraph-focused');

  // Lua only: every frame below the root is a Lua frame.
  await page.click('#lang button[data-lang="lua"]');
  await ready(page, 'run');
  const luaOnly = await frames(page);
  assert.ok(luaOnly.length > 1 && luaOnly.slice(1).every((f) => f.kind === 'lua' || f.kind === 'lua-builtin' || f.name === '[no Lua frames]'));
  assert.ok(luaOnly.some((f) => LUA_FRAME.test(f.name)));
  await shot(page, 'flamegraph-lua');

  // Inverted: the functions that spend the time are the roots.
  await page.check('#invert');
  await ready(page, 'run');
  const inverted = await frames(page);
  assert.ok(inverted.some((f) => f.depth === 1 && /^heavy @/.test(f.name)), 'heavy() is a root of the callers view');
  await shot(page, 'flamegraph-inverted');
  await page.uncheck('#invert');
  await ready(page, 'run');

  // Download: folded stacks of the Lua view.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-format="folded"]')]);
  const folded = readFileSync((await download.path())!, 'utf8');
  assert.match(folded, /heavy @\S*burn\.lua:2(_\[lua\])? \d+/);
  assert.match(download.suggestedFilename(), /^fluoro-run-\d+-lua\.folded$/);

  // A second run (the one to compare with), and a third that is cancelled.
  const second = await runFromProcessesPage(page, worker, '2', '199', 'mixed');
  await ready(page, 'run', 40_000);
  const started = await call(consoleProc, 'POST', '/api/runs', { kind: 'cpu', pid: worker, params: { durationMs: 60_000 } });
  assert.equal(started.status, 202);
  await page.goto(`${consoleProc.url}/#/runs/${started.json.id}`);
  await page.waitForSelector('#run-cancel');
  await page.click('#run-cancel');
  await ready(page, 'run', 20_000);
  assert.match(await page.locator('#run-meta').innerText(), /cancelled/);

  // History: all three, filterable.
  await page.goto(`${consoleProc.url}/#/runs`);
  await ready(page, 'runs');
  assert.equal(await page.locator('#history tbody tr[data-run]').count(), 3);
  await shot(page, 'history');
  await page.selectOption('#h-status', 'cancelled');
  await countIs(page, '#history tbody tr[data-run]', 1);
  await page.selectOption('#h-status', '');
  await countIs(page, '#history tbody tr[data-run]', 3);

  // Restart the console: the run is still there, with its Lua frames.
  await consoleProc.stop();
  consoleProc = await startConsoleProcess(t, db, TOKEN);
  await page.goto(`${consoleProc.url}/#/runs?token=${TOKEN}`); // a new port is a new origin: the token again
  await ready(page, 'runs');
  await page.click(`#history tr[data-run="${first}"] a.button`);
  await ready(page, 'run');
  assert.ok((await frames(page)).some((f) => LUA_FRAME.test(f.name)), 'the reopened run shows its Lua frames');

  // Compare the first two runs from the history.
  await page.goto(`${consoleProc.url}/#/runs`);
  await ready(page, 'runs');
  await page.check(`#history tr[data-run="${first}"] input[type=checkbox]`);
  await page.check(`#history tr[data-run="${second}"] input[type=checkbox]`);
  await page.click('#h-compare');
  await ready(page, 'compare');
  assert.ok(page.url().endsWith(`#/compare?base=${first}&target=${second}`));
  const diff = (await page.evaluate('({ n: window.fluoroDiff.delta.length, total: window.fluoroDiff.total, baseTotal: window.fluoroDiff.baseTotal })')) as { n: number; total: number; baseTotal: number };
  assert.ok(diff.n > 1 && diff.total > 0 && diff.baseTotal > 0);
  assert.ok((await frames(page)).some((f) => LUA_FRAME.test(f.name)));
  assert.ok((await page.locator('#changes tbody tr').count()) > 0);
  await shot(page, 'compare');

  assert.deepEqual(errors, [], 'no script errors in the pages');
  await consoleProc.stop();
}, { timeout: 240_000 });
