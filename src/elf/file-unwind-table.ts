// The unwind table of an ELF file on disk, from .eh_frame and (when present) .debug_frame, cached by
// file identity. Debug files split from stripped binaries can add .debug_frame; callers pass them.

import { IdentityCache } from './cache.js';
import { ElfFile } from './elf.js';
import type { FrameSection } from './eh-frame.js';
import { UnwindTable } from './unwind-table.js';

/** The frame sections of `elf`, with the bases their relative pointers need. */
export function frameSections(elf: ElfFile): FrameSection[] {
  const out: FrameSection[] = [];
  const text = elf.section('.text')?.addr;
  const got = elf.section('.got')?.addr;
  const eh = elf.section('.eh_frame');
  const ehData = eh ? elf.sectionData(eh) : undefined;
  if (eh && ehData) out.push({ kind: 'eh_frame', data: ehData, bases: { section: eh.addr, text, data: got } });
  const df = elf.sectionData('.debug_frame');
  if (df) out.push({ kind: 'debug_frame', data: df, bases: { section: 0 } });
  return out;
}

const cache = new IdentityCache<UnwindTable>(128);

/** The unwind table of the file at `path` (its own .eh_frame, then .debug_frame), cached. */
export function unwindTableOf(path: string): UnwindTable {
  return cache.get(path, (p) => UnwindTable.fromSections(frameSections(ElfFile.open(p))));
}
