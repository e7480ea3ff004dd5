// Which build of the CPU samplers' BPF programs this kernel can run, from its features (probed
// once, src/bpf/features.ts). Without bpf_loop (before Linux 5.17) the CPU sampler is the build
// whose Lua walk is a bounded loop over a global step function (bpf/.output/cpu-noloop.bpf.o), with
// the same 64 Lua frames; without bpf_task_pt_regs (before 5.15) samples taken in the kernel
// carry no user stack and are counted (no-user-regs). The in-kernel unwinder has no such
// fallback. Anything missing is refused in one sentence, before a program is loaded.
import { debug } from '../../bpf/log.js';
import { hasBpfFeature, requireBpfFeatures, type BpfFeature } from '../../bpf/features.js';

/** What bpf/cpu.bpf.c cannot do without, in either build. */
const CPU_SAMPLER_NEEDS: readonly BpfFeature[] = [
  'btf', 'ringbuf', 'bpf_ringbuf_output', 'bpf_get_current_task_btf', 'bpf_get_stack', 'bpf_probe_read_user', 'bpf_probe_read_kernel',
];

/** What bpf/unwind.bpf.c needs. */
const KERNEL_UNWINDER_NEEDS: readonly BpfFeature[] = [
  'btf', 'ringbuf', 'bpf_ringbuf_output', 'bpf_get_current_task_btf', 'bpf_get_stack', 'bpf_probe_read_user', 'bpf_task_pt_regs', 'bpf_loop',
];

interface CpuSamplerBuild {
  /** bpf/.output/<object>.bpf.o */
  object: 'cpu' | 'cpu-noloop';
  /** const volatile globals that follow the kernel's features. */
  rodata: { have_task_pt_regs: boolean };
}

/** The CPU sampler build for this kernel; throws NotSupportedError when it has none. */
export function cpuSamplerBuild(): CpuSamplerBuild {
  requireBpfFeatures(CPU_SAMPLER_NEEDS, 'the CPU profiler');
  const build: CpuSamplerBuild = {
    object: hasBpfFeature('bpf_loop') ? 'cpu' : 'cpu-noloop',
    rodata: { have_task_pt_regs: hasBpfFeature('bpf_task_pt_regs') },
  };
  debug(`CPU sampler: ${build.object}.bpf.o, user registers in kernel mode: ${build.rodata.have_task_pt_regs}`);
  return build;
}

/** Throws NotSupportedError when this kernel cannot run the in-kernel unwinder. */
export function requireKernelUnwinder(): void {
  requireBpfFeatures(KERNEL_UNWINDER_NEEDS, 'the in-kernel unwinder', 'use the default, --unwinder userspace');
}
