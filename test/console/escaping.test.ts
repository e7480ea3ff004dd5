// Strings from targets never become markup in the console: a process whose command line and
// frame names are HTML and script is listed, opened, compared and searched, its Lua backtrace
// (names, files, locals, upvalues) and its report (findings, suspicious values) are shown, and
// the page shows the text as text. Runs against an in-process console with a stand-in agent (no BPF needed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Agent, ProcessRow } from '../../src/agent/agent.js';
import { createConsole } from '../../src/console/server.js';
import { RunStore } from '../../src/console/store/store.js';
import { readFolded } from '../../src/formats/folded.js';
import { toDocument } from '../../src/model/serialize.js';
import { launchBrowser, newPage, ready, shot } from './browser.js';
import { call } from './console-process.js';

const EVIL = `<img src=x onerror="window.__pwned=1">`;
const EVIL2 = `</script><script>window.__pwned=2</script>`;
const TOKEN = 'escaping-test-token-0123456789';

const agent: Agent = {
  host: `host ${EVIL}`,
  kinds: () => [],
  processes: async (): Promise<ProcessRow[]> => [
    { pid: 4242, ppid: 1, user: `u${EVIL}`, cpu: 99.5, threads: 1, container: { label: `docker:${EVIL}` }, runtimes: [{ name: 'luajit', version: EVIL, file: '/x' } as never], comm: EVIL, command: `nginx: worker ${EVIL}` },
  ],
  validate: () => {
    throw new Error('not used');
  },
  run: () => Promise.reject(new Error('not used')),
};

