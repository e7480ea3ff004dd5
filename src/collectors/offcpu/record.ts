// Decoding of the records bpf/offcpu.bpf.c writes (bpf/include/offcpu.h): a switch-out header
// followed by a whole CPU sample record, read by the CPU profiler's own decoder, and the small
// switch-in record. The constants mirror the header; record.test.ts fails on any drift.

import type { RawSample } from '../../unwind/sample.js';
import { CPU_COUNTER_COUNT, CpuCounter, CpuExit, decodeCpuSample } from '../cpu/record.js';

export const OFFCPU_RECORD_OUT = 1;
export const OFFCPU_RECORD_IN = 2;
export const OFFCPU_MAX_THREADS = 65536;
export const OFFCPU_IN_LOST = 1;

/** Index of each counter in the per-CPU `counters` map. */
/**
 * Index of each counter: the switch-out record is a CPU sample built by the same kernel code, which
 * counts under the CPU sampler's reasons (record.ts of cpu/), and one of ours after them.
 */
const OffcpuExit = { ...CpuExit, 'no-room': CPU_COUNTER_COUNT } as const;
export const OffcpuCounter = { seen: CpuCounter.seen, recorded: CpuCounter.recorded, exits: OffcpuExit } as const;
export const OFFCPU_COUNTER_COUNT = CPU_COUNTER_COUNT + 1;

/** Byte offsets in struct offcpu_out and struct offcpu_in, and their sizes. */
export const OffcpuOutLayout = { kind: 0, state: 4, syscall: 8, preempt: 16, size: 24 } as const;
export const OffcpuInLayout = { kind: 0, flags: 4, pid: 8, tid: 12, outNs: 16, inNs: 24, size: 32 } as const;

/** A target thread left its CPU: its stack then, and why it left. */
export interface SwitchOut {
  kind: 'out';
  /** The thread's state as it left (0: still runnable, so it was preempted or yielded). */
  state: number;
  /** orig_rax: the system call it sleeps in, or an exception's code when in none. */
  syscall: number;
  preempt: boolean;
  /** The sample taken as it left; sample.timeNs is when. */
  sample: RawSample;
}

/** A target thread came back to a CPU. */
export interface SwitchIn {
  kind: 'in';
  pid: number;
  tid: number;
  /** When it left; 0n when it was not seen leaving since the program was attached. */
  outNs: bigint;
  inNs: bigint;
  /** Its switch-out record did not fit in the ring buffer: the time is known, the stack is not. */
  lost: boolean;
}

export type OffcpuRecord = SwitchOut | SwitchIn;

/** Decodes one record; undefined when it is malformed. */
export function decodeOffcpuRecord(data: Uint8Array): OffcpuRecord | undefined {
  if (data.length < 4) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const kind = view.getUint32(0, true);
  if (kind === OFFCPU_RECORD_IN) {
    const L = OffcpuInLayout;
    if (data.length !== L.size) return undefined;
    return {
      kind: 'in',
      pid: view.getUint32(L.pid, true),
      tid: view.getUint32(L.tid, true),
      outNs: view.getBigUint64(L.outNs, true),
      inNs: view.getBigUint64(L.inNs, true),
      lost: (view.getUint32(L.flags, true) & OFFCPU_IN_LOST) !== 0,
    };
  }
  if (kind !== OFFCPU_RECORD_OUT) return undefined;
  const L = OffcpuOutLayout;
  if (data.length < L.size) return undefined;
  const sample = decodeCpuSample(data.subarray(L.size));
  if (!sample) return undefined;
  return {
    kind: 'out',
    state: view.getUint32(L.state, true),
    syscall: Number(view.getBigInt64(L.syscall, true)),
    preempt: view.getUint8(L.preempt) !== 0,
    sample,
  };
}
