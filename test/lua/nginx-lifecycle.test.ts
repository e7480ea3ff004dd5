// Lua frames must be true to the moment of the sample: a worker whose Lua requests wait in
// ngx.sleep (their coroutines yielded from C) shows no Lua frames while it serves other work, and
// a reload (new workers, new VMs) never mixes one VM's functions into another's samples.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { stackFrames } from '../../src/model/frames.js';
import { bpfTest } from '../support/bpf.js';
import { startNginx } from '../support/nginx.js';
import { startWrk } from '../support/wrk.js';
import { BURN_LUA } from './workload.js';

bpfTest('a worker whose Lua requests sleep in ngx.sleep shows no Lua frames while serving static files', async (t) => {
  const nginx = await startNginx(t, {
    lua: true,
    htmlFiles: { 'page.html': 'x'.repeat(2048) },
    server: 'location /sleep { content_by_lua_block { ngx.sleep(30) ngx.say("late") } }',
  });
  const [worker] = nginx.workers();
  const sleepers = new AbortController();
  t.after(() => sleepers.abort());
  for (let i = 0; i < 4; i++) fetch(`${nginx.url}sleep`, { signal: sleepers.signal }).catch(() => undefined);
  await sleep(300); // the sleepers have entered Lua and yielded
  const load = startWrk(t, `${nginx.url}page.html`, 4);
  await sleep(500);
  const result = await profileCpu({ pids: [worker!], durationMs: 2500, hz: 999, kernel: true, perThread: false });
  await load.done;
  let total = 0;
  let withLua = 0;
  for (const s of result.profile.samples) {
    total += s.values[0]!;
    if (stackFrames(s).some((f) => f.kind === 'lua' || f.kind === 'lua-builtin')) withLua += s.values[0]!;
  }
  t.diagnostic(`${withLua} of ${total} samples carry Lua frames`);
  assert.ok(total > 100, `the worker was busy serving (${total} samples)`);
  assert.equal(withLua, 0, 'no stale Lua frames from the sleeping coroutines');
}, { timeout: 60_000 });

bpfTest('nginx reload while profiling every process: each VM keeps its own functions', async (t) => {
  const nginx = await startNginx(t, {
    lua: true,
    luaFiles: { 'burn.lua': BURN_LUA },
    server: `location / { content_by_lua_block { require("burn").handle() } }
             location = /pid { content_by_lua_block { ngx.say(ngx.worker.pid()) } }`,
  });
  const before = nginx.workers();
  const load = startWrk(t, nginx.url, 20, { connections: 2, closeConnections: true });
  let sampling!: () => void;
  const started = new Promise<void>((resolve) => (sampling = resolve));
  const profiling = profileCpu({
    all: true, durationMs: 9000, hz: 199, kernel: false, perThread: false,
    onProgress: () => sampling(),
  });
  await started;
  await sleep(2000);
  // The new workers load a changed module: its functions have new names.
  writeFileSync(join(nginx.prefix, 'lua', 'burn.lua'), BURN_LUA.replace(/heavy/g, 'heavy_v2').replace(/medium/g, 'medium_v2'));
  const after = await nginx.reload();
  // Wait until the new worker answers: the old one finishes its requests first.
  for (let i = 0; i < 100; i++) {
    const pid = Number(await fetch(`${nginx.url}pid`).then((r) => r.text()).catch(() => '0'));
    if (after.includes(pid)) break;
    await sleep(50);
  }
  const result = await profiling;
  load.stop();

  const names = (pids: number[]) => {
    const out = new Map<string, number>();
    for (const s of result.profile.samples) {
      if (!pids.includes(Number(s.labels.pid))) continue;
      for (const f of stackFrames(s)) if (f.kind === 'lua') out.set(f.name.split(' @')[0]!, (out.get(f.name.split(' @')[0]!) ?? 0) + s.values[0]!);
    }
    return out;
  };
  const perPid = new Map<unknown, number>();
  for (const s of result.profile.samples) perPid.set(s.labels.pid, (perPid.get(s.labels.pid) ?? 0) + s.values[0]!);
  t.diagnostic(`samples per pid: ${JSON.stringify([...perPid].filter(([, n]) => n > 5))}; warnings ${JSON.stringify(result.warnings)}`);
  const oldNames = names(before);
  const newNames = names(after);
  t.diagnostic(`old workers ${before}: ${JSON.stringify([...oldNames])}; new workers ${after}: ${JSON.stringify([...newNames])}`);
  assert.ok((oldNames.get('heavy') ?? 0) > 20, 'the old worker was profiled running the old code');
  assert.ok((newNames.get('heavy_v2') ?? 0) > 20, 'the new worker was profiled running the new code');
  assert.equal(oldNames.get('heavy_v2'), undefined, 'no new function in an old VM');
  assert.equal(newNames.get('heavy'), undefined, 'no old function in a new VM');
}, { timeout: 60_000 });
