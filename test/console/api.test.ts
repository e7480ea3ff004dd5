// The console's API: the token on every call, clear 4xx answers to bad input, the OpenAPI
// description, uploads (from the CLI too), failed runs stored with their reason, and names from
// targets kept as data.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LocalAgent } from '../../src/agent/local.js';
import { createConsole, type ConsoleServer } from '../../src/console/server.js';
import { RunStore } from '../../src/console/store/store.js';
import { readFolded } from '../../src/formats/folded.js';
import { toDocument } from '../../src/model/serialize.js';
import { bpfTest } from '../support/bpf.js';
import { freePort } from '../support/nginx.js';

const TOKEN = 'api-test-token-0123456789abcdef';
const BIN = fileURLToPath(new URL('../../../bin/fluoro.js', import.meta.url));

function consoleFor(t: TestContext): { server: ConsoleServer; store: RunStore } {
  const store = RunStore.open(':memory:');
  const server = createConsole({ agent: new LocalAgent(), store, token: TOKEN });
  t.after(async () => {
    await server.close();
    store.close();
  });
  return { server, store };
}

async function inject(server: ConsoleServer, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, token: string | null = TOKEN) {
  const res = await server.app.inject({
    method,
    url,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  let json: any = null;
  try {
    json = res.json();
  } catch {
    json = null;
  }
  return { status: res.statusCode, json, headers: res.headers, body: res.body };
}

test('every API call needs the token: 401 without it or with a wrong one; the UI files need none', async (t) => {
  const { server } = consoleFor(t);
  for (const [method, url] of [['GET', '/api/info'], ['GET', '/api/runs'], ['GET', '/api/processes'], ['GET', '/api/openapi.json'],
    ['POST', '/api/runs'], ['GET', '/api/runs/1/flame'], ['DELETE', '/api/runs/1'], ['POST', '/api/uploads'], ['GET', '/api/nope']] as const) {
    for (const token of [null, 'wrong-token-0123456789abcdef', '']) {
      const r = await inject(server, method, url, method === 'POST' ? {} : undefined, token);
      assert.equal(r.status, 401, `${method} ${url} with token ${JSON.stringify(token)}`);
      assert.match(r.json.error, /valid token is required/);
    }
  }
  const wrongScheme = await server.app.inject({ method: 'GET', url: '/api/info', headers: { authorization: `Basic ${TOKEN}` } });
  assert.equal(wrongScheme.statusCode, 401);
  const ok = await inject(server, 'GET', '/api/info');
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.analyses.map((a: { name: string }) => a.name), ['cpu', 'offcpu', 'lua-bt', 'analyze']);

  const page = await inject(server, 'GET', '/', undefined, null);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
  assert.doesNotMatch(page.body, /<script>/, 'no inline script');
  for (const f of ['/ui/app.js', '/ui/viewer.js', '/ui/app.css', '/ui/pages/run.js']) assert.equal((await inject(server, 'GET', f, undefined, null)).status, 200, f);
  assert.equal((await inject(server, 'GET', '/ui/../server.js', undefined, null)).status, 404);
});

test('bad input gets a 4xx with a sentence that says what was wrong', async (t) => {
  const { server } = consoleFor(t);
  const cases: [string, 'GET' | 'POST' | 'DELETE', string, unknown, number, RegExp][] = [
    ['no such process', 'POST', '/api/runs', { kind: 'cpu', pid: 4_000_000 }, 422, /no process with PID 4000000/],
    ['pid not a number', 'POST', '/api/runs', { kind: 'cpu', pid: 'abc' }, 400, /pid must be a whole number/],
    ['pid missing', 'POST', '/api/runs', { kind: 'cpu' }, 400, /pid is required/],
    ['pid zero', 'POST', '/api/runs', { kind: 'cpu', pid: 0 }, 400, /pid must be a whole number between 1/],
    ['the console itself', 'POST', '/api/runs', { kind: 'cpu', pid: process.pid }, 400, /the console itself/],
    ['unknown kind', 'POST', '/api/runs', { kind: 'mem', pid: 1 }, 400, /unknown analysis "mem"; choose one of cpu/],
    ['rate out of range', 'POST', '/api/runs', { kind: 'cpu', pid: 1, params: { hz: 0 } }, 400, /hz must be between 1 and 10000/],
    ['duration not a number', 'POST', '/api/runs', { kind: 'cpu', pid: 1, params: { durationMs: 'long' } }, 400, /durationMs must be a number/],
    ['unknown parameter', 'POST', '/api/runs', { kind: 'cpu', pid: 1, params: { rate: 5 } }, 400, /cpu has no parameter "rate"/],
    ['bad lang', 'POST', '/api/runs', { kind: 'cpu', pid: 1, params: { lang: 'go' } }, 400, /lang must be one of mixed, c, lua/],
    ['body not an object', 'POST', '/api/runs', '[1]', 400, /must be a JSON object/],
    ['broken JSON', 'POST', '/api/runs', '{"kind":', 400, /JSON/i],
    ['run id not a number', 'GET', '/api/runs/abc', undefined, 400, /id must be a positive whole number/],
    ['no such run', 'GET', '/api/runs/999', undefined, 404, /no run 999/],
    ['flame of no run', 'GET', '/api/runs/999/flame', undefined, 404, /no run 999/],
    ['bad status filter', 'GET', '/api/runs?status=great', undefined, 400, /status must be one of/],
    ['bad pid filter', 'GET', '/api/runs?pid=-1', undefined, 400, /pid must be a whole number/],
    ['compare without ids', 'GET', '/api/compare?base=1', undefined, 400, /target must be a positive whole number/],
    ['cancel no run', 'POST', '/api/runs/5/cancel', {}, 404, /no run 5/],
    ['upload without profile', 'POST', '/api/uploads', {}, 400, /profile is required/],
    ['upload not a profile', 'POST', '/api/uploads', { profile: { format: 'pprof' } }, 400, /not a fluoro profile document/],
    ['unknown endpoint', 'GET', '/api/nothing', undefined, 404, /no such endpoint: GET \/api\/nothing/],
    ['lua-bt: no snapshots', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { samples: 0 } }, 400, /samples must be between 1 and 1000, not 0/],
    ['lua-bt: too many snapshots', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { samples: 5000 } }, 400, /samples must be between 1 and 1000, not 5000/],
    ['lua-bt: interval not whole', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { intervalMs: 2.5 } }, 400, /intervalMs must be a whole number/],
    ['lua-bt: locals not yes or no', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { locals: 'maybe' } }, 400, /locals must be true or false/],
    ['lua-bt: upvalues a number', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { upvalues: 7 } }, 400, /upvalues must be true or false/],
    ['lua-bt: timeout too short', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { timeoutMs: 10 } }, 400, /timeoutMs must be between 500 and 600000/],
    ['lua-bt: unknown parameter', 'POST', '/api/runs', { kind: 'lua-bt', pid: 1, params: { hz: 99 } }, 400, /lua-bt has no parameter "hz"/],
    ['lua-bt: no such process', 'POST', '/api/runs', { kind: 'lua-bt', pid: 4_000_001, params: { locals: true } }, 422, /no process with PID 4000001/],
    ['analyze: no snapshots', 'POST', '/api/runs', { kind: 'analyze', pid: 1, params: { snapshots: 0 } }, 400, /snapshots must be between 1 and 1000/],
    ['analyze: duration too short', 'POST', '/api/runs', { kind: 'analyze', pid: 1, params: { durationMs: 50 } }, 400, /durationMs must be between 500 and 600000, not 50/],
    ['analyze: rate not a number', 'POST', '/api/runs', { kind: 'analyze', pid: 1, params: { hz: 'fast' } }, 400, /hz must be a whole number/],
    ['analyze: unknown parameter', 'POST', '/api/runs', { kind: 'analyze', pid: 1, params: { locals: true } }, 400, /analyze has no parameter "locals"/],
    ['analyze: params not an object', 'POST', '/api/runs', { kind: 'analyze', pid: 1, params: [5000] }, 400, /params must be an object/],
    ['result of no run', 'GET', '/api/runs/999/result', undefined, 404, /no run 999/],
    ['result id not a number', 'GET', '/api/runs/x/result', undefined, 400, /id must be a positive whole number/],
  ];
  for (const [what, method, url, body, status, message] of cases) {
    const r = await inject(server, method, url, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message, what);
  }
  // A stored run: bad view parameters are refused too; cancel and delete answer by its state.
  const doc = toDocument(readFolded('main;work 5\n'));
  const up = await inject(server, 'POST', '/api/uploads', { profile: doc, meta: { pid: 7, command: 'x' } });
  assert.equal(up.status, 201);
  const id = up.json.id;
  assert.match((await inject(server, 'GET', `/api/runs/${id}/flame?lang=go`)).json.error, /lang must be mixed, c or lua/);
  assert.match((await inject(server, 'GET', `/api/runs/${id}/download?format=png`)).json.error, /format must be one of .*pprof.*speedscope/);
  assert.match((await inject(server, 'GET', `/api/runs/${id}/flame?invert=maybe`)).json.error, /invert must be true or false/);
  const noResult = await inject(server, 'GET', `/api/runs/${id}/result`);
  assert.equal(noResult.status, 404);
  assert.match(noResult.json.error, new RegExp(`run ${id} has no result`));
  assert.equal((await inject(server, 'POST', `/api/runs/${id}/cancel`, {})).status, 409);
  assert.equal((await inject(server, 'DELETE', `/api/runs/${id}`)).status, 204);
  assert.equal((await inject(server, 'GET', `/api/runs/${id}`)).status, 404);
});

