// Lua-level CPU profiles of a real nginx worker under wrk, with the JIT on and off: held to the
// workload's true shares, and checked against LuaJIT's own profiler running in the same worker.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { bpfTest } from '../support/bpf.js';
import { startNginx } from '../support/nginx.js';
import { startWrk } from '../support/wrk.js';
import {
  BURN_LUA, PROFILER_INIT, PROFILER_LOCATIONS, TRUE_SHARES, TRUTH_POINTS, fluoroShares, luaCoverage, referenceShares, shareTolerance,
} from './workload.js';

for (const jit of ['on', 'off'] as const) {
  bpfTest(`nginx + Lua, JIT ${jit}: Lua function shares close to the truth, and agree with jit.profile`, async (t) => {
    const nginx = await startNginx(t, {
      lua: true,
      luaFiles: { 'burn.lua': BURN_LUA },
      http: (jit === 'off' ? 'init_by_lua_block { require("jit").off() }\n' : '') + PROFILER_INIT,
      server: PROFILER_LOCATIONS,
    });
    const [worker] = nginx.workers();
    assert.ok(worker);
    const load = startWrk(t, nginx.url, 10);
    await sleep(1500); // past warm-up: traces compiled, steady state
    await fetch(`${nginx.url}__ref_reset`).then((r) => r.text());
    const result = await profileCpu({ pids: [worker], durationMs: 6000, hz: 999, kernel: true, perThread: false });
    const reference = referenceShares(await fetch(`${nginx.url}__ref`).then((r) => r.text()));
    const rps = await load.done;

    const ours = fluoroShares(result.profile);
    const cover = luaCoverage(result.profile);
    const fmt = (shares: Record<string, number>) => Object.entries(shares).map(([fn, v]) => `${fn} ${v.toFixed(1)}`).join(', ');
    t.diagnostic(`JIT ${jit}: ${rps} req/s; true ${fmt(TRUE_SHARES)}; fluoro ${fmt(ours.shares)} (${ours.samples} samples); jit.profile ${fmt(reference.shares)} (${reference.samples} samples)`);
    t.diagnostic(`Lua frames on ${cover.withLua}/${cover.vmSamples} VM samples; ${result.stacks.complete}/${result.stacks.samples} complete`);
    assert.ok(result.stacks.samples > 1000, `enough samples (${result.stacks.samples})`);
    assert.ok(reference.samples > 200, `jit.profile took enough samples (${reference.samples})`);
    for (const fn of ['heavy', 'medium', 'light']) {
      const truth = TRUE_SHARES[fn]!;
      assert.ok(Math.abs(ours.shares[fn]! - truth) <= TRUTH_POINTS, `${fn}: fluoro ${ours.shares[fn]!.toFixed(1)}%, truly ${truth.toFixed(1)}%`);
      const tolerance = shareTolerance(truth, ours.samples, reference.samples, 3);
      assert.ok(
        Math.abs(ours.shares[fn]! - reference.shares[fn]!) <= tolerance,
        `${fn}: fluoro ${ours.shares[fn]!.toFixed(1)}% vs jit.profile ${reference.shares[fn]!.toFixed(1)}% (${tolerance.toFixed(1)} points allowed for ${reference.samples} samples)`,
      );
    }
    assert.ok(cover.vmSamples > 1000);
    assert.ok(cover.withLua / cover.vmSamples >= 0.97, `Lua frames on ${((100 * cover.withLua) / cover.vmSamples).toFixed(1)}% of VM samples`);
  }, { timeout: 60_000 });
}
