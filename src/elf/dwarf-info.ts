// .debug_info + .debug_abbrev: which function, and which chain of inlined calls, holds an address.
//
// Work is lazy and per compile unit. The first lookup builds an address → unit index from
// .debug_aranges, or, for units it does not list, from each unit's own DIE (name, directory, line
// program, address ranges). A lookup then parses that one unit: its subprograms and DW_TAG_inlined_subroutine entries, with
// their ranges, nesting, DW_AT_call_file/call_line and the DIE that names them (DW_AT_name, or
// through DW_AT_abstract_origin / DW_AT_specification). Names are resolved when first asked for.
// Damage never escapes a lookup: a unit that cannot be read is skipped and counted.

import { DwarfRangeError } from './dwarf-cursor.js';
import { DW_FORM, DwarfReader, readForm, strAt, unitExtent, type DwarfSections, type FormContext, type UnitHeader } from './dwarf-forms.js';
import { LineTable, parseLineProgram } from './dwarf-line.js';
import { contains, findRoot, findTriple, isAddrx, readAranges, readRangeList, resolveAddress, sortTriples } from './dwarf-ranges.js';

const DW_TAG = { compile_unit: 0x11, partial_unit: 0x3c, subprogram: 0x2e, inlined_subroutine: 0x1d } as const;
const DW_AT = {
  name: 0x03, stmt_list: 0x10, low_pc: 0x11, high_pc: 0x12, comp_dir: 0x1b, abstract_origin: 0x31,
  specification: 0x47, ranges: 0x55, call_file: 0x58, call_line: 0x59, linkage_name: 0x6e,
  str_offsets_base: 0x72, addr_base: 0x73, rnglists_base: 0x74, MIPS_linkage_name: 0x2007,
} as const;
const DW_UT = { compile: 1, partial: 3 } as const;

/** Bounds against hostile input. */
const MAX_UNITS = 1_000_000;
const MAX_DEPTH = 4096;
const MAX_NAME_HOPS = 8;
/** Parsed units kept at once; the least recently used is parsed again if needed. */
const MAX_PARSED_UNITS = 256;

interface Abbrev {
  tag: number;
  children: boolean;
  attrs: Int32Array;
  forms: Int32Array;
  consts: Float64Array;
}

interface Unit extends FormContext {
  offset: number;
  end: number;
  firstDie: number;
  abbrevs: Map<number, Abbrev>;
  name?: string;
  compDir?: string;
  stmtList?: number;
  base: number;
  strOffsetsBase?: number;
  addrBase?: number;
  rnglistsBase?: number;
}

/** One subprogram or inlined call in a parsed unit, in DIE order (depth first). */
interface Scope {
  /** Offset of the DIE that holds (or leads to) the name. */
  die: number;
  inlined: boolean;
  callFile: number;
  callLine: number;
  /** Index past the last scope nested in this one. */
  subtreeEnd: number;
  /** [lo, hi) pairs. */
  ranges: number[];
}

interface ParsedUnit {
  scopes: Scope[];
  /** Out-of-line function ranges, sorted: [lo, hi, scope index] triples flattened. */
  roots: Float64Array;
  lines: LineTable | undefined;
}

interface InlineFrame {
  /** Function name (the linkage name when the unit gives one), undefined when DWARF does not say. */
  name: string | undefined;
  file: string | undefined;
  line: number;
}

export interface DwarfStats {
  units: number;
  /** Units whose addresses came from .debug_aranges rather than their own DIE. */
  listedUnits: number;
  parsedUnits: number;
  skippedUnits: number;
  problems: string[];
}

export class DwarfInfo {
  /** Every unit's extent in .debug_info, in order; a unit's index here names it. */
  private extents: UnitHeader[] | undefined;
  private readonly headers = new Map<number, (Unit & { ranges: number[] }) | null>();
  /** Sorted [lo, hi, unit index] triples flattened. */
  private unitRanges: Float64Array = new Float64Array(0);
  private readonly abbrevTables = new Map<number, Map<number, Abbrev>>();
  private readonly parsed = new Map<number, ParsedUnit | null>();
  private readonly names = new Map<number, { name?: string; linkage?: string }>();
  readonly stats: DwarfStats = { units: 0, listedUnits: 0, parsedUnits: 0, skippedUnits: 0, problems: [] };

  constructor(private readonly s: DwarfSections) {}

  private problem(what: string): void {
    this.stats.skippedUnits++;
    if (this.stats.problems.length < 20) this.stats.problems.push(what);
  }

