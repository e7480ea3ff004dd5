import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from './stats.js';

test('median and spread, odd and even counts, non-finite values ignored', () => {
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(summarize([4, 1, 2, NaN, 3]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.equal(summarize([]), undefined);
});
