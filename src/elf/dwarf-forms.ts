// What .debug_line and .debug_info share: the DWARF sections of one file, loaded lazily and bounded,
// a cursor with a fast path for the LEB128 numbers that dominate these sections, unit headers, and
// the attribute forms (DWARF 2–5 plus the GNU extensions gcc emits), read or skipped.

import { DwarfCursor, DwarfRangeError } from './dwarf-cursor.js';
import type { ElfFile, Section } from './elf.js';

/** A DWARF section larger than this (uncompressed) is not loaded: the caller falls back to symbols. */
const MAX_DWARF_SECTION = 256 * 1024 * 1024;

/** The cursor of dwarf-cursor.ts, with LEB128 decoded in plain numbers while it fits 49 bits. */
export class DwarfReader extends DwarfCursor {
  override uleb(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    // Longer than 49 bits: back up and let the exact (and stricter) reader decide.
    this.pos -= 7;
    return super.uleb();
  }

  override sleb(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result;
    }
    this.pos -= 7;
    return super.sleb();
  }

  /** A LEB128 constant of any width as a number (lossy past 2^53: constants there are never sizes or offsets we use). */
  ulebLoose(): number {
    const start = this.pos;
    try {
      return this.uleb();
    } catch (e) {
      if (!(e instanceof DwarfRangeError)) throw e;
      this.pos = start;
      return Number(this.ulebBig());
    }
  }

  slebLoose(): number {
    const start = this.pos;
    try {
      return this.sleb();
    } catch (e) {
      if (!(e instanceof DwarfRangeError)) throw e;
      this.pos = start;
      return Number(this.slebBig());
    }
  }

  /** An unsigned 64-bit value as a number; values past 2^53 (never file addresses) become Infinity. */
  u64n(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
  }

  /** An offset of the unit's size (4 bytes in 32-bit DWARF, 8 in 64-bit). */
  offset(size: number): number {
    return size === 8 ? this.u64n() : this.u32();
  }

  /** An address of `size` bytes. */
  address(size: number): number {
    switch (size) {
      case 8: return this.u64n();
      case 4: return this.u32();
      case 2: return this.u16();
      case 1: return this.u8();
      default: throw new DwarfRangeError(`unsupported address size ${size}`);
    }
  }
}

export const DW_FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08,
  block: 0x09, block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f,
  ref_addr: 0x10, ref1: 0x11, ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16,
  sec_offset: 0x17, exprloc: 0x18, flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c,
  strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f, ref_sig8: 0x20, implicit_const: 0x21,
  loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25, strx2: 0x26, strx3: 0x27, strx4: 0x28,
  addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

/** The sections a DWARF reader may need; each is read (and decompressed) on first use. */
export class DwarfSections {
  private readonly loaded = new Map<string, Buffer | undefined>();
  /** Set when a section was too large or unreadable; the reader treats it as absent. */
  problem: string | undefined;

  constructor(readonly elf: ElfFile | undefined) {}

  /** Sections given as bytes (tests, and DWARF that did not come from a file). */
  static fromBuffers(sections: Record<string, Buffer>): DwarfSections {
    const s = new DwarfSections(undefined);
    for (const [name, data] of Object.entries(sections)) s.loaded.set(name, data);
    return s;
  }

  get(name: string): Buffer | undefined {
    if (this.loaded.has(name) || !this.elf) return this.loaded.get(name);
    let data: Buffer | undefined;
    const sec = this.elf.section(name);
    try {
      if (sec && uncompressedSize(this.elf, sec) > MAX_DWARF_SECTION) this.problem = `${name} is larger than ${MAX_DWARF_SECTION >> 20} MB`;
      else data = this.elf.sectionData(name);
    } catch (e) {
      this.problem = `${name}: ${(e as Error).message}`;
    }
    this.loaded.set(name, data);
    return data;
  }

  /** Bytes held by the sections loaded so far. */
  get bytes(): number {
    let n = 0;
    for (const b of this.loaded.values()) n += b?.length ?? 0;
    return n;
  }
}

/** A section's size once decompressed (the ELF compression header says it). */
export function uncompressedSize(elf: ElfFile, sec: Section): number {
  if ((sec.flags & 0x800n) === 0n || sec.size < 24) return sec.size;
  const h = elf.readAt(sec.offset, 24, `compression header of ${sec.name}`);
  const size = h.readBigUInt64LE(8);
  return size > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(size);
}