  /** Inlined frames at file address `addr`, innermost first; the last is the function holding the code. */
  frames(addr: number): InlineFrame[] | undefined {
    try {
      return this.framesUnsafe(addr);
    } catch (e) {
      if (!(e instanceof DwarfRangeError)) throw e;
      this.problem(e.message);
      return undefined;
    }
  }

  private framesUnsafe(addr: number): InlineFrame[] | undefined {
    const ui = this.unitFor(addr);
    if (ui === undefined) return undefined;
    const pu = this.parseUnit(ui);
    if (!pu) return undefined;
    const row = pu.lines?.lookup(addr);
    const root = findRoot(pu.roots, addr);
    if (root === undefined) return row ? [{ name: undefined, file: row.file, line: row.line }] : undefined;
    // Walk down: at each level, the nested scope that holds the address (siblings do not overlap).
    const chain = [root];
    let cur = root;
    let i = root + 1;
    while (i < pu.scopes[cur]!.subtreeEnd) {
      const sc = pu.scopes[i]!;
      if (sc.inlined && contains(sc.ranges, addr)) {
        chain.push(i);
        cur = i;
        i++;
      } else i = Math.max(sc.subtreeEnd, i + 1);
    }
    const out: InlineFrame[] = [];
    let file = row?.file;
    let line = row?.line ?? 0;
    for (let k = chain.length - 1; k >= 0; k--) {
      const sc = pu.scopes[chain[k]!]!;
      const n = this.nameOf(sc.die);
      out.push({ name: n.linkage ?? n.name, file, line });
      file = pu.lines?.fileName(sc.callFile);
      line = sc.callLine;
    }
    return out;
  }

  /** The source line at `addr` from the line table alone. */
  line(addr: number): { file: string; line: number } | undefined {
    try {
      const ui = this.unitFor(addr);
      return ui === undefined ? undefined : this.parseUnit(ui)?.lines?.lookup(addr);
    } catch (e) {
      if (!(e instanceof DwarfRangeError)) throw e;
      return undefined;
    }
  }

  // ---- the unit index -------------------------------------------------------------------------

  /**
   * The address -> unit index. Every unit's extent comes from its length field alone (cheap).
   * Which addresses a unit holds comes from .debug_aranges when the compiler wrote it (gcc does,
   * for every unit), and otherwise from the unit's own DIE, which means reading its abbreviation
   * table: for libc's 2,063 units, 5 ms against 280 ms.
   */
  private loadIndex(): UnitHeader[] {
    if (this.extents) return this.extents;
    const extents: UnitHeader[] = (this.extents = []);
    const info = this.s.get('.debug_info');
    let off = 0;
    while (info && off + 11 <= info.length && extents.length < MAX_UNITS) {
      try {
        const u = unitExtent(info, off);
        extents.push(u);
        off = u.end;
      } catch (e) {
        if (!(e instanceof DwarfRangeError)) throw e;
        this.problem(`unit at 0x${off.toString(16)}: ${e.message}`);
        break; // without a length we cannot find the next unit
      }
    }
    this.stats.units = extents.length;
    const aranges = this.s.get('.debug_aranges');
    const listed = aranges ? readAranges(aranges) : undefined;
    const ranges: number[] = [];
    if (listed) {
      this.stats.listedUnits = listed.units.size;
      for (let k = 0; k < listed.triples.length; k += 3) {
        const idx = this.extentAt(listed.triples[k + 2]!, true);
        if (idx !== undefined) ranges.push(listed.triples[k]!, listed.triples[k + 1]!, idx);
      }
    }
    for (let idx = 0; idx < extents.length; idx++) {
      if (listed?.units.has(extents[idx]!.offset)) continue;
      const unit = this.unit(idx);
      if (!unit) continue;
      for (let k = 0; k + 1 < unit.ranges.length; k += 2) {
        if (unit.ranges[k]! < unit.ranges[k + 1]!) ranges.push(unit.ranges[k]!, unit.ranges[k + 1]!, idx);
      }
    }
    this.unitRanges = sortTriples(ranges);
    return extents;
  }

