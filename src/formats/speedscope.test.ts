import assert from 'node:assert/strict';
import test from 'node:test';
import { ProfileBuilder } from '../model/builder.js';
import { total } from '../model/profile.js';
import { readFolded, writeFolded } from './folded.js';
import { SPEEDSCOPE_SCHEMA, isSpeedscope, readSpeedscope, toSpeedscope, writeSpeedscope } from './speedscope.js';

const text = [
  'main;ngx_http_lua_content_handler;handler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90',
  'main;ngx_http_lua_content_handler;handler @gw.lua:3_[lua];tostring_[luab] 6',
  'main;epoll_wait;entry_SYSCALL_64_[k] 4',
].join('\n');

test('speedscope file shares frames and writes stacks root first', () => {
  const f = toSpeedscope(readFolded(text), 'gw');
  assert.equal(f.$schema, SPEEDSCOPE_SCHEMA);
  assert.equal(f.name, 'gw');
  assert.equal(f.shared.frames.filter((x) => x.name === 'main').length, 1, 'one shared frame per distinct frame');
  const p0 = f.profiles[0]!;
  assert.equal(p0.type, 'sampled');
  assert.equal(p0.unit, 'none');
  assert.equal(p0.endValue, 100);
  assert.deepEqual(p0.weights, [90, 6, 4]);
  assert.deepEqual(p0.samples[2]!.map((i) => f.shared.frames[i]!.name), ['main', 'epoll_wait', 'entry_SYSCALL_64']);
  assert.equal(f.shared.frames[p0.samples[2]![2]!]!.kind, 'kernel');
});

test('speedscope round trip keeps stacks, kinds, inlining and every sample type', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }], { defaultSampleType: 1 });
  const inner = b.func({ name: 'inner' });
  const outer = b.func({ name: 'outer' });
  const inl = b.location({ kind: 'native', address: 0x10n, lines: [{ func: inner }, { func: outer }] });
  const main = b.frame('native', 'main');
  b.add([inl, main], [2, 20]);
  b.add([b.frame('lua', 'gcd', 'balancer.lua', 41), main], [3, 30]);
  b.add([main], [0, 7]);
  const p = b.build();
  const out = writeSpeedscope(p);
  assert.ok(isSpeedscope(Buffer.from(out)));
  const q = readSpeedscope(out);
  assert.deepEqual(q.sampleTypes, p.sampleTypes);
  assert.equal(q.defaultSampleType, 1);
  for (const i of [0, 1]) {
    assert.equal(total(q, i), total(p, i));
    assert.equal(writeFolded(q, { valueIndex: i }), writeFolded(p, { valueIndex: i }));
  }
  assert.ok(writeFolded(q).includes('main;outer;inner_[i] 20'));
  const folded = readFolded(text);
  assert.equal(writeFolded(readSpeedscope(writeSpeedscope(folded))), writeFolded(folded));
});

test('malformed speedscope input is refused with a clear error', () => {
  assert.throws(() => readSpeedscope('{'), /not a readable speedscope profile/);
  assert.throws(() => readSpeedscope('{"shared":{"frames":[]},"profiles":[]}'), /no sampled profiles/);
  const bad = { $schema: SPEEDSCOPE_SCHEMA, shared: { frames: [{ name: 'a' }] }, profiles: [{ type: 'sampled', name: 's', unit: 'none', samples: [[0, 5]], weights: [1] }] };
  assert.throws(() => readSpeedscope(JSON.stringify(bad)), /frame index 5 is out of range/);
  assert.equal(isSpeedscope(Buffer.from('a;b 1\n')), false);
});
