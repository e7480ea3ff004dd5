// Off-CPU time of a LuaJIT script that shells out (os.execute blocks in wait4 until the child
// exits): the Lua function that called it is in the stack of the wait, as in the CPU profile.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileOffcpu } from '../../src/collectors/offcpu/profiler.js';
import { kernelSymbols } from '../../src/symbolize/kernel.js';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { requireProgram, tempDir } from '../cpu/processes.js';
import { nsUnder, pct } from './support.js';

const SCRIPT = `
local function shell_out()
  os.execute("sleep 0.05")
end
local function handle()
  for _ = 1, 1e9 do shell_out() end
end
print("ready")
io.stdout:flush()
handle()
`;

bpfTest('luajit blocked in os.execute: the calling Lua function is in the off-CPU stack', async (t) => {
  requireProgram('/usr/bin/luajit');
  const script = join(tempDir(t, 'fluoro-offcpu-lua-'), 'shell.lua');
  writeFileSync(script, SCRIPT);
  const target = await startTarget(t, '/usr/bin/luajit', [script]);
  await new Promise((r) => setTimeout(r, 300));
  const r = await profileOffcpu({ pids: [target.pid], durationMs: 2000, idle: false, kernel: true, perThread: false, kernelSymbols: kernelSymbols() });
  const total = nsUnder(r.profile);
  const lua = (name: string) => nsUnder(r.profile, (n, k) => k === 'lua' && n === name);
  const waited = nsUnder(r.profile, (n, k) => k === 'group' && n === '[syscall wait4]');
  t.diagnostic(`off-CPU ${(total / 1e6).toFixed(1)} ms in ${r.elapsedMs.toFixed(1)} ms; under shell_out ${pct(lua('shell_out'), total)}, ` +
    `under handle ${pct(lua('handle'), total)}, in wait4 ${pct(waited, total)}`);
  assert.ok(total >= 0.9 * r.elapsedMs * 1e6, 'the script waits nearly all the time');
  assert.ok(waited >= 0.8 * total, 'mostly in wait4, for the shell');
  assert.ok(lua('shell_out') >= 0.8 * total, 'under the Lua function that shells out');
  assert.ok(lua('handle') >= lua('shell_out'), 'called from handle');
});
