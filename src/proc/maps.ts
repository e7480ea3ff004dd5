// /proc/PID/maps: the memory mappings of a process, the map from an instruction or data address to
// the file (and file offset) it came from. Addresses are bigints because user space reaches 2^47
// and the kernel's vsyscall page sits at 0xffffffffff600000, beyond a double's exact integers.

import { readProcText } from './procfs.js';

export interface Mapping {
  start: bigint;
  /** One past the last byte. */
  end: bigint;
  /** Four characters, e.g. "r-xp": read, write, execute, private (p) or shared (s). */
  perms: string;
  /** Offset in the file of the byte at `start`. */
  offset: bigint;
  /** "major:minor" in hex, as the kernel prints it. */
  dev: string;
  inode: number;
  /** The file path, a pseudo-name such as "[heap]", "[stack]", "[vdso]", or "" for anonymous memory. */
  path: string;
  /** The file was deleted or replaced after it was mapped; its bytes are still reachable via map_files. */
  deleted: boolean;
}

/** Maps of huge processes run to megabytes; beyond this we keep what we have rather than hold more. */
const MAX_MAPS_BYTES = 64 << 20;

const LINE = /^([0-9a-f]+)-([0-9a-f]+) ([-rwxsp]{4}) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$/;
const DELETED = ' (deleted)';

/** Parses one line of /proc/PID/maps, or returns undefined for a line that is not one. */
export function parseMapsLine(line: string): Mapping | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const inode = Number(m[6]);
  let path = m[7] ?? '';
  // Only a file-backed mapping can be deleted; an anonymous name that happens to end with the
  // marker (prctl PR_SET_VMA_ANON_NAME) is left as it is.
  let deleted = false;
  if (inode !== 0 && path.endsWith(DELETED)) {
    path = path.slice(0, -DELETED.length);
    deleted = true;
  }
  return {
    start: BigInt('0x' + m[1]!),
    end: BigInt('0x' + m[2]!),
    perms: m[3]!,
    offset: BigInt('0x' + m[4]!),
    dev: m[5]!,
    inode,
    path,
    deleted,
  };
}

/** Parses the whole text of a maps file; lines that do not parse (a truncated tail) are skipped. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const m = parseMapsLine(line);
    if (m) out.push(m);
  }
  // The kernel prints mappings in address order; sort anyway so findMapping can rely on it.
  out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return out;
}

/** Reads and parses /proc/PID/maps. Throws NoSuchProcessError when the process is gone. */
export function readMaps(pid: number): Mapping[] {
  return parseMaps(readProcText(pid, 'maps', MAX_MAPS_BYTES));
}

/** The mapping that contains addr, by binary search over maps sorted by start; undefined if none. */
export function findMapping(maps: readonly Mapping[], addr: bigint): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = maps[mid]!;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** True for mappings backed by a file (not anonymous memory and not a kernel pseudo-name). */
export function isFileBacked(m: Mapping): boolean {
  return m.inode !== 0 && m.path.startsWith('/');
}

/** The file name of a path: the part after the last slash. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}
