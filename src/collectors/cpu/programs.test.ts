// Which build of the samplers a kernel gets, from forced feature answers (no probe runs).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BPF_FEATURES } from '../../bpf/features.js';
import { NotSupportedError } from '../../errors.js';
import { cpuSamplerBuild, requireKernelUnwinder } from './programs.js';

/** Every feature present but those named, without asking the kernel. */
function withKernel<T>(missing: string[], fn: () => T): T {
  const before = process.env.FLUORO_BPF_FEATURES;
  process.env.FLUORO_BPF_FEATURES = BPF_FEATURES.map((f) => (missing.includes(f) ? `-${f}` : `+${f}`)).join(',');
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.FLUORO_BPF_FEATURES;
    else process.env.FLUORO_BPF_FEATURES = before;
  }
}

test('the CPU sampler: bpf_loop picks the build, bpf_task_pt_regs a switch in it', () => {
  assert.deepEqual(withKernel([], cpuSamplerBuild), { object: 'cpu', rodata: { have_task_pt_regs: true } });
  assert.deepEqual(withKernel(['bpf_loop'], cpuSamplerBuild), { object: 'cpu-noloop', rodata: { have_task_pt_regs: true } });
  // Linux 5.11 to 5.14.
  assert.deepEqual(withKernel(['bpf_loop', 'bpf_task_pt_regs'], cpuSamplerBuild), { object: 'cpu-noloop', rodata: { have_task_pt_regs: false } });
});

test('the CPU sampler refuses a kernel without what both builds need, in one sentence', () => {
  assert.throws(
    () => withKernel(['bpf_loop', 'bpf_task_pt_regs', 'bpf_get_current_task_btf'], cpuSamplerBuild),
    (e: unknown) => e instanceof NotSupportedError &&
      e.message === 'this kernel lacks the BPF helper bpf_get_current_task_btf (Linux 5.11 or later has it), and the CPU profiler needs it',
  );
  assert.throws(() => withKernel(['ringbuf'], cpuSamplerBuild), /lacks the BPF ring buffer map \(Linux 5\.8 or later has it\)/);
});

test('the in-kernel unwinder has no fallback for bpf_loop and says what to use instead', () => {
  assert.doesNotThrow(() => withKernel([], requireKernelUnwinder));
  assert.throws(
    () => withKernel(['bpf_loop'], requireKernelUnwinder),
    (e: unknown) => e instanceof NotSupportedError && e.message ===
      'this kernel lacks the BPF helper bpf_loop (Linux 5.17 or later has it), and the in-kernel unwinder needs it: use the default, --unwinder userspace',
  );
  assert.throws(() => withKernel(['bpf_task_pt_regs'], requireKernelUnwinder), /bpf_task_pt_regs \(Linux 5\.15 or later has it\)/);
});
