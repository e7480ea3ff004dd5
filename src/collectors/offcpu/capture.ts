// The kernel half of the off-CPU profiler, driven from userspace: load bpf/offcpu.bpf.c configured
// for the targets, attach it to the scheduler's switch tracepoint, and hand each decoded record
// (a thread leaving its CPU with its stack, or coming back) to the caller. Records are drained
// from the ring buffer by a timer; nothing here blocks the event loop.
import { BpfObject } from '../../bpf/object.js';
import { bpfObjectPath } from '../../bpf/paths.js';
import { possibleCpus } from '../../bpf/cpus.js';
import { BPF_ANY, u32Key } from '../../bpf/map.js';
import { requireBpf } from '../../proc/privileges.js';
import { startSession, type SamplingSession } from '../events/session.js';
import { checkRingBytes, checkTargets } from '../events/targets.js';
import { requireBpfFeatures, type BpfFeature } from '../../bpf/features.js';
import { OffcpuCounter, decodeOffcpuRecord, type OffcpuRecord } from './record.js';

interface OffcpuCaptureOptions {
  /** Processes to follow (tgids). Either this or `all`. */
  pids?: number[];
  /** Every process except fluoro itself. */
  all?: boolean;
  /** Bytes of user stack copied at each switch-out; default 16 KiB, at most 32 KiB. */
  stackBytes?: number;
  kernel?: boolean;
  /** Ring buffer size, a power of two; default 8 MiB. */
  ringBytes?: number;
  drainIntervalMs?: number;
  onRecord(r: OffcpuRecord): void;
  /** Called with the loaded object before it is attached, to fill maps (the LuaJIT VMs). */
  onLoaded?(obj: BpfObject): void;
  onError?(error: unknown): void;
}

/**
 * 8 MiB: a thread leaves its CPU far more often than a CPU sampler fires (thousands of times a
 * second for a busy server), and every switch-out is a record with its stack window.
 */
const DEFAULT_RING_BYTES = 8 << 20;
const DEFAULT_DRAIN_MS = 20;

const OFFCPU_NEEDS: readonly BpfFeature[] = [
  'btf', 'ringbuf', 'bpf_ringbuf_output', 'bpf_get_stack', 'bpf_probe_read_user', 'bpf_probe_read_kernel', 'bpf_task_pt_regs', 'bpf_loop',
];

export function startOffcpuCapture(options: OffcpuCaptureOptions): SamplingSession {
  const { pids, stackBytes } = checkTargets(options);
  const ringBytes = checkRingBytes(options.ringBytes ?? DEFAULT_RING_BYTES);
  requireBpf();
  // tp_btf/sched_switch, the saved user registers of the thread leaving, the LuaJIT walk's bpf_loop.
  requireBpfFeatures(OFFCPU_NEEDS, 'the off-CPU profiler');
  const obj = BpfObject.open(bpfObjectPath('offcpu'), {
    rodata: {
      all_processes: options.all === true,
      self_tgid: process.pid,
      kernel_stacks: options.kernel ?? true,
      stack_bytes_max: stackBytes,
    },
    maxEntries: { scratch: Math.max(...possibleCpus()) + 1, records: ringBytes },
  });
  return startSession({
    obj,
    ringMap: 'records',
    counters: { map: 'counters', ...OffcpuCounter },
    attach: [{ kind: 'auto', program: 'on_switch' }],
    drainIntervalMs: options.drainIntervalMs ?? DEFAULT_DRAIN_MS,
    setup: (loaded) => {
      const targets = loaded.map('targets');
      for (const pid of pids) targets.update(u32Key(pid), Buffer.from([1]), BPF_ANY);
      options.onLoaded?.(loaded);
    },
    decode: decodeOffcpuRecord,
    onSample: (r) => options.onRecord(r),
    ...(options.onError ? { onError: (e: unknown) => options.onError!(e) } : {}),
  });
}
