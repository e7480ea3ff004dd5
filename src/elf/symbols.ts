// Function symbols of an ELF file, sorted for binary search. .symtab (when the file was not stripped)
// is the richer source; .dynsym is merged in because stripped binaries keep only that.

import { cstring, SHT_DYNSYM, SHT_SYMTAB, type ElfFile } from './elf.js';

const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const STB_LOCAL = 0;
const SYM_SIZE = 24;
/** A symbol table with more entries than this is damage (the largest real ones hold ~10^6). */
const MAX_SYMBOLS = 20_000_000;
/** A size-0 symbol covers up to the next symbol, but not further than this. */
const MAX_UNSIZED_SPAN = 1 << 20;
const SNAPSHOT_MAGIC = 'FSY1';
const SNAPSHOT_HEADER = 16;

export interface FuncSymbol {
  name: string;
  /** File virtual address of the first instruction. */
  start: number;
  /** Size in bytes; 0 when the symbol table did not say (hand-written assembly, often). */
  size: number;
}

interface Candidate extends FuncSymbol {
  rank: number;
}

/** The bytes of one symbol table and its string table. */
export interface SymbolSection {
  data: Buffer;
  strs: Buffer;
  fromSymtab: boolean;
}

/**
 * The bytes of `elf`'s .symtab and .dynsym with their string tables, read now and parsed later: a
 * file reached through /proc/PID/map_files can no longer be opened once the process exits.
 */
export function readSymbolSections(elf: ElfFile): SymbolSection[] {
  const out: SymbolSection[] = [];
  for (const sec of elf.sections) {
    if (sec.type !== SHT_SYMTAB && sec.type !== SHT_DYNSYM) continue;
    if (sec.entsize !== 0 && sec.entsize !== SYM_SIZE) continue;
    if (Math.floor(sec.size / SYM_SIZE) > MAX_SYMBOLS) continue;
    const strSec = elf.sections[sec.link];
    const data = elf.sectionData(sec);
    const strs = strSec ? elf.sectionData(strSec) : undefined;
    if (data && strs) out.push({ data, strs, fromSymtab: sec.type === SHT_SYMTAB });
  }
  return out;
}

function readTable({ data, strs, fromSymtab }: SymbolSection, out: Candidate[]): void {
  const count = Math.floor(data.length / SYM_SIZE);
  for (let i = 1; i < count; i++) {
    const o = i * SYM_SIZE;
    const info = data[o + 4]!;
    const type = info & 0xf;
    if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
    if (data.readUInt16LE(o + 6) === 0) continue; // undefined: lives in another file
    const value = data.readBigUInt64LE(o + 8);
    const size = data.readBigUInt64LE(o + 16);
    if (value === 0n || value > BigInt(Number.MAX_SAFE_INTEGER) || size > 1n << 32n) continue;
    const nameOff = data.readUInt32LE(o);
    if (nameOff >= strs.length) continue;
    let name = cstring(strs, nameOff);
    if (!name) continue;
    // Versioned names ("memcpy@@GLIBC_2.14") only appear in .symtab of some files; people want "memcpy".
    const at = name.indexOf('@');
    if (at > 0) name = name.slice(0, at);
    const local = info >> 4 === STB_LOCAL;
    // Among symbols at one address prefer sized ones, then global ones, then .symtab's.
    const rank = (size > 0n ? 4 : 0) + (local ? 0 : 2) + (fromSymtab ? 1 : 0);
    out.push({ name, start: Number(value), size: Number(size), rank });
  }
}

export class SymbolTable {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly names: string[];

  constructor(symbols: readonly FuncSymbol[]) {
    const list = symbols
      .map((s, i) => ({ ...s, rank: (s as Candidate).rank ?? 0, i }))
      .sort((a, b) => a.start - b.start || b.rank - a.rank || a.i - b.i);
    const kept = list.filter((s, i) => i === 0 || list[i - 1]!.start !== s.start);
    this.starts = new Float64Array(kept.length);
    this.ends = new Float64Array(kept.length);
    this.names = kept.map((s) => s.name);
    kept.forEach((s, i) => {
      this.starts[i] = s.start;
      const next = i + 1 < kept.length ? kept[i + 1]!.start : Infinity;
      this.ends[i] = s.size > 0 ? s.start + s.size : Math.min(next, s.start + MAX_UNSIZED_SPAN);
    });
  }

