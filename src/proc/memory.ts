// Reading another process's memory without stopping it: process_vm_readv copies straight from the
// target's pages, no ptrace stop, no code injected. The target keeps running, so what we read is a
// snapshot that may be torn; callers validate what they decode. When process_vm_readv is missing
// (old kernel, a seccomp profile that returns ENOSYS) positioned reads of /proc/PID/mem do the same.

import { closeSync, openSync, readSync } from 'node:fs';
import { FluoroError, PrivilegeError, TargetExitedError } from '../errors.js';
import { libc } from './libc.js';
import { PROC, isDenied, isGone } from './procfs.js';

const ESRCH = 3;
const EFAULT = 14;
const EPERM = 1;
const ENOSYS = 38;

/** No single read may ask for more than this: a corrupted length must not exhaust our memory. */
const MAX_READ = 64 << 20;

/** The address range is not (entirely) mapped in the target. */
export class UnmappedAddressError extends FluoroError {
  constructor(
    readonly pid: number,
    readonly address: bigint,
    readonly length: number,
    /** How many bytes from `address` on could be read before the unmapped part. */
    readonly bytesRead: number,
  ) {
    super(
      `address 0x${(address + BigInt(bytesRead)).toString(16)} is not mapped in process ${pid} ` +
        `(reading ${length} bytes at 0x${address.toString(16)})`,
    );
  }
}

function privilege(pid: number): PrivilegeError {
  return new PrivilegeError(
    `not allowed to read the memory of process ${pid}: run as root or grant CAP_SYS_PTRACE ` +
      '(and check kernel.yama.ptrace_scope)',
  );
}

let useProcMem = false;

/** One process_vm_readv call; returns bytes read (possibly short), or throws for whole failures. */
function vmRead(pid: number, addr: bigint, into: Buffer): number | 'fallback' {
  const c = libc();
  if (c instanceof Error) return 'fallback';
  const n = c.processVmReadv(pid, [{ base: into, len: into.length }], [{ base: addr, len: into.length }]);
  if (n >= 0) return n;
  const errno = c.errno();
  switch (errno) {
    case EFAULT:
      return 0;
    case ESRCH:
      throw new TargetExitedError(pid, 'while its memory was being read');
    case EPERM:
      throw privilege(pid);
    case ENOSYS:
      return 'fallback';
    default:
      throw new FluoroError(`process_vm_readv on process ${pid} failed with errno ${errno}`);
  }
}

/** Positioned reads of /proc/PID/mem; an unmapped page reads as EIO. */
function memRead(pid: number, addr: bigint, into: Buffer): number {
  let fd: number;
  try {
    fd = openSync(`${PROC}/${pid}/mem`, 'r');
  } catch (err) {
    if (isGone(err)) throw new TargetExitedError(pid, 'while its memory was being read');
    if (isDenied(err)) throw privilege(pid);
    throw err;
  }
  try {
    let done = 0;
    while (done < into.length) {
      let n: number;
      try {
        n = readSync(fd, into, done, into.length - done, addr + BigInt(done));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EIO' || code === 'EFAULT') break;
        if (code === 'ESRCH') throw new TargetExitedError(pid, 'while its memory was being read');
        throw err;
      }
      if (n === 0) break;
      done += n;
    }
    return done;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads up to len bytes at addr and returns the readable prefix: a read that runs into an unmapped
 * page stops there instead of failing. Useful for stack windows and strings near a mapping's end.
 */
export function readMemoryUpTo(pid: number, addr: bigint, len: number): Buffer {
  if (!Number.isInteger(len) || len < 0 || len > MAX_READ) {
    throw new FluoroError(`refusing to read ${len} bytes from process ${pid} (limit ${MAX_READ})`);
  }
  if (addr < 0n || addr + BigInt(len) > 0xffffffffffffffffn) return Buffer.alloc(0);
  const buf = Buffer.alloc(len);
  let done = 0;
  // process_vm_readv stops at the first page it cannot read and reports the bytes before it;
  // asking again from there tells a short read (keep going) from a hole (stop).
  while (done < len) {
    const slice = buf.subarray(done);
    let n: number;
    if (!useProcMem) {
      const r = vmRead(pid, addr + BigInt(done), slice);
      if (r === 'fallback') {
        useProcMem = true;
        continue;
      }
      n = r;
    } else {
      n = memRead(pid, addr + BigInt(done), slice);
    }
    if (n <= 0) break;
    done += n;
  }
  return done === len ? buf : buf.subarray(0, done);
}

/** Reads exactly len bytes at addr, or throws UnmappedAddressError / TargetExitedError / PrivilegeError. */
export function readMemory(pid: number, addr: bigint, len: number): Buffer {
  const buf = readMemoryUpTo(pid, addr, len);
  if (buf.length < len) throw new UnmappedAddressError(pid, addr, len, buf.length);
  return buf;
}

export function readU64(pid: number, addr: bigint): bigint {
  return readMemory(pid, addr, 8).readBigUInt64LE(0);
}

export function readU32(pid: number, addr: bigint): number {
  return readMemory(pid, addr, 4).readUInt32LE(0);
}

/**
 * Reads a NUL-terminated string of at most max bytes (without the NUL). Reads page by page so a
 * string that ends just before an unmapped page is still found. Returns undefined when no NUL
 * appears within max bytes; throws UnmappedAddressError when the first byte is unreadable.
 */
export function readCString(pid: number, addr: bigint, max = 4096): string | undefined {
  const parts: Buffer[] = [];
  let total = 0;
  while (total < max) {
    const at = addr + BigInt(total);
    const toPageEnd = 4096 - Number(at & 4095n);
    const chunk = readMemoryUpTo(pid, at, Math.min(toPageEnd, max - total));
    if (chunk.length === 0) {
      if (total === 0) throw new UnmappedAddressError(pid, addr, 1, 0);
      return undefined;
    }
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      parts.push(chunk.subarray(0, nul));
      return Buffer.concat(parts).toString('utf8');
    }
    parts.push(chunk);
    total += chunk.length;
  }
  return undefined;
}

/** For tests: force (or stop forcing) the /proc/PID/mem route. */
export function forceProcMem(on: boolean): void {
  useProcMem = on;
}
