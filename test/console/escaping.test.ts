// Strings from targets never become markup in the console: a process whose command line and
// frame names are HTML and script is listed, opened, compared and searched, and the page shows
// the text as text. Runs against an in-process console with a stand-in agent (no BPF needed).

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

  await page.goto(`${url}/#/compare?base=${ids[0]}&target=${ids[1]}`);
  await ready(page, 'compare');
  await page.fill('#flame-search', '<img');
  await safe('compare');
  assert.deepEqual(errors, []);
});
