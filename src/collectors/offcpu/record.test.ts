// Drift check: compiles bpf/include/offcpu.h with the host compiler and compares every constant
// and offset with record.ts. Plus decoding of built records.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cValues } from '../../../test/support/c-layout.js';
import { CpuSampleLayout } from '../cpu/record.js';
import {
  OFFCPU_COUNTER_COUNT, OFFCPU_IN_LOST, OFFCPU_MAX_THREADS, OFFCPU_RECORD_IN, OFFCPU_RECORD_OUT, OffcpuCounter,
  OffcpuInLayout as In, OffcpuOutLayout as Out, decodeOffcpuRecord,
} from './record.js';

const expected: Array<[string, number]> = [
  ['OFFCPU_RECORD_OUT', OFFCPU_RECORD_OUT],
  ['OFFCPU_RECORD_IN', OFFCPU_RECORD_IN],
  ['OFFCPU_MAX_THREADS', OFFCPU_MAX_THREADS],
  ['OFFCPU_IN_LOST', OFFCPU_IN_LOST],
  ['OFFCPU_COUNTER_SEEN', OffcpuCounter.seen],
  ['OFFCPU_COUNTER_RECORDED', OffcpuCounter.recorded],
  ['OFFCPU_COUNTER_DROPPED', OffcpuCounter.exits['ring-full']],
  ['OFFCPU_COUNTER_FILTERED', OffcpuCounter.exits.filtered],
  ['OFFCPU_COUNTER_NO_ROOM', OffcpuCounter.exits['no-room']],
  ['OFFCPU_COUNTER_COUNT', OFFCPU_COUNTER_COUNT],
  ['sizeof(struct offcpu_out)', Out.size],
  ['offsetof(struct offcpu_out, kind)', Out.kind],
  ['offsetof(struct offcpu_out, state)', Out.state],
  ['offsetof(struct offcpu_out, syscall)', Out.syscall],
  ['offsetof(struct offcpu_out, preempt)', Out.preempt],
  ['sizeof(struct offcpu_in)', In.size],
  ['offsetof(struct offcpu_in, kind)', In.kind],
  ['offsetof(struct offcpu_in, flags)', In.flags],
  ['offsetof(struct offcpu_in, pid)', In.pid],
  ['offsetof(struct offcpu_in, tid)', In.tid],
  ['offsetof(struct offcpu_in, out_ns)', In.outNs],
  ['offsetof(struct offcpu_in, in_ns)', In.inNs],
];

test('record.ts matches bpf/include/offcpu.h', () => {
  const actual = cValues('offcpu.h', expected.map(([expr]) => expr));
  for (const [expr, value] of expected) assert.equal(value, actual.get(expr), `${expr} in offcpu.h vs record.ts`);
});

test('decodeOffcpuRecord reads a switch-in record', () => {
  const buf = Buffer.alloc(In.size);
  buf.writeUInt32LE(OFFCPU_RECORD_IN, In.kind);
  buf.writeUInt32LE(OFFCPU_IN_LOST, In.flags);
  buf.writeUInt32LE(42, In.pid);
  buf.writeUInt32LE(43, In.tid);
  buf.writeBigUInt64LE(1000n, In.outNs);
  buf.writeBigUInt64LE(5000n, In.inNs);
  assert.deepEqual(decodeOffcpuRecord(buf), { kind: 'in', pid: 42, tid: 43, outNs: 1000n, inNs: 5000n, lost: true });
  assert.equal(decodeOffcpuRecord(buf.subarray(0, In.size - 1)), undefined);
});

test('decodeOffcpuRecord reads a switch-out header and the CPU sample behind it', () => {
  const stack = Buffer.from([9, 8, 7]);
  const buf = Buffer.alloc(Out.size + CpuSampleLayout.size + stack.length);
  buf.writeUInt32LE(OFFCPU_RECORD_OUT, Out.kind);
  buf.writeUInt32LE(1, Out.state);
  buf.writeBigInt64LE(-1n, Out.syscall);
  buf.writeUInt8(1, Out.preempt);
  const s = Out.size;
  buf.writeUInt32LE(42, s + CpuSampleLayout.pid);
  buf.writeUInt32LE(43, s + CpuSampleLayout.tid);
  buf.writeUInt32LE(stack.length, s + CpuSampleLayout.stackBytes);
  stack.copy(buf, s + CpuSampleLayout.size);
  const r = decodeOffcpuRecord(buf);
  assert.equal(r?.kind, 'out');
  if (r?.kind !== 'out') return;
  assert.equal(r.state, 1);
  assert.equal(r.syscall, -1);
  assert.equal(r.preempt, true);
  assert.equal(r.sample.tid, 43);
  assert.deepEqual([...r.sample.stack], [9, 8, 7]);
  assert.equal(decodeOffcpuRecord(buf.subarray(0, buf.length - 1)), undefined);
  buf.writeUInt32LE(7, Out.kind);
  assert.equal(decodeOffcpuRecord(buf), undefined);
});
