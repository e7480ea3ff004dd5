// Opening a file of the target as the target sees it. A path in /proc/PID/maps is a path in the
// target's mount namespace (a container's image, say) and may since have been deleted or replaced
// by a package upgrade. /proc/PID/map_files/START-END reaches the very inode that is mapped, in any
// namespace; it needs CAP_SYS_ADMIN, so /proc/PID/root/PATH (the target's root directory) is the
// fallback, checked against the mapping's inode so a replaced file is not mistaken for the original.

import { closeSync, fstatSync, openSync } from 'node:fs';
import { NoSuchProcessError } from '../errors.js';
import type { Mapping } from './maps.js';
import { PROC, isGone, procError, readBounded } from './procfs.js';

/**
 * Identifies file contents for caching: same dev, inode, size and mtime means same bytes. The same
 * shape as the ELF reader's identity, so one cache key serves both.
 */
interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

interface TargetFile {
  /** A path usable with fs APIs from our own namespace. */
  path: string;
  identity: FileIdentity;
  via: 'map_files' | 'root' | 'exe';
  /**
   * False when the file found is not the one that is mapped (different inode: replaced since, or
   * the mapping is of a deleted file); its bytes may not match the process.
   */
  matchesMapping: boolean;
}

function identityOf(path: string): FileIdentity {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function hex(n: bigint): string {
  return n.toString(16);
}

/** /proc/PID/map_files name of a mapping: START-END in lower-case hex without padding. */
function mapFilesPath(pid: number, m: Pick<Mapping, 'start' | 'end'>): string {
  return `${PROC}/${pid}/map_files/${hex(m.start)}-${hex(m.end)}`;
}

/** /proc/PID/root/PATH: PATH resolved in the target's root directory and mount namespace. */
function rootPath(pid: number, path: string): string {
  return `${PROC}/${pid}/root${path.startsWith('/') ? '' : '/'}${path}`;
}

function gone(pid: number): boolean {
  try {
    readBounded(`${PROC}/${pid}/stat`, 1024);
    return false;
  } catch (err) {
    return isGone(err);
  }
}

/**
 * Opens the file behind a file-backed mapping of process pid. Throws NoSuchProcessError when the
 * process is gone, and the fs error when no route reaches the file.
 */
export function openMappedFile(pid: number, m: Mapping): TargetFile {
  const direct = mapFilesPath(pid, m);
  try {
    return { path: direct, identity: identityOf(direct), via: 'map_files', matchesMapping: true };
  } catch (err) {
    if (isGone(err) && gone(pid)) throw new NoSuchProcessError(pid);
    // EPERM without CAP_SYS_ADMIN, or ENOENT when the mapping changed since maps was read.
  }
  return openTargetPath(pid, m.path, m.inode);
}

/**
 * Opens a path as process pid sees it (through /proc/PID/root). When an inode is given (from the
 * mapping) the answer says whether the file found is that inode.
 */
export function openTargetPath(pid: number, path: string, inode?: number): TargetFile {
  const p = rootPath(pid, path);
  try {
    const identity = identityOf(p);
    return { path: p, identity, via: 'root', matchesMapping: inode === undefined || identity.ino === inode };
  } catch (err) {
    if (isGone(err)) {
      if (gone(pid)) throw new NoSuchProcessError(pid);
      throw err; // The process is there; the file is not (deleted, or never existed).
    }
    throw procError(err, pid, `root${path}`);
  }
}

/** The target's executable through /proc/PID/exe, which like map_files survives replacement. */
export function openExecutable(pid: number): TargetFile {
  const p = `${PROC}/${pid}/exe`;
  try {
    return { path: p, identity: identityOf(p), via: 'exe', matchesMapping: true };
  } catch (err) {
    if (isGone(err) && !gone(pid)) throw err; // A kernel thread: no executable.
    throw procError(err, pid, 'exe');
  }
}