  /** Index of the unit that starts at (`exact`) or holds .debug_info offset `off`. */
  private extentAt(off: number, exact = false): number | undefined {
    const extents = this.loadIndex();
    let lo = 0, hi = extents.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = extents[mid]!;
      if (off < u.offset) hi = mid - 1;
      else if (off >= u.end) lo = mid + 1;
      else return !exact || off === u.offset ? mid : undefined;
    }
    return undefined;
  }

  /** The header and own DIE of unit `idx`, read on first use; undefined for units we do not read. */
  private unit(idx: number): (Unit & { ranges: number[] }) | undefined {
    const hit = this.headers.get(idx);
    if (hit !== undefined) return hit ?? undefined;
    let unit: (Unit & { ranges: number[] }) | undefined;
    try {
      unit = this.readUnitHeader(this.s.get('.debug_info')!, this.extents![idx]!);
    } catch (e) {
      if (!(e instanceof DwarfRangeError)) throw e;
      this.problem(`unit at 0x${this.extents![idx]!.offset.toString(16)}: ${e.message}`);
    }
    this.headers.set(idx, unit ?? null);
    return unit;
  }

  private readUnitHeader(info: Buffer, u: UnitHeader): (Unit & { ranges: number[] }) | undefined {
    const r = new DwarfReader(info, u.body, u.end);
    let addressSize: number;
    let abbrevOffset: number;
    if (u.version >= 5) {
      const type = r.u8();
      addressSize = r.u8();
      abbrevOffset = r.offset(u.offsetSize);
      if (type !== DW_UT.compile && type !== DW_UT.partial) return undefined; // type units, split units
    } else if (u.version >= 2) {
      abbrevOffset = r.offset(u.offsetSize);
      addressSize = r.u8();
    } else return undefined;
    if (addressSize !== 4 && addressSize !== 8) throw new DwarfRangeError(`address size ${addressSize}`);
    const unit: Unit & { ranges: number[] } = {
      offset: u.offset, end: u.end, firstDie: r.pos, version: u.version, offsetSize: u.offsetSize, addressSize,
      abbrevs: this.abbrevTable(abbrevOffset), base: 0, ranges: [],
    };
    // The unit's own DIE.
    const ab = unit.abbrevs.get(r.uleb());
    if (!ab || (ab.tag !== DW_TAG.compile_unit && ab.tag !== DW_TAG.partial_unit)) return undefined;
    let low: number | undefined, high: number | undefined, highForm = 0, rangesVal: number | undefined, rangesForm = 0;
    const strs: [number, number, number][] = [];
    for (let i = 0; i < ab.attrs.length; i++) {
      const at = ab.attrs[i]!, form = ab.forms[i]!;
      const v = readForm(r, form, unit, ab.consts[i]);
      if (typeof v === 'string') {
        if (at === DW_AT.name) unit.name = v;
        else if (at === DW_AT.comp_dir) unit.compDir = v;
        continue;
      }
      switch (at) {
        case DW_AT.name: case DW_AT.comp_dir: strs.push([at, form, v]); break;
        case DW_AT.stmt_list: unit.stmtList = v; break;
        case DW_AT.low_pc: low = v; if (isAddrx(form)) strs.push([at, form, v]); break;
        case DW_AT.high_pc: high = v; highForm = form; break;
        case DW_AT.ranges: rangesVal = v; rangesForm = form; break;
        case DW_AT.str_offsets_base: unit.strOffsetsBase = v; break;
        case DW_AT.addr_base: unit.addrBase = v; break;
        case DW_AT.rnglists_base: unit.rnglistsBase = v; break;
      }
    }
    // Indexed forms depend on the bases, which may come after them in the DIE.
    for (const [at, form, v] of strs) {
      if (at === DW_AT.low_pc) low = this.address(unit, form, v);
      else if (at === DW_AT.name) unit.name = this.str(unit, form, v);
      else unit.compDir = this.str(unit, form, v);
    }
    if (low !== undefined) unit.base = low;
    if (rangesVal !== undefined) unit.ranges = this.rangeList(unit, rangesForm, rangesVal);
    else if (low !== undefined && high !== undefined) unit.ranges = [low, this.highPc(unit, low, highForm, high)];
    return unit;
  }

  private abbrevTable(offset: number): Map<number, Abbrev> {
    let t = this.abbrevTables.get(offset);
    if (t) return t;
    t = new Map();
    const buf = this.s.get('.debug_abbrev');
    if (!buf || offset >= buf.length) throw new DwarfRangeError('abbreviation table out of bounds');
    const r = new DwarfReader(buf, offset);
    for (;;) {
      const code = r.uleb();
      if (code === 0) break;
      const tag = r.uleb();
      const children = r.u8() !== 0;
      const attrs: number[] = [], forms: number[] = [], consts: number[] = [];
      for (;;) {
        const at = r.uleb();
        const form = r.uleb();
        if (at === 0 && form === 0) break;
        attrs.push(at);
        forms.push(form);
        consts.push(form === DW_FORM.implicit_const ? r.sleb() : 0);
        if (attrs.length > 4096) throw new DwarfRangeError('abbreviation with too many attributes');
      }
      t.set(code, { tag, children, attrs: Int32Array.from(attrs), forms: Int32Array.from(forms), consts: Float64Array.from(consts) });
      if (t.size > 1_000_000) throw new DwarfRangeError('abbreviation table too large');
    }
    this.abbrevTables.set(offset, t);
    return t;
  }

  private unitFor(addr: number): number | undefined {
    this.loadIndex();
    // Units can claim the same code: the linker points the DWARF of discarded COMDAT copies (C++
    // inline functions, templates) at the copy it kept. Like addr2line, the first unit wins.
    const t = this.unitRanges;
    let best: number | undefined;
    for (let i = findTriple(t, addr) ?? -1, n = 0; i >= 0 && n < 256; i--, n++) {
      if (addr >= t[i * 3]! && addr < t[i * 3 + 1]! && (best === undefined || t[i * 3 + 2]! < best)) best = t[i * 3 + 2]!;
    }
    return best;
  }

  private unitAtOffset(off: number): Unit | undefined {
    const idx = this.extentAt(off);
    return idx === undefined ? undefined : this.unit(idx);
  }

  // ---- forms that need the unit's bases ------------------------------------------------------

  private str(unit: Unit, form: number, v: number): string | undefined {
    switch (form) {
      case DW_FORM.strp: return strAt(this.s.get('.debug_str'), v);
      case DW_FORM.line_strp: return strAt(this.s.get('.debug_line_str'), v);
      case DW_FORM.strx: case DW_FORM.strx1: case DW_FORM.strx2: case DW_FORM.strx3: case DW_FORM.strx4: case DW_FORM.GNU_str_index: {
        const offs = this.s.get('.debug_str_offsets');
        const at = (unit.strOffsetsBase ?? 8) + v * unit.offsetSize;
        if (!offs || at + unit.offsetSize > offs.length) return undefined;
        return strAt(this.s.get('.debug_str'), new DwarfReader(offs, at).offset(unit.offsetSize));
      }
      default: return undefined; // DW_FORM_GNU_strp_alt and friends: in a supplementary file we do not read
    }
  }

  private address(unit: Unit, form: number, v: number): number {
    return resolveAddress(this.s, unit, form, v);
  }

  private highPc(unit: Unit, low: number, form: number, v: number): number {
    return form === DW_FORM.addr || isAddrx(form) ? this.address(unit, form, v) : low + v;
  }

  private rangeList(unit: Unit, form: number, v: number): number[] {
    return readRangeList(this.s, unit, form, v);
  }

  // ---- one unit's functions and inlined calls -------------------------------------------------

  private parseUnit(ui: number): ParsedUnit | undefined {
    const hit = this.parsed.get(ui);
    if (hit !== undefined) {
      this.parsed.delete(ui);
      this.parsed.set(ui, hit);
      return hit ?? undefined;
    }
    let pu: ParsedUnit | null = null;
    try {
      const unit = this.unit(ui);
      if (unit) {
        pu = this.parseUnitUnsafe(unit);
        this.stats.parsedUnits++;
      }
    } catch (e) {
      if (!(e instanceof DwarfRangeError)) throw e;
      this.problem(`unit at 0x${this.extents![ui]!.offset.toString(16)}: ${e.message}`);
    }
    this.parsed.set(ui, pu);
    if (this.parsed.size > MAX_PARSED_UNITS) this.parsed.delete(this.parsed.keys().next().value!);
    return pu ?? undefined;
  }

  private parseUnitUnsafe(unit: Unit): ParsedUnit {
    const info = this.s.get('.debug_info')!;
    const r = new DwarfReader(info, unit.firstDie, unit.end);
    const scopes: Scope[] = [];
    const roots: number[] = [];
    // Open scopes with the DIE depth of their children.
    const open: { scope: number; depth: number }[] = [];
    let depth = 0;
    while (r.pos < r.end) {
      const dieOff = r.pos;
      const code = r.uleb();
      if (code === 0) {
        depth--;
        while (open.length && open[open.length - 1]!.depth > depth) scopes[open.pop()!.scope]!.subtreeEnd = scopes.length;
        if (depth <= 0) break;
        continue;
      }
      const ab = unit.abbrevs.get(code);
      if (!ab) throw new DwarfRangeError(`unknown abbreviation ${code} at 0x${dieOff.toString(16)}`);
      const want = ab.tag === DW_TAG.subprogram || ab.tag === DW_TAG.inlined_subroutine;
      let low: number | undefined, lowForm = 0, high: number | undefined, highForm = 0, rangesVal: number | undefined, rangesForm = 0;
      let origin: number | undefined, callFile = 0, callLine = 0;
      for (let i = 0; i < ab.attrs.length; i++) {
        const form = ab.forms[i]!;
        const v = readForm(r, form, unit, ab.consts[i]);
        if (!want || typeof v === 'string') continue;
        switch (ab.attrs[i]) {
          case DW_AT.low_pc: low = v; lowForm = form; break;
          case DW_AT.high_pc: high = v; highForm = form; break;
          case DW_AT.ranges: rangesVal = v; rangesForm = form; break;
          case DW_AT.abstract_origin: case DW_AT.specification: origin = this.ref(unit, form, v); break;
          case DW_AT.call_file: callFile = v; break;
          case DW_AT.call_line: callLine = v; break;
        }
      }
      if (want) {
        let ranges: number[] = [];
        if (rangesVal !== undefined) ranges = this.rangeList(unit, rangesForm, rangesVal);
        else if (low !== undefined && high !== undefined) {
          const lo = this.address(unit, lowForm, low);
          ranges = [lo, this.highPc(unit, lo, highForm, high)];
        }
        const inlined = ab.tag === DW_TAG.inlined_subroutine;
        // Declarations and abstract instances have no code: they only name things.
        if (ranges.length > 0) {
          const idx = scopes.length;
          scopes.push({ die: origin !== undefined && !this.hasOwnName(ab) ? origin : dieOff, inlined, callFile, callLine, subtreeEnd: idx + 1, ranges });
          if (!inlined) for (let k = 0; k + 1 < ranges.length; k += 2) roots.push(ranges[k]!, ranges[k + 1]!, idx);
          if (ab.children) open.push({ scope: idx, depth: depth + 1 });
        }
      }
      if (ab.children) {
        depth++;
        if (depth > MAX_DEPTH) throw new DwarfRangeError('DIE tree too deep');
      } else if (depth === 0) break; // a unit DIE without children
    }
    while (open.length) scopes[open.pop()!.scope]!.subtreeEnd = scopes.length;
    let lines: LineTable | undefined;
    if (unit.stmtList !== undefined) {
      const res = parseLineProgram(this.s, unit.stmtList, unit.compDir, unit.name);
      if (res.problem) this.problem(`line program at 0x${unit.stmtList.toString(16)}: ${res.problem}`);
      lines = res.table;
    }
    return { scopes, roots: sortTriples(roots), lines };
  }

  private hasOwnName(ab: Abbrev): boolean {
    for (let i = 0; i < ab.attrs.length; i++) {
      const a = ab.attrs[i];
      if (a === DW_AT.name || a === DW_AT.linkage_name || a === DW_AT.MIPS_linkage_name) return true;
    }
    return false;
  }

  /** A reference attribute as an offset in .debug_info (undefined for references into other files). */
  private ref(unit: Unit, form: number, v: number): number | undefined {
    switch (form) {
      case DW_FORM.ref1: case DW_FORM.ref2: case DW_FORM.ref4: case DW_FORM.ref8: case DW_FORM.ref_udata:
        return unit.offset + v;
      case DW_FORM.ref_addr: return v;
      default: return undefined;
    }
  }

  // ---- names ----------------------------------------------------------------------------------

  private nameOf(die: number, hops = 0): { name?: string; linkage?: string } {
    const hit = this.names.get(die);
    if (hit) return hit;
    let out: { name?: string; linkage?: string } = {};
    const unit = this.unitAtOffset(die);
    if (unit) {
      const r = new DwarfReader(this.s.get('.debug_info')!, die, unit.end);
      const ab = unit.abbrevs.get(r.uleb());
      let origin: number | undefined;
      if (ab) {
        for (let i = 0; i < ab.attrs.length; i++) {
          const form = ab.forms[i]!;
          const v = readForm(r, form, unit, ab.consts[i]);
          const at = ab.attrs[i];
          if (at === DW_AT.name) out.name = typeof v === 'string' ? v : this.str(unit, form, v);
          else if (at === DW_AT.linkage_name || at === DW_AT.MIPS_linkage_name) out.linkage = typeof v === 'string' ? v : this.str(unit, form, v);
          else if ((at === DW_AT.abstract_origin || at === DW_AT.specification) && typeof v === 'number') origin = this.ref(unit, form, v);
        }
      }
      if ((out.name === undefined || out.linkage === undefined) && origin !== undefined && origin !== die && hops < MAX_NAME_HOPS) {
        const o = this.nameOf(origin, hops + 1);
        out = { name: out.name ?? o.name, linkage: out.linkage ?? o.linkage };
      }
    }
    this.names.set(die, out);
    return out;
  }
}