  /**
   * Function symbols from .symtab and .dynsym of `elfs`, merged: a binary and its separate debug
   * file share addresses, so their tables combine into one.
   */
  static fromElf(...elfs: ElfFile[]): SymbolTable {
    return SymbolTable.fromSections(elfs.flatMap(readSymbolSections));
  }

  /** Function symbols from symbol table bytes (readSymbolSections()), merged as fromElf() does. */
  static fromSections(sections: readonly SymbolSection[]): SymbolTable {
    const all: Candidate[] = [];
    for (const s of sections) readTable(s, all);
    return new SymbolTable(all);
  }

  get length(): number {
    return this.names.length;
  }

  /** The table as bytes that fromSnapshot() reads back without sorting or merging anything. */
  snapshot(): Buffer {
    const n = this.names.length;
    const blobs = this.names.map((name) => Buffer.from(name, 'utf8'));
    const offsets = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + blobs[i]!.length;
    const head = Buffer.alloc(SNAPSHOT_HEADER);
    head.write(SNAPSHOT_MAGIC, 0, 'latin1');
    head.writeUInt32LE(n, 4);
    head.writeUInt32LE(offsets[n]!, 8);
    return Buffer.concat([head, Buffer.from(this.starts.buffer), Buffer.from(this.ends.buffer), Buffer.from(offsets.buffer), ...blobs]);
  }

  /** A table from snapshot()'s bytes; undefined unless they are whole and consistent. */
  static fromSnapshot(buf: Buffer): SymbolTable | undefined {
    if (buf.length < SNAPSHOT_HEADER || buf.toString('latin1', 0, 4) !== SNAPSHOT_MAGIC) return undefined;
    const n = buf.readUInt32LE(4);
    const blobBytes = buf.readUInt32LE(8);
    const at = { starts: SNAPSHOT_HEADER, ends: SNAPSHOT_HEADER + 8 * n, offsets: SNAPSHOT_HEADER + 16 * n, blob: SNAPSHOT_HEADER + 20 * n + 4 };
    if (n > MAX_SYMBOLS || buf.length !== at.blob + blobBytes) return undefined;
    const t = Object.create(SymbolTable.prototype) as { starts: Float64Array; ends: Float64Array; names: string[] };
    t.starts = new Float64Array(n);
    t.ends = new Float64Array(n);
    t.names = new Array<string>(n);
    let prevOff = buf.readUInt32LE(at.offsets);
    if (prevOff !== 0) return undefined;
    for (let i = 0; i < n; i++) {
      const start = buf.readDoubleLE(at.starts + 8 * i);
      const end = buf.readDoubleLE(at.ends + 8 * i);
      const off = buf.readUInt32LE(at.offsets + 4 * (i + 1));
      if (!(end > start) || (i > 0 && !(start > t.starts[i - 1]!)) || off < prevOff || off > blobBytes) return undefined;
      t.starts[i] = start;
      t.ends[i] = end;
      t.names[i] = buf.toString('utf8', at.blob + prevOff, at.blob + off);
      prevOff = off;
    }
    return t as unknown as SymbolTable;
  }

  /** The function containing file virtual address `vaddr`, or undefined. */
  lookup(vaddr: number): FuncSymbol | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= vaddr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // A sized symbol may enclose smaller ones (a function and its local labels); look back a little.
    for (let i = found, n = 0; i >= 0 && n < 8; i--, n++) {
      if (vaddr < this.ends[i]!) {
        return { name: this.names[i]!, start: this.starts[i]!, size: this.ends[i]! - this.starts[i]! };
      }
    }
    return undefined;
  }

  /** The first function called `name` (a linear scan: for lookups done once per file). */
  byName(name: string): FuncSymbol | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : { name, start: this.starts[i]!, size: this.ends[i]! - this.starts[i]! };
  }

  /** All symbols in address order (for tests and tools). */
  *entries(): IterableIterator<FuncSymbol> {
    for (let i = 0; i < this.names.length; i++) {
      yield { name: this.names[i]!, start: this.starts[i]!, size: this.ends[i]! - this.starts[i]! };
    }
  }
}
