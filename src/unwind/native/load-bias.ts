// Load bias: the distance between where a file's code sits in a process and the addresses its ELF
// headers use. process address = file vaddr + bias. For a non-PIE executable it is 0.

import type { ElfFile } from '../../elf/elf.js';

interface FileMapping {
  /** Start address of the mapping in the process. */
  start: bigint;
  /** File offset the mapping starts at (page aligned, as in /proc/PID/maps). */
  offset: bigint;
}

/**
 * The bias for `mapping` of `elf`: mapping.start − (the vaddr that file offset `mapping.offset` has in
 * the PT_LOAD segment holding it). Undefined when no segment holds that offset (not a code mapping
 * of this file, or the file on disk is not the one mapped).
 */
export function loadBias(elf: Pick<ElfFile, 'loadForOffset'>, mapping: FileMapping): bigint | undefined {
  if (mapping.offset < 0n || mapping.offset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const off = Number(mapping.offset);
  const seg = elf.loadForOffset(off);
  if (!seg) return undefined;
  return mapping.start - BigInt(seg.vaddr + (off - seg.offset));
}
