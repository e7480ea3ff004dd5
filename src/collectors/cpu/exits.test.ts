// describeLosses: the one line on what the BPF program could not record.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { describeLosses } from './exits.js';

test('describeLosses sums lost samples and lists reasons, most frequent first', () => {
  assert.equal(
    describeLosses({ exits: { 'ring-full': 2, 'too-long': 0, filtered: 500, 'user-stack': 10, bounds: 10 } }),
    '12 samples lost: 10 length check failed, 2 ring buffer full; samples shortened: 10 user stack unreadable',
  );
  assert.equal(describeLosses({ exits: { 'ring-full': 1 } }), '1 sample lost: 1 ring buffer full');
});

test('describeLosses names shortened samples alone, and says nothing when nothing was lost', () => {
  assert.equal(
    describeLosses({ exits: { 'lua-slots': 3, 'lua-read': 7, 'ring-full': 0 } }),
    'samples shortened: 7 LuaJIT state unreadable, 3 Lua frames without their locals',
  );
  assert.equal(describeLosses({ exits: { filtered: 1000, 'ring-full': 0 } }), undefined, 'other processes are no loss');
  assert.equal(describeLosses({ exits: {} }), undefined);
});

test('describeLosses reports a reason it has no words for as a loss, under its own name', () => {
  assert.equal(describeLosses({ exits: { 'new-reason': 4 } }), '4 samples lost: 4 new-reason');
});
