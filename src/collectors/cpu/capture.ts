// The kernel half of the CPU profiler, driven from userspace: load bpf/cpu.bpf.c configured for
// the targets, attach it to a CPU-clock event on every CPU, and hand each decoded sample to the
// caller. Samples are drained from the ring buffer by a timer; nothing here blocks the event loop.
import { existsSync } from 'node:fs';

import { BpfObject } from '../../bpf/object.js';
import { bpfObjectPath } from '../../bpf/paths.js';
import { closeFds, openCpuClockEvents } from '../../bpf/perf-event.js';
import { possibleCpus } from '../../bpf/cpus.js';
import { RingBuffer } from '../../bpf/ring-buffer.js';
import { BPF_ANY, u32Key } from '../../bpf/map.js';
import type { BpfLink } from '../../bpf/link.js';
import { NoSuchProcessError, UsageError } from '../../errors.js';
import { requireBpf } from '../../proc/privileges.js';
import {
  CPU_COUNTER_COUNT, CPU_DEFAULT_STACK_BYTES, CPU_MAX_STACK_BYTES, CPU_MAX_TARGETS, CpuCounter,
  decodeCpuSample, type RawSample,
} from './record.js';

export interface CpuCaptureOptions {
  /** Processes to sample (tgids). Either this or `all`. */
  pids?: number[];
  /** Every process except fluoro itself. */
  all?: boolean;
  /** Samples per second per CPU; default 99. */
  hz?: number;
  /** Bytes of user stack to copy per sample; default 16 KiB, at most 32 KiB. */
  stackBytes?: number;
  /** Record kernel stacks for samples taken in kernel mode; default true. */
  kernel?: boolean;
  /** Ring buffer size, a power of two of at least one page; default 8 MiB. */
  ringBytes?: number;
  /** How often the ring buffer is drained; default 20 ms. */
  drainIntervalMs?: number;
  onSample(raw: RawSample): void;
  /** Called with the loaded object before sampling starts, to fill maps (e.g. the LuaJIT VMs). */
  onLoaded?(obj: BpfObject): void;
  /** A failure while draining (the callback threw); the capture stops. Default: rethrown by stop(). */
  onError?(error: unknown): void;
}

export interface CpuCaptureStats {
  /** Times the BPF program ran, on any process. */
  seen: number;
  /** Records written to the ring buffer. */
  recorded: number;
  /** Records lost because the ring buffer was full. */
  dropped: number;
  /** Samples of other processes or kernel threads. */
  filtered: number;
  /** Records read by userspace, and their bytes. */
  received: number;
  receivedBytes: number;
  /** Records that failed to decode (should stay 0). */
  malformed: number;
}

export interface CpuCapture {
  stats(): CpuCaptureStats;
  /** Detaches, drains what is left, frees everything. Idempotent. */
  stop(): void;
}

const DEFAULT_HZ = 99;
const DEFAULT_RING_BYTES = 8 << 20;
const DEFAULT_DRAIN_MS = 20;

function validate(options: CpuCaptureOptions): { pids: number[]; stackBytes: number; ringBytes: number } {
  const pids = options.pids ?? [];
  if (options.all === (pids.length > 0)) throw new UsageError('give either target PIDs or all processes, not both or neither');
  if (pids.length > CPU_MAX_TARGETS) throw new UsageError(`at most ${CPU_MAX_TARGETS} target processes`);
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`not a PID: ${pid}`);
    if (!existsSync(`/proc/${pid}`)) throw new NoSuchProcessError(pid);
  }
  const stackBytes = options.stackBytes ?? CPU_DEFAULT_STACK_BYTES;
  if (!Number.isInteger(stackBytes) || stackBytes < 0 || stackBytes > CPU_MAX_STACK_BYTES) {
    throw new UsageError(`the stack copy must be 0 to ${CPU_MAX_STACK_BYTES} bytes, not ${stackBytes}`);
  }
  const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
  if (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0) {
    throw new UsageError(`the ring buffer size must be a power of two of at least 4096 bytes, not ${ringBytes}`);
  }
  return { pids, stackBytes, ringBytes };
}

export function startCpuCapture(options: CpuCaptureOptions): CpuCapture {
  const { pids, stackBytes, ringBytes } = validate(options);
  requireBpf();
  const cpuSlots = Math.max(...possibleCpus()) + 1;
  const obj = BpfObject.open(bpfObjectPath('cpu'), {
    rodata: {
      all_processes: options.all === true,
      self_tgid: process.pid,
      kernel_stacks: options.kernel ?? true,
      stack_bytes_max: stackBytes,
    },
    maxEntries: { scratch: cpuSlots, samples: ringBytes },
  });
  const received = { records: 0, bytes: 0, malformed: 0 };
  let ring: RingBuffer | undefined;
  let links: BpfLink[] = [];
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;
  let final: CpuCaptureStats | undefined;

  const counters = () => {
    const totals = new Array<number>(CPU_COUNTER_COUNT).fill(0);
    const map = obj.map('counters');
    for (let i = 0; i < CPU_COUNTER_COUNT; i++) {
      for (const v of map.lookupPerCpu(u32Key(i)) ?? []) totals[i]! += Number(v.readBigUInt64LE(0));
    }
    return totals;
  };
  const stats = (): CpuCaptureStats => {
    if (final) return { ...final };
    const c = counters();
    return {
      seen: c[CpuCounter.seen]!,
      recorded: c[CpuCounter.recorded]!,
      dropped: c[CpuCounter.dropped]!,
      filtered: c[CpuCounter.filtered]!,
      received: received.records,
      receivedBytes: received.bytes,
      malformed: received.malformed,
    };
  };
  const drain = () => {
    try {
      ring?.consume();
    } catch (e) {
      failure ??= e;
      shutdown();
      options.onError?.(e);
    }
  };
  // Never throws: called from the timer as well as from stop().
  const shutdown = () => {
    if (final) return;
    if (timer) clearInterval(timer);
    for (const link of links) link.close();
    links = [];
    try {
      // Detached: nothing new arrives, so one more pass empties the ring buffer.
      if (failure === undefined) ring?.consume();
    } catch (e) {
      failure ??= e;
    }
    try {
      final = stats();
    } catch (e) {
      failure ??= e;
      final = { seen: 0, recorded: 0, dropped: 0, filtered: 0, received: received.records, receivedBytes: received.bytes, malformed: received.malformed };
    }
    ring?.close();
    obj.close();
  };
  const stop = () => {
    shutdown();
    if (failure !== undefined && !options.onError) {
      const e = failure;
      failure = undefined;
      throw e;
    }
  };

  let fds: number[] = [];
  try {
    obj.load();
    const targets = obj.map('targets');
    for (const pid of pids) targets.update(u32Key(pid), Buffer.from([1]), BPF_ANY);
    options.onLoaded?.(obj);
    ring = new RingBuffer(obj.map('samples'), (data) => {
      received.records++;
      received.bytes += data.length;
      const raw = decodeCpuSample(data);
      if (raw) options.onSample(raw);
      else received.malformed++;
    });
    const program = obj.program('sample_cpu');
    fds = openCpuClockEvents(options.hz ?? DEFAULT_HZ);
    while (fds.length > 0) {
      links.push(program.attachPerfEvent(fds[0]!));
      fds.shift(); // the link owns the fd now
    }
  } catch (e) {
    closeFds(fds);
    for (const link of links) link.close();
    ring?.close();
    obj.close();
    throw e;
  }
  timer = setInterval(drain, options.drainIntervalMs ?? DEFAULT_DRAIN_MS);
  return { stats, stop };
}
