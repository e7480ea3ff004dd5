// Object lifecycle and maps on real loaded objects, and what a verifier rejection looks like.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FluoroError, NotSupportedError } from '../errors.js';
import { bpfTest } from '../../test/support/bpf.js';
import { possibleCpus } from './cpus.js';
import { BPF_NOEXIST, u32Key } from './map.js';
import { BpfObject } from './object.js';
import { bpfObjectPath, bpfSourceDir } from './paths.js';

bpfTest('maps: update, lookup, keys, delete, batch drain; per-CPU values', (t) => {
  const obj = BpfObject.open(bpfObjectPath('cpu'), { maxEntries: { targets: 64 } });
  t.after(() => obj.close());
  obj.load();
  const targets = obj.map('targets');
  assert.equal(targets.maxEntries, 64);
  for (const pid of [11, 22, 33]) targets.update(u32Key(pid), Buffer.from([1]), BPF_NOEXIST);
  assert.throws(() => targets.update(u32Key(11), Buffer.from([1]), BPF_NOEXIST), FluoroError);
  assert.deepEqual(targets.lookup(u32Key(22)), Buffer.from([1]));
  assert.equal(targets.lookup(u32Key(44)), undefined);
  assert.deepEqual(targets.keys().map((k) => k.readUInt32LE(0)).sort((a, b) => a - b), [11, 22, 33]);
  assert.equal(targets.delete(u32Key(22)), true);
  assert.equal(targets.delete(u32Key(22)), false);
  const drained = targets.lookupAndDeleteAll();
  assert.deepEqual(drained.map((e) => e.key.readUInt32LE(0)).sort((a, b) => a - b), [11, 33]);
  assert.equal(targets.keys().length, 0);

  const counters = obj.map('counters');
  assert.equal(counters.perCpu, true);
  assert.equal(counters.valueBytes, 8 * possibleCpus().length);
  const perCpu = counters.lookupPerCpu(u32Key(0));
  assert.equal(perCpu?.length, possibleCpus().length);
  assert.ok(perCpu?.every((v) => v.readBigUInt64LE(0) === 0n));
});

bpfTest('configuration errors and verifier rejections are reported in words', (t) => {
  assert.throws(() => BpfObject.open(bpfObjectPath('smoke'), { rodata: { no_such_global: 1 } }), /no const volatile variable named no_such_global/);
  assert.throws(() => BpfObject.open(bpfObjectPath('smoke'), { rodata: { only_tgid: 1n << 40n } }), /does not fit only_tgid/);

  // A program that reads past the end of a map value must be refused, with the verifier's words.
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bad-bpf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.bpf.c'), `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } a SEC(".maps");
SEC("perf_event") int bad(void *ctx) { __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&a, &k); if (v) return v[9]; return 0; }
char LICENSE[] SEC("license") = "GPL";
`);
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', join(bpfSourceDir(), 'include'),
    '-I', '/usr/include/x86_64-linux-gnu', '-c', join(dir, 'bad.bpf.c'), '-o', join(dir, 'bad.bpf.o')]);
  const obj = BpfObject.open(join(dir, 'bad.bpf.o'));
  t.after(() => obj.close());
  assert.throws(() => obj.load(), (e: Error) => {
    assert.ok(e instanceof NotSupportedError, 'a verifier refusal is not a privilege problem');
    assert.match(e.message, /loading BPF object bad\.bpf\.o failed: the kernel's verifier rejected it/);
    assert.match(e.message, /invalid access to map value/);
    return true;
  });
});
