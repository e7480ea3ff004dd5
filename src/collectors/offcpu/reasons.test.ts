// The system call table against the kernel's own numbers, and how waits are named.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cValues } from '../../../test/support/c-layout.js';
import { SYSCALLS, waitReason } from './reasons.js';

test('the system call numbers match asm/unistd_64.h', () => {
  const entries = Object.entries(SYSCALLS);
  const actual = cValues('asm/unistd_64.h', entries.map(([, name]) => `__NR_${name}`));
  for (const [nr, name] of entries) assert.equal(actual.get(`__NR_${name}`), Number(nr), name);
});

test('a wait is named from the state, the kernel stack and the system call', () => {
  assert.equal(waitReason(0, 202).frame, '[run queue]');
  assert.equal(waitReason(1, 0).frame, '[syscall read]');
  assert.equal(waitReason(1, 232).idle, true);
  assert.equal(waitReason(1, 0).idle, false);
  assert.equal(waitReason(2, 6, ['handle_mm_fault', 'exc_page_fault']).frame, '[page fault]');
  assert.equal(waitReason(1, 999).frame, '[syscall 999]');
  assert.equal(waitReason(1, -1).frame, '[sleep outside a system call]');
});
