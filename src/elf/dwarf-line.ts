// .debug_line: the line-number program of one compile unit (DWARF 2–5), run through the state
// machine into a compact table sorted by address: each row says "from this address on, file F line
// L", and an end-of-sequence row says "no line from here". Lookups never throw; a unit whose header
// or program is damaged yields what was decoded before the damage (or nothing) and is counted.

import { DwarfRangeError } from './dwarf-cursor.js';
import { DW_FORM, DwarfReader, readForm, strAt, unitExtent, type DwarfSections } from './dwarf-forms.js';

const DW_LNS = { copy: 1, advance_pc: 2, advance_line: 3, set_file: 4, set_column: 5, negate_stmt: 6,
  set_basic_block: 7, const_add_pc: 8, fixed_advance_pc: 9, set_prologue_end: 10, set_epilogue_begin: 11, set_isa: 12 } as const;
const DW_LNE = { end_sequence: 1, set_address: 2, define_file: 3, set_discriminator: 4 } as const;
const DW_LNCT = { path: 1, directory_index: 2 } as const;

/** Bounds against hostile headers: no real unit comes near these. */
const MAX_ROWS = 8_000_000;
const MAX_ENTRIES = 1_000_000;
/** End-of-sequence rows carry this file index. */
const NO_FILE = 0xffffffff;

interface LineRow {
  file: string;
  line: number;
}

export class LineTable {
  /**
   * @param addrs row start addresses, ascending
   * @param files index into `fileNames` per row, NO_FILE for an end of sequence
   * @param fileNames file names by the unit's own numbering (DWARF 5 counts from 0, older from 1)
   */
  constructor(
    private readonly addrs: Float64Array,
    private readonly files: Uint32Array,
    private readonly lines: Uint32Array,
    readonly fileNames: readonly (string | undefined)[],
  ) {}

  static readonly empty = new LineTable(new Float64Array(0), new Uint32Array(0), new Uint32Array(0), []);

  get length(): number {
    return this.addrs.length;
  }

  /** File name for a file index of this unit (DW_AT_call_file uses the same numbering). */
  fileName(index: number): string | undefined {
    return this.fileNames[index];
  }

