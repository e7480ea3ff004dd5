// lua-bt against LuaJIT's own view of the same frame: the locals a script reports through
// debug.getlocal must be exactly what fluoro reads from the outside, kind by kind.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { luaBacktraces } from '../../src/collectors/lua-bt.js';
import { startTarget } from '../../src/proc/testing.js';
import { quoteLuaString } from '../../src/unwind/luajit/values.js';
import { bpfTest } from '../support/bpf.js';

const script = fileURLToPath(new URL('../../../test/fixtures/lua/locals.lua', import.meta.url));
const fluoro = fileURLToPath(new URL('../../../bin/fluoro.js', import.meta.url));
const options = { samples: 3, intervalMs: 10, locals: true, upvalues: false, timeoutMs: 10_000 };

bpfTest('lua-bt locals match debug.getlocal: names, types and values of every kind', async (t) => {
  const target = await startTarget(t, '/usr/bin/luajit', [script]);
  // name \t type \t description, as the script printed them for its own frame
  const reference = target.ready.split('|').map((e) => e.split('\t') as [string, string, string]);
  await sleep(200); // into the loop that never exits
  const result = await luaBacktraces(target.pid, options);
  assert.equal(result.backtraces.length, 1, 'a loop that never exits is one backtrace');
  assert.equal(result.backtraces[0]!.count, 3);
  const probe = result.backtraces[0]!.frames[0]!;
  assert.equal(probe.name, 'probe');
  assert.equal(probe.inTrace, false);
  const ours = new Map(probe.locals!.map((v) => [v.name, v]));
  const checked: string[] = [];
  for (const [name, type, described] of reference) {
    if (name.startsWith('(') || name === 'n') continue; // loop variables out of scope at the spin
    const v = ours.get(name);
    assert.ok(v, `local ${name} is shown`);
    assert.equal(v.type, type, `type of ${name}`);
    if (type === 'number' && name !== 'i') assert.equal(v.text, described, `value of ${name}`);
    if (type === 'boolean' || type === 'nil') assert.equal(v.text, described, `value of ${name}`);
    if (type === 'string') {
      assert.equal(v.length, Number(described), `length of ${name}`);
    }
    checked.push(name);
  }
  assert.deepEqual(checked, ['count', 'ratio', 'label', 'nothing', 'yes', 'no', 'escape', 'big', 'servers', 'callback', 'co', 'file', 'buf', 'i']);
  assert.equal(ours.get('i')!.text, '2', 'the value at the sample, not at the time of printing');
  assert.equal(ours.get('label')!.text, '"weights"');
  assert.equal(ours.get('escape')!.text, quoteLuaString('red \x1b[31m alert\n', 16));
  assert.ok(!ours.get('escape')!.text.includes('\x1b'), 'no raw escape sequence reaches a terminal');
  assert.ok(ours.get('big')!.text.length < 300, 'a 1 MB string is shown within its bound');
  assert.match(ours.get('servers')!.text, /^table 0x[0-9a-f]+ \{array 1, hash 1: "weight"="0"\}$/);
  assert.match(ours.get('callback')!.text, /^function <.*locals\.lua:6>$/);
});

bpfTest('lua-bt marks a frame that runs in a JIT trace', async (t) => {
  const target = await startTarget(t, '/usr/bin/luajit', [script, 'jit']);
  const result = await luaBacktraces(target.pid, options);
  const top = result.backtraces[0]!.frames[0]!;
  assert.equal(top.name, 'probe');
  assert.equal(top.inTrace, true);
});

bpfTest('lua-bt on a process without LuaJIT, and on an idle one, says so', async (t) => {
  const sleeper = await startTarget(t, '/bin/sh', ['-c', 'echo ready; exec sleep 30']);
  const noLua = spawnSync(process.execPath, [fluoro, 'lua-bt', '-p', String(sleeper.pid)], { encoding: 'utf8' });
  assert.equal(noLua.status, 5);
  assert.match(noLua.stderr, /^fluoro: process \d+ runs no LuaJIT VM that fluoro recognises\n$/);

  const idle = await startTarget(t, '/usr/bin/luajit', ['-e', 'print("ready") io.stdout:flush() os.execute("sleep 30")']);
  const r = spawnSync(process.execPath, [fluoro, 'lua-bt', '-p', String(idle.pid), '-n', '2'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ran no Lua code while it was watched/);
});
