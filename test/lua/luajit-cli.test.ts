// Lua-level CPU profiles of the luajit CLI running a script whose stacks cross a pcall and a
// coroutine resumed from Lua: held to the script's true shares, and checked against LuaJIT's own
// profiler in the same process (a coarse witness: see workload.ts).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { stackFrames } from '../../src/model/frames.js';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { TRUTH_POINTS, shareTolerance } from './workload.js';

const script = fileURLToPath(new URL('../../../test/fixtures/lua/coroutines.lua', import.meta.url));
const HEAVY = 6;
const LIGHT = 7;
/** heavy(40000) for each light(20000), the same loop body: heavy's true share among the two. */
const TRUE_HEAVY = (100 * 40000) / (40000 + 20000);

bpfTest('luajit CLI: stacks through pcall and coroutine.wrap; shares close to the truth, and agree with jit.profile', async (t) => {
  const target = await startTarget(t, '/usr/bin/luajit', [script, '7']);
  let reference = '';
  target.child.stdout!.on('data', (d: Buffer) => (reference += d.toString()));
  const exited = once(target.child, 'exit');
  const result = await profileCpu({ pids: [target.pid], durationMs: 5000, hz: 999, kernel: false, perThread: false });
  await exited;

  const refCounts = { heavy: 0, light: 0 };
  for (const m of reference.matchAll(/^coroutines\.lua:(\d+) (\d+)$/gm)) {
    if (Number(m[1]) === HEAVY) refCounts.heavy += Number(m[2]);
    if (Number(m[1]) === LIGHT) refCounts.light += Number(m[2]);
  }
  const ours = { heavy: 0, light: 0 };
  let all = 0;
  let withLua = 0;
  let heavyStacks = 0;
  let heavyWellFormed = 0;
  for (const s of result.profile.samples) {
    const n = s.values[0]!;
    all += n;
    const lua = stackFrames(s).filter((f) => f.kind === 'lua' || f.kind === 'lua-builtin').map((f) => f.name.replace(/ @.*\//, ' @'));
    if (lua.length > 0) withLua += n;
    const leaf = lua[lua.length - 1] ?? '';
    if (leaf.startsWith(`heavy @coroutines.lua:${HEAVY}`)) {
      ours.heavy += n;
      heavyStacks += n;
      const expected = ['main chunk', 'pcall', 'function@13', 'coroutine.wrap_aux', 'function@9', 'heavy'];
      if (lua.map((f) => f.split(' @')[0]).join(' > ') === expected.join(' > ')) heavyWellFormed += n;
    }
    if (leaf.startsWith(`light @coroutines.lua:${LIGHT}`)) ours.light += n;
  }
  const share = (c: { heavy: number; light: number }) => (100 * c.heavy) / (c.heavy + c.light);
  const nOurs = ours.heavy + ours.light;
  const nRef = refCounts.heavy + refCounts.light;
  const tolerance = shareTolerance(TRUE_HEAVY, nOurs, nRef, 3);
  t.diagnostic(`heavy share: truly ${TRUE_HEAVY.toFixed(1)}%, fluoro ${share(ours).toFixed(1)}% (${nOurs} samples), jit.profile ${share(refCounts).toFixed(1)}% (${nRef} samples)`);
  t.diagnostic(`Lua frames on ${withLua}/${all} samples; heavy stacks complete through the coroutine: ${heavyWellFormed}/${heavyStacks}`);
  assert.ok(all > 1000, `enough samples (${all})`);
  assert.ok(Math.abs(share(ours) - TRUE_HEAVY) <= TRUTH_POINTS, `heavy: fluoro ${share(ours).toFixed(1)}%, truly ${TRUE_HEAVY.toFixed(1)}%`);
  assert.ok(nRef > 200, `jit.profile took enough samples (${nRef})`);
  assert.ok(
    Math.abs(share(ours) - share(refCounts)) <= tolerance,
    `heavy: fluoro ${share(ours).toFixed(1)}% vs jit.profile ${share(refCounts).toFixed(1)}% (${tolerance.toFixed(1)} points allowed)`,
  );
  assert.ok(withLua / all >= 0.97, `Lua frames on ${((100 * withLua) / all).toFixed(1)}% of samples`);
  assert.ok(heavyWellFormed / heavyStacks >= 0.95, 'main chunk > pcall > step > coroutine.wrap_aux > coroutine > heavy');
}, { timeout: 60_000 });
