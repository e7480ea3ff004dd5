// The checks every sampler's start makes of what it was asked to follow, each failing with one
// sentence: either PIDs (that exist, within the BPF map's room) or every process, and a stack
// window and ring buffer the BPF program can take.

import { existsSync } from 'node:fs';
import { NoSuchProcessError, UsageError } from '../../errors.js';
import { CPU_DEFAULT_STACK_BYTES, CPU_MAX_STACK_BYTES, CPU_MAX_TARGETS } from '../cpu/record.js';

/** The PIDs to follow (empty with all) and the stack window's bytes. */
export function checkTargets(o: { pids?: number[]; all?: boolean; stackBytes?: number }): { pids: number[]; stackBytes: number } {
  const pids = o.pids ?? [];
  if (o.all === (pids.length > 0)) throw new UsageError('give either target PIDs or all processes, not both or neither');
  if (pids.length > CPU_MAX_TARGETS) throw new UsageError(`at most ${CPU_MAX_TARGETS} target processes`);
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`not a PID: ${pid}`);
    if (!existsSync(`/proc/${pid}`)) throw new NoSuchProcessError(pid);
  }
  const stackBytes = o.stackBytes ?? CPU_DEFAULT_STACK_BYTES;
  if (!Number.isInteger(stackBytes) || stackBytes < 0 || stackBytes > CPU_MAX_STACK_BYTES) {
    throw new UsageError(`the stack copy must be 0 to ${CPU_MAX_STACK_BYTES} bytes, not ${stackBytes}`);
  }
  return { pids, stackBytes };
}

/** A ring buffer's size: a power of two of at least a page. */
export function checkRingBytes(ringBytes: number): number {
  if (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0) {
    throw new UsageError(`the ring buffer size must be a power of two of at least 4096 bytes, not ${ringBytes}`);
  }
  return ringBytes;
}