test('the OpenAPI description is served and names every endpoint', async (t) => {
  const { server } = consoleFor(t);
  const r = await inject(server, 'GET', '/api/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.0.3');
  const paths = Object.keys(r.json.paths).sort();
  assert.deepEqual(paths, ['/api/compare', '/api/info', '/api/openapi.json', '/api/processes', '/api/runs', '/api/runs/{id}', '/api/runs/{id}/cancel',
    '/api/runs/{id}/download', '/api/runs/{id}/flame', '/api/runs/{id}/functions', '/api/runs/{id}/profile', '/api/runs/{id}/result', '/api/uploads']);
  for (const p of paths) {
    for (const method of Object.keys(r.json.paths[p])) {
      const res = await inject(server, method.toUpperCase() as 'GET', p.replace('{id}', '1'), method === 'post' ? {} : undefined);
      assert.doesNotMatch(res.json?.error ?? '', /no such endpoint/, `${method} ${p} is served`);
    }
  }
});

test('names from targets stay data: uploaded frame names come back as they were, in every view', async (t) => {
  const { server } = consoleFor(t);
  const evil = '<img src=x onerror=alert(1)>';
  const doc = toDocument(readFolded(`main;${evil} 3\nmain;</script><script>alert(2)</script> 2\n`));
  const up = await inject(server, 'POST', '/api/uploads', { profile: doc, meta: { command: `nginx ${evil}` } });
  assert.equal(up.status, 201);
  assert.equal(up.json.command, `nginx ${evil}`);
  const flame = await inject(server, 'GET', `/api/runs/${up.json.id}/flame`);
  assert.ok(flame.json.names.includes(evil));
  const html = await inject(server, 'GET', `/api/runs/${up.json.id}/download?format=html`);
  assert.equal(html.status, 200);
  assert.match(html.headers['content-disposition'] as string, /^attachment; filename="fluoro-run-\d+-mixed\.html"$/);
  assert.doesNotMatch(html.body, /<img src=x/, 'the HTML download escapes names');
  assert.doesNotMatch(html.body, /<\/script><script>alert/);
  for (const f of ['svg', 'folded', 'pprof', 'speedscope']) {
    assert.equal((await inject(server, 'GET', `/api/runs/${up.json.id}/download?format=${f}&lang=c`)).status, 200, f);
  }
});

