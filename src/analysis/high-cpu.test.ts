import assert from 'node:assert/strict';
import test from 'node:test';
import { readFolded } from '../formats/folded.js';
import { ProfileBuilder } from '../model/builder.js';
import type { LuaBacktrace } from '../model/lua-backtrace.js';
import { analyzeHighCpu, hottestLua, suspiciousLocals, whereTimeGoes } from './high-cpu.js';

const spinning = readFolded(
  [
    'main;ngx_http_lua_run_thread;route @handler.lua:9_[lua];pick @balancer.lua:37_[lua];weights_gcd @balancer.lua:20_[lua];gcd @balancer.lua:10_[lua] 94',
    'main;ngx_http_lua_run_thread;route @handler.lua:9_[lua];pick @balancer.lua:37_[lua];weights_gcd @balancer.lua:20_[lua];gcd @balancer.lua:10_[lua];lj_vm_modi 4',
    'main;epoll_wait;entry_SYSCALL_64_[k] 2',
  ].join('\n'),
);

const snapshot: LuaBacktrace = {
  count: 10,
  frames: [
    { kind: 'lua', name: 'gcd', file: 'balancer.lua', line: 10, inTrace: true, locals: [{ name: 'a', type: 'number', text: 'nan' }] },
    {
      kind: 'lua', name: 'weights_gcd', file: 'balancer.lua', line: 20, inTrace: false,
      locals: [
        { name: 'g', type: 'number', text: '5' },
        { name: 'weight', type: 'string', text: '"0"', length: 1 },
        { name: 'host', type: 'string', text: '"10.0.0.2"', length: 8 },
      ],
    },
  ],
};

test('where the time goes, by the leaf of each sample', () => {
  const w = whereTimeGoes(spinning);
  assert.deepEqual(w, { total: 100, lua: 94, luaVm: 4, kernel: 2, native: 0 });
});

test('the hottest Lua frame and its callers', () => {
  const h = hottestLua(spinning)!;
  assert.deepEqual({ fn: h.function, file: h.file, line: h.line, share: h.share }, { fn: 'gcd', file: 'balancer.lua', line: 10, share: 98 });
  assert.deepEqual(h.callers.map((c) => c.function), ['weights_gcd', 'pick', 'route']);
});

test('places come from the profile\'s functions and lines, not from their display names', () => {
  // A field name may hold anything, " @" too: `handlers["on @ready"]()` shows as
  // "on @ready @events.lua:7", which no reading of the text splits back for certain.
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const loop = b.location({ kind: 'lua', lines: [{ func: b.func({ name: 'on @ready', file: 'events.lua', startLine: 5 }), line: 7 }] });
  const caller = b.frame('lua', 'dispatch', '[string "x:1"]', 3);
  const main = b.frame('native', 'main');
  b.add([loop, caller, main], 9);
  b.add([b.frame('native', 'epoll_wait'), main], 1);
  const h = hottestLua(b.build())!;
  assert.deepEqual({ fn: h.function, file: h.file, line: h.line, share: h.share }, { fn: 'on @ready', file: 'events.lua', line: 7, share: 90 });
  assert.deepEqual(h.callers, [{ function: 'dispatch', file: '[string "x:1"]', line: 3 }]);
});

test('numbers kept in strings are pointed out, other strings are not', () => {
  const s = suspiciousLocals(snapshot.frames);
  assert.equal(s.length, 1);
  assert.equal(s[0]!.variable, 'weight');
  assert.match(s[0]!.why, /the string "0", not the number 0/);
});

test('the report says it in words', () => {
  const r = analyzeHighCpu(spinning, [snapshot], 10);
  assert.equal(r.verdict, 'The time goes to Lua code: 98% of the CPU samples are in Lua (94% in Lua functions, 4.0% in C called from Lua).');
  assert.deepEqual(r.findings.slice(1, 3), [
    'The hottest Lua code is gcd() at balancer.lua:10, in 98% of all samples, called from weights_gcd() at balancer.lua:20, called from pick() at balancer.lua:37, called from route() at handler.lua:9.',
    'It looks like a loop that never exits: all 10 snapshots show the same Lua functions, stopped in gcd() at balancer.lua:10.',
  ]);
  assert.match(r.findings[3]!, /^Look at weights_gcd\(\) at balancer\.lua:20: weight holds the string "0"/);
  assert.match(r.findings[4]!, /JIT trace/);
});

test('a loop over several lines is still one loop; different functions are not', () => {
  const otherLine: LuaBacktrace = { count: 3, frames: [{ ...snapshot.frames[0]!, line: 11 }, snapshot.frames[1]!] };
  const r = analyzeHighCpu(spinning, [{ ...snapshot, count: 7 }, otherLine], 10);
  assert.deepEqual(r.loop, { snapshots: 10, same: 10 });
  const elsewhere: LuaBacktrace = { count: 6, frames: [{ ...snapshot.frames[0]!, name: 'max_weight' }] };
  const busy = analyzeHighCpu(spinning, [{ ...snapshot, count: 4 }, elsewhere], 10);
  assert.ok(busy.findings.includes('4 of 10 snapshots show the same Lua functions; the code is busy but moving.'));
});
