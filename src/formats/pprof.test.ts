import assert from 'node:assert/strict';
import test from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile as PProfile } from 'pprof-format';
import { ProfileBuilder } from '../model/builder.js';
import { total, type Profile } from '../model/profile.js';
import { readFolded, writeFolded } from './folded.js';
import { readPprof, writePprof } from './pprof.js';

function richProfile(): Profile {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }], {
    timeNanos: 1_700_000_000_123_456_789n,
    durationNanos: 5_000_000_000n,
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10101010,
    comments: ['target: nginx worker 4242', 'fluoro cpu --pid 4242'],
    defaultSampleType: 1,
  });
  const nginx = b.mapping({ start: 0x55550000n, limit: 0x55650000n, offset: 0x1000n, file: '/usr/sbin/nginx', buildId: '9f3c2a' });
  const inner = b.func({ name: 'ngx_hash_key', file: 'ngx_hash.c', startLine: 200 });
  const outer = b.func({ name: 'ngx::process', systemName: '_ZN3ngx7processEv', file: 'ngx.cc', startLine: 10 });
  const inl = b.location({ kind: 'native', address: 0x55551234n, mapping: nginx, lines: [{ func: inner, line: 210 }, { func: outer, line: 14 }] });
  const main = b.frame('native', 'main');
  const sys = b.frame('kernel', 'entry_SYSCALL_64');
  const lua = b.frame('lua', 'gcd', 'balancer.lua', 41);
  const ff = b.frame('lua-builtin', 'tostring');
  const raw = b.location({ kind: 'native', address: 0x55559999n, mapping: nginx });
  const kaddr = b.location({ kind: 'kernel', address: 0xffffffff81000010n });
  b.add([inl, main], [3, 30303030], { thread: 'worker', tid: 4243 });
  b.add([sys, main], [2, 20202020], { thread: 'worker', tid: 4243 });
  b.add([lua, ff, main], [5, 50505050], { tid: -1 });
  b.add([kaddr, raw, main], [1, 10101010]);
  return b.build();
}

test('pprof round trip keeps values, labels, kinds, inlining and metadata', async () => {
  const p = richProfile();
  const q = readPprof(await writePprof(p));
  assert.deepEqual(q.sampleTypes, p.sampleTypes);
  assert.equal(q.defaultSampleType, 1);
  for (const i of [0, 1]) assert.equal(total(q, i), total(p, i));
  assert.equal(writeFolded(q), writeFolded(p));
  assert.equal(writeFolded(q, { valueIndex: 0 }), writeFolded(p, { valueIndex: 0 }));
  assert.deepEqual(q.samples.map((s) => s.labels), p.samples.map((s) => s.labels));
  assert.equal(q.timeNanos, p.timeNanos);
  assert.equal(q.durationNanos, p.durationNanos);
  assert.deepEqual(q.periodType, p.periodType);
  assert.equal(q.period, p.period);
  assert.deepEqual(q.comments, p.comments);
  assert.deepEqual(q.mappings.map(({ id: _, ...m }) => m), p.mappings.map(({ id: _, ...m }) => m));
  const f = q.functions.find((x) => x.name === 'ngx::process');
  assert.deepEqual(f && { ...f, id: 0 }, { id: 0, name: 'ngx::process', systemName: '_ZN3ngx7processEv', file: 'ngx.cc', startLine: 10 });
  const inl = q.locations.find((l) => l.lines.length === 2);
  assert.deepEqual(inl?.lines.map((l) => [l.func.name, l.line]), [['ngx_hash_key', 210], ['ngx::process', 14]]);
  assert.deepEqual(q.locations.map((l) => l.kind).sort(), p.locations.map((l) => l.kind).sort());
});

test('what other pprof readers see: clean names, tagged system names', async () => {
  const decoded = PProfile.decode(gunzipSync(await writePprof(richProfile())));
  const str = (i: number | bigint): string => decoded.stringTable.strings[Number(i)]!;
  const byName = new Map(decoded.function.map((f) => [str(f.name), str(f.systemName)]));
  assert.equal(byName.get('gcd'), '[fluoro:lua]gcd');
  assert.equal(byName.get('entry_SYSCALL_64'), '[fluoro:kernel]entry_SYSCALL_64');
  assert.equal(byName.get('main'), 'main', 'native functions are untouched');
  assert.equal(decoded.sample.reduce((a, s) => a + Number(s.value[0]), 0), 11);
  assert.equal(str(decoded.defaultSampleType), 'cpu');
});

test('folded text survives folded → pprof → folded', async () => {
  const text = 'main;ngx_http_lua_content_handler;handler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90\nmain;epoll_wait;entry_SYSCALL_64_[k] 4\n';
  const q = readPprof(await writePprof(readFolded(text)));
  assert.equal(writeFolded(q), text.split('\n').filter(Boolean).sort().map((l) => l + '\n').join(''));
});

test('uncompressed pprof is read too; garbage and empty profiles are refused clearly', async () => {
  const p = richProfile();
  const raw = gunzipSync(await writePprof(p));
  assert.equal(total(readPprof(raw)), total(p));
  assert.throws(() => readPprof(gzipSync(Buffer.from('this is not protobuf at all'))), /pprof/);
  assert.throws(() => readPprof(Buffer.from([0x1f, 0x8b, 1, 2, 3])), /not a readable pprof profile/);
  assert.throws(() => readPprof(new Uint8Array(0)), /no sample types/);
});
