// Source lines and inlined frames for native code, from DWARF in the file itself or in its separate
// debug file. One DwarfSymbolizer per file identity, built on first use; within it, compile units
// are parsed only when an address falls in them (src/elf/dwarf-info.ts). Files whose DWARF is larger
// than a bound get no symbolizer: their frames keep the symbol-table names.

import { IdentityCache } from '../elf/cache.js';
import { DwarfSections, uncompressedSize } from '../elf/dwarf-forms.js';
import { DwarfInfo, type DwarfStats } from '../elf/dwarf-info.js';
import { ElfFile } from '../elf/elf.js';
import { findDebugFile, type DebugSearchOptions } from './debug-file.js';
import { nameStore, type NameStore } from './name-store.js';

/** DWARF (.debug_info + .debug_line + .debug_abbrev + strings) bigger than this is not read. */
const MAX_DWARF_BYTES = 512 * 1024 * 1024;
/** Distinct addresses remembered per file. */
const MAX_CACHED_ADDRESSES = 65536;
const SECTIONS = ['.debug_info', '.debug_line', '.debug_abbrev', '.debug_str', '.debug_line_str', '.debug_rnglists', '.debug_ranges', '.debug_aranges'];

interface SourceFrame {
  /** Function name; undefined when DWARF does not name it (callers use the symbol's name). */
  name: string | undefined;
  /** Source file, '' when unknown. */
  file: string;
  /** Line, 0 when unknown. */
  line: number;
}

/** Frames as kept in a name store: [name or null, file, line] each, or null for "nothing here". */
type StoredFrames = [string | null, string, number][] | null;

function isStoredFrames(v: unknown): v is StoredFrames {
  return (
    v === null ||
    (Array.isArray(v) &&
      v.length <= 256 &&
      v.every((f) => Array.isArray(f) && f.length === 3 && (f[0] === null || typeof f[0] === 'string') && typeof f[1] === 'string' && Number.isInteger(f[2])))
  );
}

export class DwarfSymbolizer {
  private readonly info: DwarfInfo;
  private readonly memo = new Map<number, SourceFrame[] | null>();
  /** What earlier runs found in this same DWARF (same build-id), when name stores are on. */
  private readonly store: NameStore<StoredFrames> | undefined;

  constructor(readonly elf: ElfFile, private readonly sections: DwarfSections) {
    this.info = new DwarfInfo(sections);
    this.store = nameStore('dwarf', elf.buildId, isStoredFrames);
  }

  /** The file whose DWARF this reads (the binary itself or its debug file). */
  get path(): string {
    return this.elf.path;
  }

  /**
   * Frames at file vaddr `vaddr`, innermost first: one per inlined call, the last being the function
   * that holds the code. Undefined when DWARF says nothing about the address. Never throws.
   */
  frames(vaddr: number): SourceFrame[] | undefined {
    const hit = this.memo.get(vaddr);
    if (hit !== undefined) return hit ?? undefined;
    let out: SourceFrame[] | undefined;
    const key = vaddr.toString(16);
    const stored = this.store?.get(key);
    if (stored !== undefined) {
      out = stored?.map(([name, file, line]) => ({ name: name ?? undefined, file, line }));
    } else {
      try {
        out = this.info.frames(vaddr)?.map((f) => ({ name: f.name, file: f.file ?? '', line: f.line }));
        this.store?.set(key, out ? out.map((f) => [f.name ?? null, f.file, f.line]) : null);
      } catch {
        out = undefined; // ElfError from a file that changed under us: no lines, the symbol stays
      }
    }
    if (this.memo.size >= MAX_CACHED_ADDRESSES) this.memo.clear();
    this.memo.set(vaddr, out ?? null);
    return out;
  }

  get stats(): DwarfStats & { bytes: number } {
    return { ...this.info.stats, bytes: this.sections.bytes };
  }
}

function hasDwarf(elf: ElfFile): boolean {
  const s = elf.section('.debug_info');
  return s !== undefined && s.size > 0 && s.type !== 8 && elf.section('.debug_abbrev') !== undefined;
}

function dwarfBytes(elf: ElfFile): number {
  let n = 0;
  for (const name of SECTIONS) {
    const s = elf.section(name);
    if (s && s.type !== 8) n += uncompressedSize(elf, s);
  }
  return n;
}

/** A symbolizer for `elf` (or its debug file), or undefined when neither has usable DWARF. */
export function makeDwarfSymbolizer(elf: ElfFile, opts: DebugSearchOptions = {}): DwarfSymbolizer | undefined {
  try {
    const src = hasDwarf(elf) ? elf : findDebugFile(elf, opts);
    if (!src || !hasDwarf(src) || dwarfBytes(src) > MAX_DWARF_BYTES) return undefined;
    return new DwarfSymbolizer(src, new DwarfSections(src));
  } catch {
    return undefined;
  }
}

const cache = new IdentityCache<DwarfSymbolizer | null>(64);

/** The DWARF symbolizer for the file at `path`, cached by file identity; undefined without DWARF. */
export function dwarfFor(path: string, opts: DebugSearchOptions = {}): DwarfSymbolizer | undefined {
  const make = (p: string): DwarfSymbolizer | null => {
    try {
      return makeDwarfSymbolizer(ElfFile.open(p), opts) ?? null;
    } catch {
      return null;
    }
  };
  if (opts.debugRoot) return make(path) ?? undefined;
  return cache.get(path, make) ?? undefined;
}

/**
 * Frames for native code at `vaddr` of the file at `path`, named for display: inlined levels by
 * their DWARF names, the outermost by `symbolName` when given (the symbol table names clones such
 * as foo.constprop.0 and foo.cold, and other tools show that name too). Undefined without DWARF.
 */
export function sourceFrames(path: string, vaddr: number, symbolName?: string): (SourceFrame & { name: string })[] | undefined {
  const frames = dwarfFor(path)?.frames(vaddr);
  if (!frames || frames.length === 0) return undefined;
  return frames.map((f, i) => ({
    ...f,
    name: i === frames.length - 1 ? (symbolName ?? f.name ?? '[unknown]') : (f.name ?? '[inlined]'),
  }));
}