async function listeningConsole(t: TestContext): Promise<{ url: string; store: RunStore }> {
  const { server, store } = consoleFor(t);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (server.app.server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, store };
}

bpfTest('fluoro cpu --upload sends the profile to a console; a wrong token or no console is one sentence and exit 1', async (t) => {
  const { url, store } = await listeningConsole(t);
  const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  t.after(() => busy.kill('SIGKILL'));
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (token: string, to = url) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'cpu', '-p', String(busy.pid), '-d', '1s', '-o', join(dir, 'p.folded'), '--upload', to, '--token', token]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('exit', (code) => resolve({ code, out, err }));
    });
  const ok = await run(TOKEN);
  assert.equal(ok.code, 0, ok.err);
  const m = /uploaded: run (\d+) on /.exec(ok.out);
  assert.ok(m, ok.out);
  const stored = store.get(Number(m[1]))!;
  assert.equal(stored.source, 'upload');
  assert.equal(stored.pid, busy.pid);
  assert.equal(stored.status, 'done');
  assert.ok(store.profile(stored.id)!.samples.length > 0);

  const bad = await run('not-the-token-0123456789');
  assert.equal(bad.code, 1);
  assert.equal(bad.err.trim(), `fluoro: the console at ${url} refused the upload: the token is not valid`);
  const nobody = await freePort();
  const gone = await run(TOKEN, `http://127.0.0.1:${nobody}`);
  assert.equal(gone.code, 1);
  assert.equal(gone.err.trim(), `fluoro: could not upload the profile to http://127.0.0.1:${nobody}: ECONNREFUSED`);
  const usage = spawnSync(process.execPath, [BIN, 'cpu', '-p', String(busy.pid), '--upload', url], { encoding: 'utf8', env: { ...process.env, FLUORO_CONSOLE_TOKEN: '' } });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--upload needs the console's token/);
});

