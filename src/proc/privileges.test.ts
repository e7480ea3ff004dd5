import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, effectiveCapabilities, hasCapability, missingBpfPrivileges, parseCapEff } from './privileges.js';

const bit = (cap: number) => 1n << BigInt(cap);

test('parseCapEff reads the effective set from /proc/PID/status text', () => {
  const status = 'Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n';
  assert.equal(parseCapEff(status), 0x1ffffffffffn);
  assert.equal(parseCapEff('Name:\tx\n'), undefined);
  assert.equal(effectiveCapabilities(), parseCapEff(readFileSync('/proc/self/status', 'utf8')));
});

test('missingBpfPrivileges names what is missing', () => {
  assert.equal(missingBpfPrivileges(bit(CAP_SYS_ADMIN)), undefined);
  assert.equal(missingBpfPrivileges(bit(CAP_BPF) | bit(CAP_PERFMON)), undefined);
  const none = missingBpfPrivileges(0n);
  assert.match(none!, /lacks CAP_BPF and CAP_PERFMON/);
  assert.match(none!, /root/);
  assert.match(missingBpfPrivileges(bit(CAP_BPF))!, /lacks CAP_PERFMON/);
  assert.doesNotMatch(missingBpfPrivileges(bit(CAP_BPF))!, /lacks CAP_BPF/);
  assert.equal(hasCapability(bit(CAP_PERFMON), CAP_PERFMON), true);
});
