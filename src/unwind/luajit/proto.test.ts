import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTarget } from '../../proc/testing.js';
import { calleeName } from './funcname.js';
import { OPENRESTY_2_1_20230119_GC64 as build } from './layout.js';
import { GCMASK, ProtoCache, chunkDisplayName, decodeVarinfo, lineAt, varsAt } from './proto.js';
import { processMemory } from './remote-memory.js';
import { vmOfState } from './vm.js';

const script = fileURLToPath(new URL('../../../../test/fixtures/lua/protos.lua', import.meta.url));

test('chunk names read as Lua shows them', () => {
  assert.equal(chunkDisplayName('@/srv/app/balancer.lua'), '/srv/app/balancer.lua');
  assert.equal(chunkDisplayName('=stdin'), 'stdin');
  assert.equal(chunkDisplayName('return 1'), '[string "return 1"]');
  assert.equal(chunkDisplayName('local x = 1\nreturn x'), '[string "local x = 1..."]');
});

test('varinfo decoding: names, internal for-loop slots, ranges, and the end marker', () => {
  // "a" 0..5, (for index) 2..4, "bb" 3..9, end
  const b = Buffer.from([0x61, 0, 0, 5, 1, 2, 2, 0x62, 0x62, 0, 1, 6, 0]);
  const { vars, end } = decodeVarinfo(b);
  assert.deepEqual(vars, [
    { name: 'a', start: 0, end: 5 },
    { name: '(for index)', start: 2, end: 4 },
    { name: 'bb', start: 3, end: 9 },
  ]);
  assert.equal(end, b.length);
  assert.equal(decodeVarinfo(b.subarray(0, 8)).end, undefined, 'truncated input is not taken as complete');
});

test('prototypes, lines, locals and callee names read from a live luajit', async (t) => {
  const target = await startTarget(t, '/usr/bin/luajit', [script]);
  const [gcdFn, pickFn, co, gcdLine, pickLine, callPos, calltPos] = target.ready.split(' ');
  const mem = processMemory(target.pid);
  const lay = build.layout;

  // The coroutine that printed the line is running (waiting in os.execute) in a VM whose
  // global_State satisfies the layout's invariants.
  const vm = vmOfState(mem, lay, BigInt(co!));
  assert.ok(vm, 'the layout validates against the live VM');
  assert.equal(vm.curL, BigInt(co!), 'cur_L is the running coroutine');
  const cframe = mem.read(vm.curL + BigInt(lay.L_cframe), 8)!.readBigUInt64LE(0);
  assert.notEqual(cframe, 0n, 'a coroutine inside a C call has a C frame');

  const protos = new ProtoCache(mem, build.proto, lay.proto_size);
  const protoOf = (fn: string) => (mem.read(BigInt(fn) + BigInt(lay.fn_pc), 8)!.readBigUInt64LE(0) & GCMASK) - BigInt(lay.proto_size);
  const gcd = protos.get(protoOf(gcdFn!));
  assert.ok(gcd);
  assert.equal(gcd.chunk, script);
  assert.equal(gcd.firstLine, Number(gcdLine));
  assert.deepEqual(gcd.vars.map((v) => v.name), ['a', 'b', 'steps']);
  assert.equal(lineAt(gcd, 1), Number(gcdLine) + 1, 'the first instruction is `local steps = 0`');

  const pick = protos.get(protoOf(pickFn!));
  assert.ok(pick);
  assert.equal(pick.firstLine, Number(pickLine));
  assert.equal(lineAt(pick, Number(callPos)), Number(pickLine) + 2, 'ipairs() is called on the for line');
  assert.deepEqual(varsAt(pick, Number(callPos)).map((v) => v.name), ['servers', 'total']);
  assert.deepEqual(calleeName(mem, build.proto, pick, Number(callPos)), { kind: 'global', name: 'ipairs' });
  assert.deepEqual(calleeName(mem, build.proto, pick, Number(calltPos)), { kind: 'upvalue', name: 'gcd' });
  assert.deepEqual(pick.upvalueNames, ['gcd']);

  assert.equal(protos.get(8n), undefined, 'an unreadable address is not a prototype');

  // Re-validation: trusted for 100 ms, then checked against the header, which a reuse changes.
  let clock = 0;
  let reads = 0;
  let reused = false;
  const watched = {
    read(addr: bigint, len: number): Buffer | undefined {
      reads++;
      const b = mem.read(addr, len);
      if (b && reused && addr === protoOf(gcdFn!)) b[b.length - 1] = b[b.length - 1]! ^ 0xff;
      return b;
    },
  };
  const timed = new ProtoCache(watched, build.proto, lay.proto_size, 65536, 100, () => clock);
  const first = timed.get(protoOf(gcdFn!));
  assert.ok(first);
  const afterFirst = reads;
  clock = 99;
  assert.equal(timed.get(protoOf(gcdFn!)), first);
  assert.equal(reads, afterFirst, 'no read within the window');
  clock = 150;
  assert.equal(timed.get(protoOf(gcdFn!)), first);
  assert.equal(reads, afterFirst + 1, 'one header read past it');
  reused = true;
  clock = 300;
  const changed = timed.get(protoOf(gcdFn!));
  assert.notEqual(changed, first, 'a changed header is read anew');
});
