// The CPU sampler built for kernels without bpf_loop (cpu-noloop.bpf.o, forced here with
// FLUORO_BPF_FEATURES=-bpf_loop) on a real luajit: the same Lua stacks, through a pcall and a
// coroutine, in the same proportions as the default build sees in the same process.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describeLosses } from '../../src/collectors/cpu/exits.js';
import { profileCpu, type CpuProfileResult } from '../../src/collectors/cpu/profiler.js';
import { stackFrames } from '../../src/model/frames.js';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';

const script = fileURLToPath(new URL('../../../test/fixtures/lua/coroutines.lua', import.meta.url));
const HEAVY_STACK = 'main chunk > pcall > function@13 > coroutine.wrap_aux > function@9 > heavy';

/** Samples by Lua stack (root first, function names only), and how many had Lua frames at all. */
function luaStacks(r: CpuProfileResult): { stacks: Map<string, number>; all: number; withLua: number } {
  const stacks = new Map<string, number>();
  let all = 0;
  let withLua = 0;
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    all += n;
    const lua = stackFrames(s).filter((f) => f.kind === 'lua' || f.kind === 'lua-builtin').map((f) => f.name.split(' @')[0]);
    if (lua.length === 0) continue;
    withLua += n;
    const key = lua.join(' > ');
    stacks.set(key, (stacks.get(key) ?? 0) + n);
  }
  return { stacks, all, withLua };
}

/** The stacks holding at least `min` of the Lua samples, with their shares. */
function mainStacks(s: { stacks: Map<string, number>; withLua: number }, min: number): Map<string, number> {
  return new Map([...s.stacks].filter(([, n]) => n / s.withLua >= min).map(([k, n]) => [k, n / s.withLua]));
}

async function profile(pid: number, features: string | undefined): Promise<CpuProfileResult> {
  const before = process.env.FLUORO_BPF_FEATURES;
  if (features === undefined) delete process.env.FLUORO_BPF_FEATURES;
  else process.env.FLUORO_BPF_FEATURES = features;
  try {
    return await profileCpu({ pids: [pid], durationMs: 2500, hz: 499, kernel: false, perThread: false });
  } finally {
    if (before === undefined) delete process.env.FLUORO_BPF_FEATURES;
    else process.env.FLUORO_BPF_FEATURES = before;
  }
}

bpfTest('luajit CLI, the build without bpf_loop: the same Lua stacks as the default build', async (t) => {
  const target = await startTarget(t, '/usr/bin/luajit', [script, '30']);
  const withLoop = await profile(target.pid, undefined);
  const noLoop = await profile(target.pid, '-bpf_loop');
  const a = luaStacks(withLoop);
  const b = luaStacks(noLoop);
  const top = (s: typeof a) => [...mainStacks(s, 0.03)].map(([k, v]) => `${(100 * v).toFixed(1)}% ${k}`).join('; ');
  t.diagnostic(`bpf_loop: Lua frames on ${a.withLua}/${a.all}: ${top(a)}; ${describeLosses(withLoop.capture) ?? 'nothing lost'}`);
  t.diagnostic(`bounded loop: Lua frames on ${b.withLua}/${b.all}: ${top(b)}; ${describeLosses(noLoop.capture) ?? 'nothing lost'}`);

  for (const [name, s] of [['bpf_loop', a], ['bounded loop', b]] as const) {
    assert.ok(s.all > 500, `${name}: enough samples (${s.all})`);
    assert.ok(s.withLua / s.all >= 0.97, `${name}: Lua frames on ${s.withLua}/${s.all} samples`);
    assert.ok((s.stacks.get(HEAVY_STACK) ?? 0) / s.withLua >= 0.4, `${name}: ${HEAVY_STACK}`);
  }
  const mainA = mainStacks(a, 0.03);
  const mainB = mainStacks(b, 0.03);
  assert.deepEqual([...mainB.keys()].sort(), [...mainA.keys()].sort(), 'the same Lua stacks, each over 3% of samples');
  for (const [k, share] of mainA) {
    assert.ok(Math.abs(share - mainB.get(k)!) <= 0.08, `${k}: ${(100 * share).toFixed(1)}% with bpf_loop, ${(100 * mainB.get(k)!).toFixed(1)}% without`);
  }
  // What the bounded walk could not read, it counted; it must not be more than the other walk.
  const luaLost = (r: CpuProfileResult) => (r.capture.exits['lua-read'] ?? 0) + (r.capture.exits['lua-bad-frame'] ?? 0);
  assert.ok(luaLost(noLoop) <= luaLost(withLoop) + 0.02 * b.all, `Lua walk failures: ${luaLost(noLoop)} vs ${luaLost(withLoop)}`);
}, { timeout: 60_000 });
