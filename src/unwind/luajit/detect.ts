// Recognising the LuaJIT VM in a binary: which file holds it, which build it is, and where its
// interpreter's machine code lies. Per-binary facts, cached by file identity; no process state.

import { IdentityCache } from '../../elf/cache.js';
import { ElfFile } from '../../elf/elf.js';
import { parseFrames } from '../../elf/eh-frame.js';
import { frameSections } from '../../elf/file-unwind-table.js';
import { SymbolTable } from '../../elf/symbols.js';
import { NotSupportedError } from '../../errors.js';
import { BUILDS_BY_ID, type LuaJitBuild } from './layout.js';

export interface LuaJitBinary {
  path: string;
  buildId: string;
  build: LuaJitBuild;
  /** The interpreter (lj_vm_*): file vaddrs [start, end). */
  interpStart: number;
  interpEnd: number;
}

/** The interpreter is hand-written assembly covered by one large FDE whose CFA is rsp + 80. */
const INTERP_MIN_BYTES = 4096;

/** Cheap check from the symbols alone: does this ELF carry a LuaJIT VM? */
function hasLuaJit(symbols: SymbolTable): boolean {
  return symbols.byName('luaJIT_setmode') !== undefined;
}

function findInterpreter(elf: ElfFile): { start: number; end: number } | undefined {
  let best: { start: number; end: number } | undefined;
  for (const section of frameSections(elf)) {
    for (const fde of parseFrames(section).fdes) {
      const size = fde.pcEnd - fde.pcBegin;
      if (size >= INTERP_MIN_BYTES && (!best || size > best.end - best.start)) best = { start: fde.pcBegin, end: fde.pcEnd };
    }
  }
  return best;
}

/**
 * Checks the layout against the machine code of the exported lua_close, which begins by loading
 * G from L->glref and later clears G->cur_L: both offsets must be the build's.
 */
function checkLuaClose(elf: ElfFile, symbols: SymbolTable, build: LuaJitBuild): boolean {
  const sym = symbols.byName('lua_close');
  const load = sym && elf.loads.find((l) => sym.start >= l.vaddr && sym.start < l.vaddr + l.filesz);
  if (!sym || !load) return false;
  const code = elf.readAt(load.offset + (sym.start - load.vaddr), 128, 'lua_close');
  // mov disp8(%rdi),%reg: 48 8b /r with mod=01, rm=rdi(7)
  let glref = -1;
  for (let i = 0; i + 3 < code.length; i++) {
    if (code[i] === 0x48 && code[i + 1] === 0x8b && (code[i + 2]! & 0xc7) === 0x47) {
      glref = code[i + 3]!;
      break;
    }
  }
  // movq $0, disp32(%reg): 48 c7 /0 with mod=10, then disp32 and imm32 0
  let curL = -1;
  for (let i = 0; i + 10 < code.length; i++) {
    if (code[i] === 0x48 && code[i + 1] === 0xc7 && (code[i + 2]! & 0xf8) === 0x80 && code.readInt32LE(i + 7) === 0) {
      curL = code.readInt32LE(i + 3);
      break;
    }
  }
  return glref === build.layout.L_glref && curL === build.layout.G_cur_L;
}

const cache = new IdentityCache<LuaJitBinary | null>(64);

/**
 * Identifies the LuaJIT build in the file at `path` (which may be a /proc/PID/map_files path).
 * Returns undefined for files without LuaJIT; throws NotSupportedError, naming the build, for a
 * LuaJIT that fluoro does not know or whose code contradicts the layout it would use.
 */
export function detectLuaJit(path: string, displayPath = path): LuaJitBinary | undefined {
  const found = cache.get(path, (p) => {
    const elf = ElfFile.open(p);
    const symbols = SymbolTable.fromElf(elf);
    if (!hasLuaJit(symbols)) return null;
    const buildId = elf.buildId ?? '';
    const build = BUILDS_BY_ID.get(buildId);
    if (!build) {
      throw new NotSupportedError(
        `${displayPath} holds a LuaJIT build fluoro does not know yet (build-id ${buildId || 'none'}); ` +
          'Lua frames cannot be read safely from it',
      );
    }
    if (!checkLuaClose(elf, symbols, build)) {
      throw new NotSupportedError(`${displayPath} (build-id ${buildId}) does not match the ${build.name} layout`);
    }
    const interp = findInterpreter(elf);
    if (!interp) throw new NotSupportedError(`cannot find the LuaJIT interpreter in ${displayPath} (no unwind info)`);
    return { path: displayPath, buildId, build, interpStart: interp.start, interpEnd: interp.end };
  });
  return found ?? undefined;
}

