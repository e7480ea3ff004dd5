// Parsing of .eh_frame and .debug_frame into CIEs and FDEs. The two formats differ in small ways:
// .eh_frame marks a CIE with id 0 and points from an FDE back to its CIE relatively, encodes
// addresses per the CIE's 'R' augmentation and ends at a zero length; .debug_frame marks a CIE with
// id 0xffffffff, points to it by section offset and uses plain 8-byte addresses.

import { type CfiParams } from './cfi.js';
import { DW_EH_PE, DwarfCursor, DwarfRangeError, type PointerBases } from './dwarf-cursor.js';

interface Cie {
  offset: number;
  version: number;
  augmentation: string;
  params: CfiParams;
  initialInstructions: Buffer;
  /** 'S' augmentation: the FDEs describe signal trampolines (the frame was interrupted, not called). */
  signal: boolean;
}

export interface Fde {
  offset: number;
  cie: Cie;
  pcBegin: number;
  pcEnd: number;
  instructions: Buffer;
}

export interface FrameSection {
  kind: 'eh_frame' | 'debug_frame';
  data: Buffer;
  /** Bases for relative pointers: `section` is the vaddr of the section (0 for .debug_frame). */
  bases: PointerBases;
}

interface ParsedFrames {
  fdes: Fde[];
  /** Entries skipped because they were malformed; reported, never fatal. */
  errors: number;
}

/** Upper bound on entries, so a hostile section cannot keep us busy forever. */
const MAX_ENTRIES = 4_000_000;

function parseCie(c: DwarfCursor, end: number, offset: number, f: FrameSection): Cie {
  const version = c.u8();
  if (version !== 1 && version !== 3 && version !== 4) throw new DwarfRangeError(`CIE version ${version}`);
  const augmentation = c.cstr();
  if (augmentation.includes('eh')) c.skip(8); // an ancient GCC extension: a pointer to EH data
  if (version >= 4) {
    const addressSize = c.u8();
    c.u8(); // segment selector size
    if (addressSize !== 8) throw new DwarfRangeError(`address size ${addressSize}`);
  }
  const codeAlign = c.uleb();
  const dataAlign = c.sleb();
  const raReg = version === 1 ? c.u8() : c.uleb();
  let fdeEncoding: number = DW_EH_PE.absptr;
  let signal = false;
  if (augmentation.startsWith('z')) {
    const len = c.uleb();
    const augEnd = c.pos + len;
    if (augEnd > end) throw new DwarfRangeError('augmentation data past the CIE');
    for (const ch of augmentation.slice(1)) {
      if (ch === 'R') fdeEncoding = c.u8();
      else if (ch === 'L') c.u8();
      else if (ch === 'P') c.pointer(c.u8(), f.bases);
      else if (ch === 'S') signal = true;
      else if (ch === 'B' || ch === 'G') continue; // AArch64 key B, MTE tagged frames: no data
      else break; // unknown: the length lets us skip the rest
    }
    c.pos = augEnd;
  } else if (augmentation !== '') {
    throw new DwarfRangeError(`unknown augmentation "${augmentation}"`);
  }
  return {
    offset,
    version,
    augmentation,
    params: { codeAlign, dataAlign, raReg, fdeEncoding },
    initialInstructions: c.bytes(end - c.pos),
    signal,
  };
}

/** All FDEs of a frame section with their CIEs. Malformed entries are skipped and counted. */
export function parseFrames(f: FrameSection): ParsedFrames {
  const { data } = f;
  const cies = new Map<number, Cie | null>();
  const fdes: Fde[] = [];
  let errors = 0;
  const eh = f.kind === 'eh_frame';

  const cieAt = (off: number): Cie | null => {
    const known = cies.get(off);
    if (known !== undefined) return known;
    let cie: Cie | null = null;
    try {
      const c = new DwarfCursor(data, off);
      let len = c.u32();
      let idSize = 4;
      if (len === 0xffffffff) {
        len = Number(c.u64());
        idSize = 8;
      }
      const end = c.pos + len;
      if (len === 0 || end > data.length) throw new DwarfRangeError('CIE length');
      const id = idSize === 4 ? c.u32() : Number(c.u64());
      const isCie = eh ? id === 0 : idSize === 4 ? id === 0xffffffff : id >= 2 ** 53;
      if (!isCie) throw new DwarfRangeError('FDE points at something that is not a CIE');
      cie = parseCie(new DwarfCursor(data, c.pos, end), end, off, f);
    } catch {
      cie = null;
    }
    cies.set(off, cie);
    return cie;
  };

  let pos = 0;
  for (let n = 0; pos + 4 <= data.length && n < MAX_ENTRIES; n++) {
    const start = pos;
    let len = data.readUInt32LE(pos);
    let hdr = 4;
    if (len === 0xffffffff) {
      if (pos + 12 > data.length) break;
      const big = data.readBigUInt64LE(pos + 4);
      if (big > BigInt(data.length)) break;
      len = Number(big);
      hdr = 12;
    }
    if (len === 0) {
      if (eh) break; // the terminator
      pos += hdr;
      continue;
    }
    const end = start + hdr + len;
    if (end > data.length || end <= start) break; // cannot find the next entry: stop honestly
    pos = end;
    const idSize = hdr === 4 ? 4 : 8;
    const idPos = start + hdr;
    if (idPos + idSize > end) {
      errors++;
      continue;
    }
    const id = idSize === 4 ? data.readUInt32LE(idPos) : Number(data.readBigUInt64LE(idPos));
    const isCie = eh ? id === 0 : idSize === 4 ? id === 0xffffffff : id >= 2 ** 53;
    if (isCie) continue; // parsed on demand, when an FDE names it
    try {
      const cieOff = eh ? idPos - id : id;
      if (cieOff < 0 || cieOff >= data.length) throw new DwarfRangeError('CIE pointer');
      const cie = cieAt(cieOff);
      if (!cie) throw new DwarfRangeError('bad CIE');
      const c = new DwarfCursor(data, idPos + idSize, end);
      const enc = eh ? cie.params.fdeEncoding : DW_EH_PE.absptr;
      const begin = c.pointer(enc, f.bases);
      const range = c.pointer(enc & 0x0f, f.bases);
      if (!begin || !range) throw new DwarfRangeError('FDE address omitted');
      if (eh && cie.augmentation.startsWith('z')) c.skip(c.uleb());
      if (range.value === 0 || begin.value === 0) continue; // discarded by the linker
      fdes.push({
        offset: start,
        cie,
        pcBegin: begin.value,
        pcEnd: begin.value + range.value,
        instructions: c.bytes(c.left),
      });
    } catch {
      errors++;
    }
  }
  return { fdes, errors };
}