test('target strings are shown as text on every page, never run as HTML or script', async (t) => {
  const store = RunStore.open(':memory:');
  const server = createConsole({ agent, store, token: TOKEN });
  t.after(async () => {
    await server.close();
    store.close();
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  const c = { url, token: TOKEN };
  const ids: number[] = [];
  for (const n of [3, 9]) {
    const up = await call(c, 'POST', '/api/uploads', {
      profile: toDocument(readFolded(`main;${EVIL} ${n}\nmain;${EVIL2} 4\n`)),
      meta: { pid: 4242, command: `nginx: worker ${EVIL}`, host: `h${EVIL}` },
    });
    assert.equal(up.status, 201);
    ids.push(up.json.id);
  }
  // A Lua backtrace and a report whose every string from the target is markup.
  const frame = (name: string) => ({
    kind: 'lua', name, file: `/srv/${EVIL}.lua`, line: 7, inTrace: true,
    locals: [{ name: EVIL, type: 'string', text: `"${EVIL2}"` }, { name: 'weight', type: 'string', text: '"0"' }],
    upvalues: [{ name: `up${EVIL2}`, type: `<b>${EVIL}</b>`, text: EVIL }],
  });
  const why = `weight holds the string "0" ${EVIL2}`;
  const suspicion = { frame: { function: EVIL, file: `/srv/${EVIL}.lua`, line: 7 }, variable: 'weight', value: '"0"', type: 'string', why };
  const meta = (kind: string) => ({ kind, source: 'agent' as const, host: `h${EVIL}`, pid: 4242, command: `nginx: worker ${EVIL}`, startedAt: Date.now(), settings: { samples: 3, locals: true } });
  const btId = store.add(meta('lua-bt'), {
    status: 'done', durationMs: 30, summary: { snapshots: 3 }, warnings: [`warning ${EVIL}`],
    result: { type: 'lua-backtraces', version: 1, data: { build: `LuaJIT ${EVIL}`, snapshots: 3, idle: 1, requested: 3, omitted: 0, backtraces: [{ count: 3, frames: [frame(EVIL), frame(EVIL2)] }], suspicions: [suspicion] } },
  });
  const report = {
    samples: 12, where: { lua: 90, luaVm: 5, kernel: 5, native: 0 }, verdict: `verdict ${EVIL}`,
    hottest: { function: EVIL, file: `/srv/${EVIL}.lua`, line: 7, share: 90, callers: [{ function: EVIL2, file: EVIL, line: 1 }] },
    loop: { snapshots: 3, same: 3 }, frames: [frame(EVIL)], suspicions: [suspicion],
    findings: [`verdict ${EVIL}`, `The hottest Lua code is ${EVIL2}`, `Look at ${EVIL}: ${why}.`],
  };
  const anId = store.add(meta('analyze'), {
    status: 'done', durationMs: 30, summary: { samples: 12, snapshots: 3 }, profile: readFolded(`main;${EVIL} 9\nmain;${EVIL2} 3\n`),
    result: { type: 'high-cpu-report', version: 1, data: { process: EVIL, elapsedMs: 1000, hz: 99, report, lua: { build: EVIL, snapshots: 3, idle: 0, backtraces: [] } } },
  });
  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  const safe = async (where: string) => {
    assert.equal(await page.evaluate('window.__pwned'), undefined, `${where}: no injected script ran`);
    assert.equal(await page.locator('main img, header img').count(), 0, `${where}: no injected element`);
  };

  // Without the token the page asks for it.
  await page.goto(`${url}/#/processes`);
  await page.waitForSelector('#token-input');
  await shot(page, 'token');
  await page.fill('#token-input', TOKEN);
  await page.click('button[type=submit]');
  await ready(page, 'processes');
  assert.match(await page.locator('#ps-table tbody').innerText(), /nginx: worker <img src=x onerror="window.__pwned=1">/);
  await safe('processes');

  await page.goto(`${url}/#/runs`);
  await ready(page, 'runs');
  assert.match(await page.locator('#history').innerText(), /<img src=x/);
  await safe('history');

  await page.goto(`${url}/#/runs/${ids[0]}`);
  await ready(page, 'run');
  const names = (await page.evaluate(`[...document.querySelectorAll('#functions tbody tr')].map((r) => r.dataset.name)`)) as string[];
  assert.ok(names.includes(EVIL) && names.includes(EVIL2));
  await page.locator(`#functions tbody tr`).first().click();
  await page.locator('#flame').hover({ position: { x: 30, y: 27 } });
  await safe('run');

  await page.goto(`${url}/#/runs/${btId}`);
  await ready(page, 'run');
  const bt = await page.locator('#luabt').innerText();
  for (const text of [EVIL, `"${EVIL2}"`, `up${EVIL2}`, `/srv/${EVIL}.lua:7`]) assert.ok(bt.includes(text), `the backtrace shows ${text} as text`);
  assert.equal(await page.locator('#luabt .bt-frame').first().getAttribute('data-name'), EVIL);
  assert.match(await page.locator('#luabt tr.suspect[data-name="weight"]').first().getAttribute('title') ?? '', /<\/script><script>/);
  assert.equal(await page.locator('#luabt .badge.jit').count(), 2, 'frames in a trace are marked');
  assert.match(await page.locator('main').innerText(), /warning <img src=x/);
  await safe('lua backtrace');

  await page.goto(`${url}/#/runs/${anId}`);
  await ready(page, 'run');
  const findings = await page.locator('#findings').innerText();
  assert.ok(findings.includes(`Look at ${EVIL}: weight holds the string "0" ${EVIL2}.`), findings);
  assert.ok((await page.locator('#hottest').innerText()).includes(`${EVIL}()`));
  assert.ok((await page.locator('#suspicions').innerText()).includes(why));
  assert.ok((await page.locator('#report-bt').innerText()).includes(`"${EVIL2}"`));
  assert.ok(((await page.evaluate(`window.fluoroFlame.visibleFrames().map((f) => f.name)`)) as string[]).includes(EVIL));
  await page.locator('#flame').hover({ position: { x: 30, y: 27 } });
  await safe('report');

  await page.goto(`${url}/#/compare?base=${ids[0]}&target=${ids[1]}`);
  await ready(page, 'compare');
  await page.fill('#flame-search', '<img');
  await safe('compare');
  assert.deepEqual(errors, []);
});