bpfTest('a run whose process exits before any sample is stored as failed, with the reason', async (t) => {
  const { server, store } = consoleFor(t);
  const short = spawn('sleep', ['0.3'], { stdio: 'ignore' });
  t.after(() => short.kill('SIGKILL'));
  const r = await inject(server, 'POST', '/api/runs', { kind: 'cpu', pid: short.pid, params: { durationMs: 3000 } });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  assert.equal(r.json.status, 'running');
  await once(short, 'exit');
  await server.jobs.wait(r.json.id);
  const run = store.get(r.json.id)!;
  assert.equal(run.status, 'failed');
  assert.match(run.error!, /no samples/);
  assert.equal(run.hasProfile, false);
  const flame = await inject(server, 'GET', `/api/runs/${run.id}/flame`);
  assert.equal(flame.status, 404);
  assert.match(flame.json.error, /has no profile \(it failed: no samples/);
});

test('the new kinds are described for the form: bounds, defaults, and yes/no fields', async (t) => {
  const { server } = consoleFor(t);
  const info = (await inject(server, 'GET', '/api/info')).json;
  const bt = info.analyses.find((a: { name: string }) => a.name === 'lua-bt');
  assert.deepEqual(bt.params.map((p: { name: string }) => p.name), ['samples', 'intervalMs', 'locals', 'upvalues', 'timeoutMs']);
  assert.deepEqual(bt.params.find((p: { name: string }) => p.name === 'locals'), { name: 'locals', label: 'Locals', type: 'boolean', default: true, help: 'the local variables of each frame' });
  const an = info.analyses.find((a: { name: string }) => a.name === 'analyze');
  assert.deepEqual(an.params.map((p: { name: string; default: unknown }) => [p.name, p.default]), [['durationMs', 5000], ['hz', 199], ['snapshots', 10]]);
});

test('a Lua backtrace of a process without LuaJIT is stored as failed, with the reason', async (t) => {
  const { server, store } = consoleFor(t);
  const plain = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => plain.kill('SIGKILL'));
  const r = await inject(server, 'POST', '/api/runs', { kind: 'lua-bt', pid: plain.pid, params: { samples: '5', locals: 'true' } });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  assert.deepEqual(r.json.settings, { samples: 5, intervalMs: 10, locals: true, upvalues: false, timeoutMs: 5000 });
  await server.jobs.wait(r.json.id);
  const run = store.get(r.json.id)!;
  assert.equal(run.status, 'failed');
  assert.equal(run.error, `process ${plain.pid} runs no LuaJIT VM that fluoro recognises`);
  assert.equal(run.resultType, null);
  const res = await inject(server, 'GET', `/api/runs/${run.id}/result`);
  assert.equal(res.status, 404);
  assert.equal(res.json.error, `run ${run.id} has no result (it failed: process ${plain.pid} runs no LuaJIT VM that fluoro recognises)`);
});

