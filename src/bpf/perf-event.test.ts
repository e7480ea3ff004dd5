import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseCpuList } from './cpus.js';
import { AttrFlag, PERF_COUNT_SW_CPU_CLOCK, PERF_TYPE_SOFTWARE, encodePerfEventAttr } from './perf-event.js';

test('perf_event_attr: type, size, config, frequency with the freq bit (bit 10 at offset 40)', () => {
  const attr = encodePerfEventAttr({ type: PERF_TYPE_SOFTWARE, config: PERF_COUNT_SW_CPU_CLOCK, frequency: 99 });
  assert.equal(attr.length, 128);
  assert.equal(attr.readUInt32LE(0), 1);
  assert.equal(attr.readUInt32LE(4), 128);
  assert.equal(attr.readBigUInt64LE(8), 0n);
  assert.equal(attr.readBigUInt64LE(16), 99n);
  assert.equal(attr.readBigUInt64LE(40), 1n << 10n);
  assert.equal(attr.readUInt16LE(40 + 1) & 0x4, 0x4); // the same bit, seen as C would place it
});

test('perf_event_attr: a period leaves the freq bit clear and keeps other flags', () => {
  const attr = encodePerfEventAttr({ type: 0, config: 0n, period: 100000n, flags: AttrFlag.excludeKernel });
  assert.equal(attr.readBigUInt64LE(16), 100000n);
  assert.equal(attr.readBigUInt64LE(40), 1n << 5n);
});

test('CPU lists as the kernel prints them', () => {
  assert.deepEqual(parseCpuList('0-3\n'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('0,2-3,8'), [0, 2, 3, 8]);
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.throws(() => parseCpuList('3-1'));
  assert.throws(() => parseCpuList('0-99999999'));
  assert.throws(() => parseCpuList('x'));
});
