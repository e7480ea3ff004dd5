// Reading /proc. Every file under /proc/PID can vanish between two reads because processes exit
// while we look at them; these helpers turn that into one typed answer ("gone") and bound how much
// of a file we are willing to hold, since a target controls some of what the kernel prints there.

import { closeSync, openSync, readSync } from 'node:fs';
import { NoSuchProcessError, PrivilegeError } from '../errors.js';

/** Where procfs is mounted. */
export const PROC = '/proc';

/** The error codes that mean "this process (or thread) is no longer there". */
export function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** The error codes that mean "it is there but we may not look". */
export function isDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * Reads at most `max` bytes of a file. procfs files report size 0, so the file is read until end
 * of file or the bound, whichever comes first; `truncated` says which.
 */
export function readBounded(path: string, max: number): { data: Buffer; truncated: boolean } {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(65536, max + 1 - total);
      if (want <= 0) break;
      const chunk = Buffer.allocUnsafe(want);
      const n = readSync(fd, chunk, 0, want, null);
      if (n === 0) break;
      chunks.push(n === want ? chunk : chunk.subarray(0, n));
      total += n;
    }
    const all = Buffer.concat(chunks, total);
    return total > max ? { data: all.subarray(0, max), truncated: true } : { data: all, truncated: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads /proc/PID/<name> as text, mapping "gone" to NoSuchProcessError and "denied" to a
 * PrivilegeError that names what is missing.
 */
export function readProcText(pid: number, name: string, max = 1 << 20): string {
  try {
    return readBounded(`${PROC}/${pid}/${name}`, max).data.toString('utf8');
  } catch (err) {
    throw procError(err, pid, name);
  }
}

/** Translates an fs error about /proc/PID/<name> into one of our typed errors (or passes it on). */
export function procError(err: unknown, pid: number, name: string): unknown {
  if (isGone(err)) return new NoSuchProcessError(pid);
  if (isDenied(err)) {
    return new PrivilegeError(
      `not allowed to read /proc/${pid}/${name}: run as root or grant CAP_SYS_PTRACE (the target belongs to another user)`,
    );
  }
  return err;
}