/** A NUL-terminated string at `off` in `buf`, or undefined when out of bounds. */
export function strAt(buf: Buffer | undefined, off: number): string | undefined {
  if (!buf || !(off >= 0) || off >= buf.length) return undefined;
  let end = buf.indexOf(0, off);
  if (end < 0) end = buf.length;
  return buf.toString('utf8', off, Math.min(end, off + 4096));
}

/** The parts of a unit header the attribute forms depend on. */
export interface FormContext {
  version: number;
  offsetSize: number;
  addressSize: number;
}

/**
 * Reads one attribute value of form `form` as a number (constants, offsets, references, indexes,
 * addresses) or a string (DW_FORM_string). Blocks and 128-bit data are skipped and read as 0.
 * Signed constants (sdata, implicit_const) are returned signed. Throws DwarfRangeError on damage.
 */
export function readForm(r: DwarfReader, form: number, ctx: FormContext, implicit = 0): number | string {
  switch (form) {
    case DW_FORM.addr: return r.address(ctx.addressSize);
    case DW_FORM.data1: case DW_FORM.ref1: case DW_FORM.flag: case DW_FORM.strx1: case DW_FORM.addrx1: return r.u8();
    case DW_FORM.data2: case DW_FORM.ref2: case DW_FORM.strx2: case DW_FORM.addrx2: return r.u16();
    case DW_FORM.strx3: case DW_FORM.addrx3: { const lo = r.u16(); return lo + r.u8() * 0x10000; }
    case DW_FORM.data4: case DW_FORM.ref4: case DW_FORM.ref_sup4: case DW_FORM.strx4: case DW_FORM.addrx4: return r.u32();
    case DW_FORM.data8: case DW_FORM.ref8: case DW_FORM.ref_sig8: case DW_FORM.ref_sup8: return r.u64n();
    case DW_FORM.data16: r.skip(16); return 0;
    case DW_FORM.sdata: return r.slebLoose();
    case DW_FORM.udata: return r.ulebLoose();
    case DW_FORM.ref_udata: case DW_FORM.strx: case DW_FORM.addrx:
    case DW_FORM.loclistx: case DW_FORM.rnglistx: case DW_FORM.GNU_addr_index: case DW_FORM.GNU_str_index:
      return r.uleb();
    case DW_FORM.string: return r.cstr();
    case DW_FORM.strp: case DW_FORM.line_strp: case DW_FORM.sec_offset: case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt: case DW_FORM.GNU_strp_alt:
      return r.offset(ctx.offsetSize);
    case DW_FORM.ref_addr: return ctx.version <= 2 ? r.address(ctx.addressSize) : r.offset(ctx.offsetSize);
    case DW_FORM.block1: r.skip(r.u8()); return 0;
    case DW_FORM.block2: r.skip(r.u16()); return 0;
    case DW_FORM.block4: r.skip(r.u32()); return 0;
    case DW_FORM.block: case DW_FORM.exprloc: r.skip(r.uleb()); return 0;
    case DW_FORM.flag_present: return 1;
    case DW_FORM.implicit_const: return implicit;
    case DW_FORM.indirect: {
      const f = r.uleb();
      if (f === DW_FORM.indirect || f === DW_FORM.implicit_const) throw new DwarfRangeError('bad indirect form');
      return readForm(r, f, ctx);
    }
    default: throw new DwarfRangeError(`unknown form 0x${form.toString(16)}`);
  }
}

export interface UnitHeader {
  /** Offset of the unit in its section. */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  /** Offset of the first DIE (or, for .debug_line, of the header fields after the version). */
  body: number;
  version: number;
  offsetSize: number;
}

/**
 * The initial length of a unit at `off` (32- or 64-bit DWARF) and its version. Throws DwarfRangeError
 * when the unit does not fit the section.
 */
export function unitExtent(buf: Buffer, off: number): UnitHeader {
  const r = new DwarfReader(buf, off);
  let length = r.u32();
  let offsetSize = 4;
  if (length === 0xffffffff) {
    length = r.u64n();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) throw new DwarfRangeError('reserved unit length');
  const end = r.pos + length;
  if (!(end <= buf.length) || length < 2) throw new DwarfRangeError('unit extends past the section');
  const version = r.u16();
  return { offset: off, end, body: r.pos, version, offsetSize };
}