bpfTest('an analyze run shows progress, and a cancel keeps its profile and report, stored as cancelled', async (t) => {
  const { server, store } = consoleFor(t);
  const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  t.after(() => busy.kill('SIGKILL'));
  const r = await inject(server, 'POST', '/api/runs', { kind: 'analyze', pid: busy.pid, params: { durationMs: 60_000, hz: 99, snapshots: 3 } });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  let progress: { elapsedMs: number; fraction: number; detail?: string } | null = null;
  const deadline = Date.now() + 15_000;
  while (!progress?.detail || !/samples/.test(progress.detail)) {
    assert.ok(Date.now() < deadline, `progress is reported; last ${JSON.stringify(progress)}`);
    await new Promise((res) => setTimeout(res, 200));
    progress = (await inject(server, 'GET', `/api/runs/${r.json.id}`)).json.progress;
  }
  assert.ok(progress.fraction >= 0 && progress.fraction < 0.5);
  await new Promise((res) => setTimeout(res, 1000));
  const c = await inject(server, 'POST', `/api/runs/${r.json.id}/cancel`, {});
  assert.equal(c.status, 200, JSON.stringify(c.json));
  assert.equal(c.json.status, 'cancelled');
  const run = store.get(r.json.id)!;
  assert.equal(run.hasProfile, true, 'the profile collected before the cancel is kept');
  assert.equal(run.resultType, 'high-cpu-report');
  const res = await inject(server, 'GET', `/api/runs/${run.id}/result`);
  assert.equal(res.status, 200);
  assert.equal(res.json.kind, 'analyze');
  assert.ok(res.json.data.report.samples > 0);
  assert.equal(res.json.data.lua, null, 'sh runs no LuaJIT');
  assert.match(res.json.data.report.verdict, /C code outside the Lua VM|kernel/);
  assert.ok(run.warnings.some((w) => /runs no LuaJIT VM that fluoro recognises/.test(w)), run.warnings.join('; '));
});

test('a large profile (50,000 distinct stacks) is stored, and its views are served quickly', async (t) => {
  const { server } = consoleFor(t);
  const lines: string[] = [];
  for (let i = 0; i < 50_000; i++) lines.push(`main;handler_${i % 211};step_${i % 1709};leaf_${i} ${1 + (i % 7)}`);
  const doc = toDocument(readFolded(lines.join('\n')));
  const up = await inject(server, 'POST', '/api/uploads', { profile: doc });
  assert.equal(up.status, 201);
  const t0 = performance.now();
  const flame = await inject(server, 'GET', `/api/runs/${up.json.id}/flame`);
  const first = performance.now() - t0;
  assert.equal(flame.status, 200);
  assert.ok(flame.json.n.length > 50_000);
  const t1 = performance.now();
  assert.equal((await inject(server, 'GET', `/api/runs/${up.json.id}/flame?invert=true`)).status, 200);
  assert.equal((await inject(server, 'GET', `/api/runs/${up.json.id}/functions`)).status, 200);
  const views = performance.now() - t1;
  const t2 = performance.now();
  assert.equal((await inject(server, 'GET', `/api/runs/${up.json.id}/flame`)).status, 200);
  const again = performance.now() - t2;
  t.diagnostic(`first flame view ${first.toFixed(0)} ms (read + parse + layout), inverted view and table ${views.toFixed(0)} ms, the same view again ${again.toFixed(0)} ms`);
  assert.ok(first < 15_000 && views < 15_000, 'served in seconds, not minutes');
  assert.ok(again < 300, 'a view asked for again is served from memory');
});
