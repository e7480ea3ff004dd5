import assert from 'node:assert/strict';
import test from 'node:test';
import { formatShare, formatValue } from './units.js';

test('values read naturally in their unit', () => {
  assert.equal(formatValue(1234567, 'count'), '1,234,567 samples');
  assert.equal(formatValue(1, 'count'), '1 sample');
  assert.equal(formatValue(12_500_000, 'nanoseconds'), '12.5 ms');
  assert.equal(formatValue(3_200_000_000, 'nanoseconds'), '3.20 s');
  assert.equal(formatValue(512, 'nanoseconds'), '512 ns');
  assert.equal(formatValue(3 * 1024 * 1024, 'bytes'), '3.00 MiB');
  assert.equal(formatValue(7, 'objects'), '7 objects');
  assert.equal(formatShare(1, 3), '33.33%');
  assert.equal(formatShare(1, 0), '0.00%');
});

test('formatValue is self-contained so the viewer can embed it', () => {
  const f = new Function(`return (${formatValue.toString()})`)() as typeof formatValue;
  assert.equal(f(2048, 'bytes'), '2.00 KiB');
});

test('subtitle names the total, duration and start time from the profile', async () => {
  const { ProfileBuilder } = await import('../model/builder.js');
  const { profileSubtitle } = await import('./units.js');
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }], { durationNanos: 5_000_000_000n, timeNanos: 1_767_225_600_000_000_000n });
  b.add([b.frame('native', 'main')], 2_500_000_000);
  assert.equal(profileSubtitle(b.build()), 'cpu: 2.50 s · over 5.00 s · started 2026-01-01 00:00:00 UTC');
  const c = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  c.add([c.frame('native', 'main')], 1245);
  assert.equal(profileSubtitle(c.build()), '1,245 samples');
});