  /** The row in force at `addr`, or undefined outside every sequence. */
  lookup(addr: number): LineRow | undefined {
    let lo = 0;
    let hi = this.addrs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addrs[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const f = this.files[found]!;
    if (f === NO_FILE) return undefined;
    return { file: this.fileNames[f] ?? '??', line: this.lines[found]! };
  }
}

function joinPath(dir: string | undefined, name: string): string {
  if (name.startsWith('/') || !dir) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

interface Header {
  minInst: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  stdLengths: number[];
  addressSize: number;
  fileNames: (string | undefined)[];
  dirs: (string | undefined)[];
  programStart: number;
}

/** DWARF 5 directory and file tables: entry formats, then entries. Only paths and directory indexes are kept. */
function readEntries(r: DwarfReader, s: DwarfSections, ctx: { version: number; offsetSize: number; addressSize: number }): { path?: string; dir: number }[] {
  const nFormats = r.u8();
  const formats: [number, number][] = [];
  for (let i = 0; i < nFormats; i++) formats.push([r.uleb(), r.uleb()]);
  const count = r.uleb();
  if (count > MAX_ENTRIES) throw new DwarfRangeError('implausible number of line table entries');
  const out: { path?: string; dir: number }[] = [];
  for (let i = 0; i < count; i++) {
    const e: { path?: string; dir: number } = { dir: 0 };
    for (const [type, form] of formats) {
      const v = readForm(r, form, ctx);
      if (type === DW_LNCT.path) {
        if (typeof v === 'string') e.path = v;
        else if (form === DW_FORM.line_strp) e.path = strAt(s.get('.debug_line_str'), v);
        else if (form === DW_FORM.strp) e.path = strAt(s.get('.debug_str'), v);
      } else if (type === DW_LNCT.directory_index && typeof v === 'number') e.dir = v;
    }
    out.push(e);
  }
  return out;
}

function readHeader(r: DwarfReader, s: DwarfSections, version: number, offsetSize: number, compDir: string | undefined, cuName: string | undefined): Header {
  let addressSize = 8;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment selector size
  }
  const headerLength = r.offset(offsetSize);
  const programStart = r.pos + headerLength;
  const minInst = r.u8();
  if (version >= 4) r.u8(); // maximum operations per instruction: VLIW only, taken as 1
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = (r.u8() << 24) >> 24;
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  if (lineRange === 0) throw new DwarfRangeError('line_range is 0');
  const stdLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(r.u8());
  const dirs: (string | undefined)[] = [];
  const fileNames: (string | undefined)[] = [];
  if (version >= 5) {
    const ctx = { version, offsetSize, addressSize };
    for (const d of readEntries(r, s, ctx)) dirs.push(d.path);
    // Directory 0 is the compilation directory; a relative one is relative to DW_AT_comp_dir.
    const dir0 = dirs[0];
    for (let i = 1; i < dirs.length; i++) {
      const d = dirs[i];
      if (d !== undefined && !d.startsWith('/')) dirs[i] = joinPath(dir0 ?? compDir, d);
    }
    if (dir0 !== undefined && !dir0.startsWith('/') && compDir) dirs[0] = joinPath(compDir, dir0);
    for (const f of readEntries(r, s, ctx)) fileNames.push(f.path === undefined ? undefined : joinPath(dirs[f.dir], f.path));
  } else {
    dirs.push(compDir);
    for (;;) {
      const d = r.cstr();
      if (!d) break;
      if (dirs.length > MAX_ENTRIES) throw new DwarfRangeError('too many directories');
      dirs.push(d.startsWith('/') ? d : joinPath(compDir, d));
    }
    fileNames.push(cuName === undefined ? undefined : joinPath(compDir, cuName)); // index 0: the unit itself
    for (;;) {
      const name = r.cstr();
      if (!name) break;
      const dir = r.uleb();
      r.uleb(); // modification time
      r.uleb(); // length
      if (fileNames.length > MAX_ENTRIES) throw new DwarfRangeError('too many files');
      fileNames.push(joinPath(dirs[dir], name));
    }
  }
  if (programStart > r.end || programStart < r.pos) throw new DwarfRangeError('header length out of bounds');
  return { minInst, defaultIsStmt, lineBase, lineRange, opcodeBase, stdLengths, addressSize, fileNames, dirs, programStart };
}

interface LineParseResult {
  table: LineTable;
  /** Why the unit (or its tail) could not be read, when it could not. */
  problem?: string;
}

/**
 * Parses the line program at `offset` of .debug_line. `compDir` and `cuName` come from the compile
 * unit (DWARF 4 and older do not repeat them in the line header).
 */
export function parseLineProgram(s: DwarfSections, offset: number, compDir?: string, cuName?: string): LineParseResult {
  const buf = s.get('.debug_line');
  if (!buf) return { table: LineTable.empty, problem: 'no .debug_line' };
  const addrs: number[] = [];
  const files: number[] = [];
  const lines: number[] = [];
  let fileNames: (string | undefined)[] = [];
  let problem: string | undefined;
  // Sequences may come in any order; each is kept whole ([first row, end)) and sorted at the end.
  const seqs: [number, number][] = [];
  try {
    const u = unitExtent(buf, offset);
    if (u.version < 2 || u.version > 5) throw new DwarfRangeError(`unsupported .debug_line version ${u.version}`);
    const r = new DwarfReader(buf, u.body, u.end);
    const h = readHeader(r, s, u.version, u.offsetSize, compDir, cuName);
    fileNames = h.fileNames;
    r.pos = h.programStart;

    let addr = 0, file = 1, line = 1;
    let seqFirst = addrs.length;
    const reset = (): void => { addr = 0; file = 1; line = 1; seqFirst = addrs.length; };
    const emit = (end: boolean): void => {
      if (addrs.length >= MAX_ROWS) throw new DwarfRangeError('too many line rows');
      addrs.push(addr);
      files.push(end ? NO_FILE : file);
      lines.push(line);
    };
    while (r.pos < r.end) {
      const op = r.u8();
      if (op >= h.opcodeBase) {
        const adj = op - h.opcodeBase;
        addr += Math.floor(adj / h.lineRange) * h.minInst;
        line += h.lineBase + (adj % h.lineRange);
        emit(false);
        continue;
      }
      switch (op) {
        case 0: {
          const len = r.uleb();
          const next = r.pos + len;
          if (len === 0 || next > r.end) throw new DwarfRangeError('bad extended opcode length');
          const sub = r.u8();
          if (sub === DW_LNE.end_sequence) {
            emit(true);
            seqs.push([seqFirst, addrs.length]);
            reset();
          } else if (sub === DW_LNE.set_address) {
            addr = r.address(len - 1);
          } else if (sub === DW_LNE.define_file) {
            const name = r.cstr();
            const dir = r.uleb();
            fileNames.push(joinPath(h.dirs[dir], name));
          }
          r.pos = next;
          break;
        }
        case DW_LNS.copy: emit(false); break;
        case DW_LNS.advance_pc: addr += r.uleb() * h.minInst; break;
        case DW_LNS.advance_line: line += r.sleb(); break;
        case DW_LNS.set_file: file = r.uleb(); break;
        case DW_LNS.const_add_pc: addr += Math.floor((255 - h.opcodeBase) / h.lineRange) * h.minInst; break;
        case DW_LNS.fixed_advance_pc: addr += r.u16(); break;
        case DW_LNS.set_column: r.uleb(); break;
        case DW_LNS.negate_stmt: case DW_LNS.set_basic_block: case DW_LNS.set_prologue_end: case DW_LNS.set_epilogue_begin: break;
        case DW_LNS.set_isa: r.uleb(); break;
        default:
          // An opcode this reader does not know: the header says how many LEB128 operands it has.
          for (let i = 0; i < (h.stdLengths[op - 1] ?? 0); i++) r.uleb();
      }
    }
  } catch (e) {
    if (!(e instanceof DwarfRangeError)) throw e;
    problem = e.message;
  }
  // Rows of an unterminated trailing sequence are dropped: without their end we cannot bound them.
  return { table: buildTable(addrs, files, lines, seqs, fileNames), ...(problem ? { problem } : {}) };
}

function buildTable(addrs: number[], files: number[], lines: number[], all: [number, number][], fileNames: (string | undefined)[]): LineTable {
  // Order the sequences by their first address; within a sequence rows are already ascending
  // (a row going backwards is damage, and is dropped). Sequences that start at 0 are functions the
  // linker discarded (gc-sections, COMDAT) and describe no code of the file.
  const seqs = all.filter(([a]) => addrs[a]! !== 0);
  seqs.sort((a, b) => addrs[a[0]]! - addrs[b[0]]!);
  const n = seqs.reduce((acc, [a, b]) => acc + b - a, 0);
  const A = new Float64Array(n);
  const F = new Uint32Array(n);
  const L = new Uint32Array(n);
  let k = 0;
  for (const [a, b] of seqs) {
    for (let i = a; i < b; i++) {
      // Several rows at one address: the last one is in force (it replaces the previous row).
      if (k > 0 && A[k - 1] === addrs[i] && F[k - 1] !== NO_FILE) k--;
      else if (k > 0 && addrs[i]! < A[k - 1]!) continue; // going backwards: damage, or overlapping sequences
      A[k] = addrs[i]!;
      F[k] = files[i]! >>> 0;
      L[k] = Math.max(0, Math.min(lines[i]!, 0xffffffff));
      k++;
    }
  }
  return new LineTable(A.subarray(0, k), F.subarray(0, k), L.subarray(0, k), fileNames);
}
