// Feature probes on this kernel, the forced answers tests use, and the sentence a missing
// feature gives.
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { test } from 'node:test';

import { NotSupportedError, UsageError } from '../errors.js';
import { bpfTest } from '../../test/support/bpf.js';
import {
  BPF_FEATURES, bpfFeatureProbes, bpfFeatureSentence, bpfFeatureSince, forcedBpfFeatures, hasBpfFeature, missingBpfFeature, requireBpfFeatures,
} from './features.js';
import { native } from './native.js';

function withForced<T>(value: string, fn: () => T): T {
  const before = process.env.FLUORO_BPF_FEATURES;
  process.env.FLUORO_BPF_FEATURES = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.FLUORO_BPF_FEATURES;
    else process.env.FLUORO_BPF_FEATURES = before;
  }
}

test('a missing feature is one sentence naming it and the first kernel that has it', () => {
  assert.equal(bpfFeatureSentence('bpf_loop'), 'this kernel lacks the BPF helper bpf_loop (Linux 5.17 or later has it)');
  assert.equal(bpfFeatureSentence('ringbuf'), 'this kernel lacks the BPF ring buffer map (Linux 5.8 or later has it)');
  assert.equal(
    bpfFeatureSentence('btf'),
    'this kernel lacks BTF type information (/sys/kernel/btf/vmlinux) (Linux 5.4 or later built with CONFIG_DEBUG_INFO_BTF=y has it)',
  );
});

test('FLUORO_BPF_FEATURES forces answers; anything else in it is refused', () => {
  assert.deepEqual([...forcedBpfFeatures('-bpf_loop, +ringbuf -bpf_task_pt_regs')], [
    ['bpf_loop', false], ['ringbuf', true], ['bpf_task_pt_regs', false],
  ]);
  assert.equal(forcedBpfFeatures('').size, 0);
  assert.throws(() => forcedBpfFeatures('bpf_loop'), UsageError);
  assert.throws(() => forcedBpfFeatures('-bpf_lop'), /not -name or \+name of a known feature/);
  // Forced answers need no probe, so they hold on any machine.
  withForced('-bpf_loop,-bpf_get_current_task_btf,-ringbuf', () => {
    assert.equal(hasBpfFeature('bpf_loop'), false);
    assert.equal(missingBpfFeature(['ringbuf', 'bpf_get_current_task_btf', 'bpf_loop']), 'bpf_loop', 'the newest kernel is named');
    assert.throws(
      () => requireBpfFeatures(['ringbuf', 'bpf_loop'], 'the in-kernel unwinder'),
      (e: unknown) => e instanceof NotSupportedError &&
        e.message === 'this kernel lacks the BPF helper bpf_loop (Linux 5.17 or later has it), and the in-kernel unwinder needs it',
    );
  });
});

const releaseOf = (v: string): number => {
  const [major = 0, minor = 0] = v.split('.').map((p) => Number.parseInt(p, 10));
  return major * 1000 + minor;
};

bpfTest('features: a kernel at or past a feature\'s first release has it; each is probed once', (t) => {
  const kernel = releaseOf(release());
  const before = bpfFeatureProbes();
  const first = BPF_FEATURES.map((f) => [f, hasBpfFeature(f)] as const);
  const probed = bpfFeatureProbes() - before;
  t.diagnostic(`Linux ${release()}, ${probed} probes: ${first.map(([f, has]) => `${f}=${has}`).join(' ')}`);
  for (const [f, has] of first) {
    if (kernel >= releaseOf(bpfFeatureSince(f))) assert.equal(has, true, `${f} (since ${bpfFeatureSince(f)}) on Linux ${release()}`);
  }
  assert.ok(probed <= BPF_FEATURES.length - 1, 'BTF is a file, the rest one probe each at most');
  const again = BPF_FEATURES.map((f) => hasBpfFeature(f));
  assert.equal(bpfFeatureProbes() - before, probed, 'answers are cached');
  assert.deepEqual(again, first.map(([, has]) => has));
  // The probe can say no: helper 5000 exists in no kernel, as bpf_loop (181) is unknown to 5.15.
  assert.equal(native().libbpf.probe_bpf_helper(7, 5000, null), 0);
  if (first.every(([, has]) => has)) assert.doesNotThrow(() => requireBpfFeatures(BPF_FEATURES));
});
