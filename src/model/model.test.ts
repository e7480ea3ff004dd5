import assert from 'node:assert/strict';
import test from 'node:test';
import { readFolded, writeFolded } from '../formats/folded.js';
import { ProfileBuilder } from './builder.js';
import { fromDocument, toDocument } from './serialize.js';
import { functionCosts } from './summary.js';
import { focus, ignore, keepKinds, merge, scale } from './transform.js';
import { total } from './profile.js';

const text = [
  'main;ngx_http_lua_content_handler;handler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90',
  'main;ngx_http_lua_content_handler;handler @gw.lua:3_[lua];tostring_[luab] 6',
  'main;epoll_wait;entry_SYSCALL_64_[k] 4',
  '',
].join('\n');

test('builder aggregates identical stacks and labels, keeps distinct labels apart', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const a = b.frame('native', 'a');
  const c = b.frame('native', 'c');
  b.add([c, a], 1, { pid: 1 });
  b.add([c, a], 2, { pid: 1 });
  b.add([c, a], 5, { pid: 2 });
  b.add([a], 1);
  const p = b.build();
  assert.equal(p.samples.length, 3);
  assert.deepEqual(p.samples.map((s) => s.values[0]), [3, 5, 1]);
  assert.equal(p.samples[0]!.stack, p.samples[1]!.stack, 'identical stacks share one array');
  assert.throws(() => b.add([a], [1, 2]), /expected 1 values/);
});

test('folded round trip keeps frames, kinds and counts', () => {
  const p = readFolded(text);
  assert.equal(total(p), 100);
  assert.equal(writeFolded(p), text.split('\n').filter(Boolean).sort().map((l) => l + '\n').join(''));
  const gcd = p.locations.find((l) => l.lines[0]?.func.name === 'gcd');
  assert.equal(gcd?.kind, 'lua');
  assert.equal(gcd?.lines[0]?.func.file, 'balancer.lua');
  assert.equal(gcd?.lines[0]?.line, 41);
  assert.equal(p.locations.find((l) => l.lines[0]?.func.name === 'entry_SYSCALL_64')?.kind, 'kernel');
});

test('folded rejects malformed lines with their number', () => {
  assert.throws(() => readFolded('a;b 1\na;b\n'), /line 2/);
  assert.throws(() => readFolded('a;b -3\n'), /line 1/);
});

test('folded output neutralizes separators and control characters in names', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  b.add([b.frame('native', 'evil;name\nwith\x1b[31mescape'), b.frame('native', 'main')], 1);
  const out = writeFolded(b.build());
  assert.equal(out, 'main;evil:name with [31mescape 1\n');
});

test('self and total per function', () => {
  const rows = functionCosts(readFolded('a;b;c 3\na;b 2\na;c 1\nb;b 4\n'));
  const by = Object.fromEntries(rows.map((r) => [r.name, [r.self, r.total]]));
  assert.deepEqual(by, { a: [0, 6], b: [6, 9], c: [4, 4] }, 'recursion counts total once');
  assert.equal(rows[0]!.name, 'b');
});

test('merge, scale, focus, ignore and keepKinds', () => {
  const p = readFolded(text);
  assert.equal(total(merge([p, p])), 200);
  assert.equal(total(scale(p, 0.5)), 50);
  const f = focus(p, /^gcd /);
  assert.equal(writeFolded(f), 'gcd @balancer.lua:41_[lua] 90\n');
  assert.equal(total(ignore(p, /epoll/)), 96);
  const lua = keepKinds(p, new Set(['lua', 'lua-builtin']), '[no Lua frames]');
  assert.equal(
    writeFolded(lua),
    '[no Lua frames]_[u] 4\nhandler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90\nhandler @gw.lua:3_[lua];tostring_[luab] 6\n',
  );
  assert.equal(writeFolded(p), text.split('\n').filter(Boolean).sort().map((l) => l + '\n').join(''), 'input unchanged');
});

test('serialized document round trips and rejects newer versions', () => {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }, { type: 'samples', unit: 'count' }], {
    period: 10101010,
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    durationNanos: 5_000_000_000n,
  });
  const m = b.mapping({ start: 0x400000n, limit: 0x500000n, file: '/usr/sbin/nginx', buildId: 'abcd' });
  const inl = b.func({ name: 'inner', file: 'x.c' });
  const out = b.func({ name: 'outer', systemName: '_Z5outerv', file: 'x.c', startLine: 10 });
  const loc = b.location({ kind: 'native', address: 0x401234n, mapping: m, lines: [{ func: inl, line: 3 }, { func: out, line: 12 }] });
  b.add([loc, b.frame('native', 'main')], [20202020, 2], { pid: 42, comm: 'nginx' });
  const p = b.build();
  const json = JSON.stringify(toDocument(p));
  const q = fromDocument(JSON.parse(json));
  assert.deepEqual(toDocument(q), toDocument(p));
  assert.equal(writeFolded(q), 'main;outer;inner_[i] 20202020\n');
  assert.throws(() => fromDocument({ ...JSON.parse(json), version: 99 }), /newer/);
  assert.throws(() => fromDocument({ format: 'x' }), /not a fluoro profile/);
});
