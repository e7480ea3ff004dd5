// Finding the separate debug file of a stripped binary, in the order elfutils and gdb use:
// /usr/lib/debug/.build-id/xx/rest.debug, then the .gnu_debuglink name next to the file, in its
// .debug/ directory and under /usr/lib/debug/<dir>. A debuglink candidate must match the CRC; a
// build-id candidate must carry the same build-id.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ElfFile } from '../elf/elf.js';
import { crc32 } from './crc32.js';

export interface DebugSearchOptions {
  /** Where distributions install debug files; a container's would be under /proc/PID/root. */
  debugRoot?: string;
}

/** Debug files larger than this are not checksummed (the CRC would take seconds). */
const MAX_CRC_BYTES = 2 * 1024 * 1024 * 1024;

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function fileCrc32(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(1 << 20);
    let crc = 0;
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return crc;
      crc = crc32(buf.subarray(0, n), crc);
      pos += n;
      if (pos > MAX_CRC_BYTES) return undefined;
    }
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function openIfElf(path: string): ElfFile | undefined {
  try {
    return ElfFile.open(path);
  } catch {
    return undefined;
  }
}

/** The debug file for `elf`, opened, or undefined when none is installed. */
export function findDebugFile(elf: ElfFile, opts: DebugSearchOptions = {}): ElfFile | undefined {
  const root = opts.debugRoot ?? '/usr/lib/debug';
  const id = elf.buildId;
  if (id && id.length > 2) {
    const p = join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    const d = isFile(p) ? openIfElf(p) : undefined;
    if (d && d.buildId === id) return d;
  }
  // A debuglink names a file next to the binary: an image in memory has no directory to look in.
  const link = elf.onDisk ? elf.debugLink : undefined;
  if (!link || link.name.includes('/')) return undefined;
  const dir = dirname(elf.path);
  for (const p of [join(dir, link.name), join(dir, '.debug', link.name), join(root, dir, link.name)]) {
    if (p === elf.path || !isFile(p)) continue;
    if (fileCrc32(p) !== link.crc) continue;
    const d = openIfElf(p);
    if (d) return d;
  }
  return undefined;
}
