// Address ranges in DWARF: DW_FORM_addrx indexes into .debug_addr, range lists in .debug_ranges
// (DWARF 2-4) and .debug_rnglists (DWARF 5), the compiler's own address -> unit table in
// .debug_aranges, and the sorted [lo, hi, value] triples that the address -> unit and
// address -> scope lookups binary-search.

import { DwarfRangeError } from './dwarf-cursor.js';
import { DW_FORM, DwarfReader, unitExtent, type DwarfSections } from './dwarf-forms.js';

const DW_RLE = { end_of_list: 0, base_addressx: 1, startx_endx: 2, startx_length: 3, offset_pair: 4, base_address: 5, start_end: 6, start_length: 7 } as const;
const MAX_RANGES_PER_LIST = 100_000;

/** What of a compile unit the range forms depend on. */
interface RangeUnit {
  version: number;
  addressSize: number;
  offsetSize: number;
  /** DW_AT_low_pc of the unit: the base of its range lists. */
  base: number;
  addrBase?: number;
  rnglistsBase?: number;
}

export function isAddrx(form: number): boolean {
  return form === DW_FORM.addrx || (form >= DW_FORM.addrx1 && form <= DW_FORM.addrx4) || form === DW_FORM.GNU_addr_index;
}

/** The address an attribute value stands for: itself, or an entry of .debug_addr. */
export function resolveAddress(s: DwarfSections, unit: RangeUnit, form: number, v: number): number {
  if (!isAddrx(form)) return v;
  const buf = s.get('.debug_addr');
  const at = (unit.addrBase ?? 8) + v * unit.addressSize;
  if (!buf || at + unit.addressSize > buf.length) throw new DwarfRangeError('address index out of bounds');
  return new DwarfReader(buf, at).address(unit.addressSize);
}

/** The [lo, hi) pairs, flattened, of the range list a DW_AT_ranges value names. */
export function readRangeList(s: DwarfSections, unit: RangeUnit, form: number, v: number): number[] {
  const out: number[] = [];
  if (unit.version < 5) {
    const buf = s.get('.debug_ranges');
    if (!buf) return out;
    const r = new DwarfReader(buf, Math.min(v, buf.length));
    let base = unit.base;
    const maxAddr = unit.addressSize === 8 ? Infinity : 0xffffffff;
    while (out.length < 2 * MAX_RANGES_PER_LIST) {
      const a = r.address(unit.addressSize);
      const b = r.address(unit.addressSize);
      if (a === 0 && b === 0) break;
      if (a === maxAddr) base = b;
      else out.push(base + a, base + b);
    }
    return out;
  }
  const buf = s.get('.debug_rnglists');
  if (!buf) return out;
  let off = v;
  if (form === DW_FORM.rnglistx) {
    const base = unit.rnglistsBase ?? 12;
    const at = base + v * unit.offsetSize;
    if (at + unit.offsetSize > buf.length) throw new DwarfRangeError('range list index out of bounds');
    off = base + new DwarfReader(buf, at).offset(unit.offsetSize);
  }
  if (off >= buf.length) throw new DwarfRangeError('range list out of bounds');
  const r = new DwarfReader(buf, off);
  let base = unit.base;
  const addrx = (i: number): number => resolveAddress(s, unit, DW_FORM.addrx, i);
  while (out.length < 2 * MAX_RANGES_PER_LIST) {
    const kind = r.u8();
    if (kind === DW_RLE.end_of_list) break;
    switch (kind) {
      case DW_RLE.base_addressx: base = addrx(r.uleb()); break;
      case DW_RLE.startx_endx: { const a = addrx(r.uleb()); out.push(a, addrx(r.uleb())); break; }
      case DW_RLE.startx_length: { const a = addrx(r.uleb()); out.push(a, a + r.uleb()); break; }
      case DW_RLE.offset_pair: { const a = r.uleb(); out.push(base + a, base + r.uleb()); break; }
      case DW_RLE.base_address: base = r.address(unit.addressSize); break;
      case DW_RLE.start_end: { const a = r.address(unit.addressSize); out.push(a, r.address(unit.addressSize)); break; }
      case DW_RLE.start_length: { const a = r.address(unit.addressSize); out.push(a, a + r.uleb()); break; }
      default: throw new DwarfRangeError(`unknown range list entry ${kind}`);
    }
  }
  return out;
}

export function contains(ranges: number[], addr: number): boolean {
  for (let k = 0; k + 1 < ranges.length; k += 2) if (addr >= ranges[k]! && addr < ranges[k + 1]!) return true;
  return false;
}

/** Address-range tuples read from .debug_aranges at most; past this the table is not used. */
const MAX_ARANGES = 4_000_000;

/**
 * .debug_aranges: for each compile unit the compiler listed, the address ranges of its code, as
 * [lo, hi, .debug_info offset of the unit] triples (unsorted), and the set of units listed. A
 * unit with no code is listed with no tuples. Undefined when the section is malformed anywhere
 * (a reader must then fall back to the units' own DIEs, as if there were no table).
 */
export function readAranges(buf: Buffer): { triples: number[]; units: Set<number> } | undefined {
  const triples: number[] = [];
  const units = new Set<number>();
  try {
    let off = 0;
    while (off < buf.length) {
      // A set's header starts as a unit's does: its length (32- or 64-bit form), then a version.
      const { end, body, version, offsetSize } = unitExtent(buf, off);
      if (version !== 2 && version !== 3) return undefined;
      const set = new DwarfReader(buf, body, end);
      const unit = set.offset(offsetSize);
      const addressSize = set.u8();
      const segmentSize = set.u8();
      if ((addressSize !== 4 && addressSize !== 8) || segmentSize !== 0) return undefined;
      // Tuples start at a multiple of their own size from the start of the set.
      const tuple = 2 * addressSize;
      set.pos = off + Math.ceil((set.pos - off) / tuple) * tuple;
      units.add(unit);
      while (set.pos + tuple <= end) {
        const lo = set.address(addressSize);
        const len = set.address(addressSize);
        if (lo === 0 && len === 0) break;
        if (len > 0 && lo !== 0) triples.push(lo, lo + len, unit); // lo 0: code the linker discarded
        if (triples.length > 3 * MAX_ARANGES) return undefined;
      }
      off = end;
    }
  } catch (e) {
    if (e instanceof DwarfRangeError) return undefined;
    throw e;
  }
  return { triples, units };
}

/** [lo, hi, value] triples sorted by lo, flattened into one array. */
export function sortTriples(flat: number[]): Float64Array {
  const n = flat.length / 3;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => flat[a * 3]! - flat[b * 3]! || flat[b * 3 + 1]! - flat[a * 3 + 1]!);
  const out = new Float64Array(n * 3);
  idx.forEach((j, i) => out.set([flat[j * 3]!, flat[j * 3 + 1]!, flat[j * 3 + 2]!], i * 3));
  return out;
}

/** Index of the triple whose [lo, hi) holds `addr` (the last starting at or before it, looking back a little for enclosing ones). */
export function findTriple(t: Float64Array, addr: number): number | undefined {
  let lo = 0, hi = t.length / 3 - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid * 3]! <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = found, n = 0; i >= 0 && n < 16; i--, n++) if (addr < t[i * 3 + 1]!) return i;
  return undefined;
}

export function findRoot(roots: Float64Array, addr: number): number | undefined {
  const i = findTriple(roots, addr);
  return i === undefined ? undefined : roots[i * 3 + 2];
}
