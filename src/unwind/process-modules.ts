// The executable modules of one live process: which file holds each code address, with the file's
// unwind table, symbols and load bias. Files are opened as the process sees them (map_files, or
// its root), so containers work; per-file work is cached by file identity across processes. The
// vDSO is no file: its image is copied from the process and read in memory, never written out.

import { createHash } from 'node:crypto';
import { ElfFile } from '../elf/elf.js';
import { IdentityCache } from '../elf/cache.js';
import { frameSections, unwindTableOf } from '../elf/file-unwind-table.js';
import { UnwindTable } from '../elf/unwind-table.js';
import { openMappedFile } from '../proc/files.js';
import { findMapping, readMaps, type Mapping } from '../proc/maps.js';
import { readMemoryUpTo } from '../proc/memory.js';
import { NativeSymbolizer, symbolizerFor } from '../symbolize/native.js';
import { ProcessPerfMap } from '../symbolize/perf-map.js';
import { loadBias, type ModuleLookup, type UnwindModule } from './native.js';

export interface Module extends UnwindModule {
  /** The path as the process names it ("/usr/sbin/nginx", "[vdso]"). */
  name: string;
  /** A path that reaches the file from here; undefined for the vDSO, which is read from memory. */
  file: string | undefined;
  start: bigint;
  end: bigint;
  buildId: string;
  symbolizer: NativeSymbolizer | undefined;
}

interface NativeSymbol {
  name: string;
  /** File vaddr of the address. */
  vaddr: number;
  module: Module;
}

const elfCache = new IdentityCache<ElfFile>(256);

/** What the vDSO's image gives, parsed once per content (every process of a boot maps the same). */
interface VdsoImage {
  elf: ElfFile;
  table: UnwindTable;
  symbolizer: NativeSymbolizer | undefined;
}

const vdsoImages = new Map<string, VdsoImage>();
/** Kernels differ between boots, not within one: a few contents are all a run meets. */
const MAX_VDSO_IMAGES = 4;

/** The vDSO of process `pid`, from its image copied out of the process. Throws for a bad image. */
function vdsoImage(pid: number, m: Mapping): VdsoImage | undefined {
  const image = readMemoryUpTo(pid, m.start, Number(m.end - m.start));
  if (image.length < 64) return undefined;
  const key = createHash('sha1').update(image).digest('hex');
  const hit = vdsoImages.get(key);
  if (hit) return hit;
  const elf = ElfFile.fromImage('[vdso]', image);
  let symbolizer: NativeSymbolizer | undefined;
  try {
    symbolizer = new NativeSymbolizer(elf);
  } catch {
    symbolizer = undefined;
  }
  const parsed = { elf, table: UnwindTable.fromSections(frameSections(elf)), symbolizer };
  if (vdsoImages.size >= MAX_VDSO_IMAGES) vdsoImages.delete(vdsoImages.keys().next().value!);
  vdsoImages.set(key, parsed);
  return parsed;
}

export class ProcessModules implements ModuleLookup {
  private maps: Mapping[] = [];
  private readonly modules = new Map<bigint, Module | null>();
  private lastRefresh = 0;
  private perfMap: ProcessPerfMap | undefined;

  constructor(readonly pid: number) {
    this.refresh();
  }

  /** Re-reads /proc/PID/maps (new libraries, JIT regions). Keeps old modules for old samples. */
  refresh(): void {
    this.maps = readMaps(this.pid);
    this.lastRefresh = Date.now();
  }

  private mappingFor(pc: bigint): Mapping | undefined {
    let m = findMapping(this.maps, pc);
    if (!m && Date.now() - this.lastRefresh > 1000) {
      try {
        this.refresh();
      } catch {
        return undefined; // the process is gone; old maps are all there is
      }
      m = findMapping(this.maps, pc);
    }
    return m && m.perms[2] === 'x' ? m : undefined;
  }

  /** The module holding code address `pc`, if it is file-backed (or the vDSO). */
  module(pc: bigint): Module | undefined {
    const m = this.mappingFor(pc);
    if (!m) return undefined;
    const cached = this.modules.get(m.start);
    if (cached !== undefined && (cached === null || cached.end === m.end)) return cached ?? undefined;
    const mod = this.load(m);
    this.modules.set(m.start, mod ?? null);
    return mod;
  }

  private load(m: Mapping): Module | undefined {
    if (m.path === '[vdso]') return this.loadVdso(m);
    let file: string | undefined;
    try {
      if (m.inode !== 0) file = openMappedFile(this.pid, m).path;
    } catch {
      return undefined;
    }
    if (!file) return undefined;
    try {
      const elf = elfCache.get(file, (p) => ElfFile.open(p));
      const bias = loadBias(elf, m);
      if (bias === undefined) return undefined;
      let symbolizer: NativeSymbolizer | undefined;
      try {
        symbolizer = symbolizerFor(file);
      } catch {
        symbolizer = undefined;
      }
      const table: UnwindTable = unwindTableOf(file);
      return { name: m.path, file, start: m.start, end: m.end, buildId: elf.buildId ?? '', bias, table, symbolizer };
    } catch {
      return undefined; // not an ELF file we can read: treated as unknown code
    }
  }

  private loadVdso(m: Mapping): Module | undefined {
    try {
      const vdso = vdsoImage(this.pid, m);
      if (!vdso) return undefined;
      // The image was copied whole, so its mapping starts at offset 0 of the image.
      const bias = loadBias(vdso.elf, { start: m.start, offset: 0n });
      if (bias === undefined) return undefined;
      const { table, symbolizer } = vdso;
      return { name: m.path, file: undefined, start: m.start, end: m.end, buildId: vdso.elf.buildId ?? '', bias, table, symbolizer };
    } catch {
      return undefined; // the process is gone, or its vDSO is not an image we can read
    }
  }

  /**
   * Loads every executable file mapping now (unwind table, symbols), so that the first samples
   * cost a lookup rather than the parsing of libc and its debug file while samples queue up.
   */
  preload(): void {
    for (const m of this.maps) if (m.perms[2] === 'x') this.module(m.start);
  }

  lookup(pc: bigint): UnwindModule | undefined {
    return this.module(pc);
  }

  /** Symbol for a code address (pass return addresses minus one). */
  symbol(pc: bigint): NativeSymbol | undefined {
    const module = this.module(pc);
    if (!module) return undefined;
    const vaddr = Number(pc - module.bias);
    const name = module.symbolizer?.name(vaddr);
    return name === undefined ? undefined : { name, vaddr, module };
  }

  /** The process's mappings as last read. */
  get mappings(): readonly Mapping[] {
    return this.maps;
  }

  /** The name a JIT gave the code at `addr` in its perf map (/tmp/perf-PID.map), if it keeps one. */
  jitName(addr: bigint): string | undefined {
    this.perfMap ??= new ProcessPerfMap(this.pid);
    return this.perfMap.name(addr);
  }

  /** The mapping holding `addr` (any permissions), for naming anonymous and JIT code. */
  mapping(addr: bigint): Mapping | undefined {
    return findMapping(this.maps, addr);
  }
}
