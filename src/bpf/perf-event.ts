// perf_event_open(2) without a C header: perf_event_attr is built by hand. Only what fluoro
// needs is encoded; the rest stays zero, which the kernel reads as "off".
import { readFileSync } from 'node:fs';

import { FluoroError, NotSupportedError, PrivilegeError } from '../errors.js';
import { perfEventParanoid } from '../proc/privileges.js';
import { onlineCpus } from './cpus.js';
import { EACCES, ENODEV, ENOENT, ENOSYS, EOPNOTSUPP, EPERM, describeErrno } from './failure.js';
import { lastErrno, native } from './native.js';

const SYS_perf_event_open = 298; // x86-64
const PERF_ATTR_SIZE = 128; // PERF_ATTR_SIZE_VER7; any published size is accepted by newer kernels
const PERF_FLAG_FD_CLOEXEC = 8;

export const PERF_TYPE_SOFTWARE = 1;
export const PERF_COUNT_SW_CPU_CLOCK = 0;

/** Bits of the u64 at offset 40 of perf_event_attr. */
export const AttrFlag = {
  disabled: 1n << 0n,
  inherit: 1n << 1n,
  excludeUser: 1n << 4n,
  excludeKernel: 1n << 5n,
  excludeHv: 1n << 6n,
  excludeIdle: 1n << 7n,
  freq: 1n << 10n,
} as const;

interface PerfEventAttr {
  type: number;
  config: bigint | number;
  /** Samples per second (sets the freq bit), or... */
  frequency?: number;
  /** ...one sample every `period` events. */
  period?: bigint | number;
  flags?: bigint;
}

/** The bytes of a perf_event_attr. */
export function encodePerfEventAttr(attr: PerfEventAttr): Buffer {
  const buf = Buffer.alloc(PERF_ATTR_SIZE);
  let flags = attr.flags ?? 0n;
  buf.writeUInt32LE(attr.type, 0);
  buf.writeUInt32LE(PERF_ATTR_SIZE, 4);
  buf.writeBigUInt64LE(BigInt(attr.config), 8);
  if (attr.frequency !== undefined) {
    buf.writeBigUInt64LE(BigInt(attr.frequency), 16);
    flags |= AttrFlag.freq;
  } else {
    buf.writeBigUInt64LE(BigInt(attr.period ?? 1), 16);
  }
  buf.writeBigUInt64LE(flags, 40);
  return buf;
}

/** perf_event_open(attr, pid, cpu, group_fd, FD_CLOEXEC); returns the fd or throws a typed error. */
function perfEventOpen(attr: Buffer, pid: number, cpu: number, groupFd = -1): number {
  const fd = Number(
    native().libc.syscall(SYS_perf_event_open, 'void *', attr, 'int', pid, 'int', cpu, 'int', groupFd, 'unsigned long', PERF_FLAG_FD_CLOEXEC),
  );
  if (fd >= 0) return fd;
  const errno = lastErrno();
  const what = `opening a perf event on CPU ${cpu} failed with ${describeErrno(errno)}`;
  if (errno === EACCES || errno === EPERM) {
    const paranoid = perfEventParanoid();
    throw new PrivilegeError(
      `${what}: system-wide sampling needs CAP_PERFMON (or CAP_SYS_ADMIN), or kernel.perf_event_paranoid at most 0` +
        (paranoid === undefined ? '' : ` (it is ${paranoid})`) + '; run fluoro as root',
    );
  }
  if (errno === ENOSYS) throw new NotSupportedError(`${what}: this kernel has no perf events (CONFIG_PERF_EVENTS)`);
  if (errno === ENOENT || errno === ENODEV || errno === EOPNOTSUPP) {
    throw new NotSupportedError(`${what}: this kernel or CPU does not offer the requested event`);
  }
  throw new FluoroError(what);
}

/** The kernel's ceiling on sampling frequency (kernel.perf_event_max_sample_rate). */
function maxSampleRate(): number | undefined {
  try {
    return Number.parseInt(readFileSync('/proc/sys/kernel/perf_event_max_sample_rate', 'utf8'), 10);
  } catch {
    return undefined;
  }
}

/**
 * One CPU-clock sampling event per online CPU at `hz` samples per second, counting all processes
 * (BPF decides what to keep). On failure, the events opened so far are closed.
 */
export function openCpuClockEvents(hz: number): number[] {
  const max = maxSampleRate();
  if (!Number.isInteger(hz) || hz < 1 || (max !== undefined && hz > max)) {
    throw new FluoroError(`sampling frequency must be an integer from 1 to ${max ?? 'the kernel maximum'} Hz, not ${hz}`);
  }
  const attr = encodePerfEventAttr({ type: PERF_TYPE_SOFTWARE, config: PERF_COUNT_SW_CPU_CLOCK, frequency: hz });
  const fds: number[] = [];
  try {
    for (const cpu of onlineCpus()) fds.push(perfEventOpen(attr, -1, cpu));
  } catch (e) {
    closeFds(fds);
    throw e;
  }
  return fds;
}

export function closeFds(fds: readonly number[]): void {
  for (const fd of fds) native().libc.close(fd);
}
