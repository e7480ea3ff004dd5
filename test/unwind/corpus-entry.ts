// One entry of the replay corpus (test/fixtures/replay/*.json): a CPU sample recorded from a real
// process, with all the native unwinder needs to walk it again anywhere — registers, the copied
// stack, the executable mappings the walk went through, and for each module the unwind rows and
// symbols around the pcs it visited — and the frames the unwinder and symbolizer gave at record time.
// The format is versioned; the recorder writes it (test/support/corpus-recorder.ts), the corpus test
// reads it.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnwindTable, type UnwindRow } from '../../src/elf/unwind-table.js';
import { baseName, findMapping, parseMapsLine, type Mapping } from '../../src/proc/maps.js';
import { unwind, type ModuleLookup, type UnwindEnd, type UnwindModule } from '../../src/unwind/native.js';

export const CORPUS_FORMAT = 'fluoro-unwind-replay/1';

/** Sources live next to the test sources, not next to the compiled output. */
export const corpusDir = join(fileURLToPath(new URL('.', import.meta.url)), '../../../test/fixtures/replay');

/** Order of the numbers in a stored row: UnwindRow's fields. */
export const ROW_FIELDS = ['pc', 'cfaKind', 'cfaReg', 'cfaOffset', 'rbpKind', 'rbpOffset', 'raKind', 'raOffset'] as const;

export interface EntryModule {
  /** Start of the mapping (hex) this module is the file of. */
  mapping: string;
  buildId: string;
  /** process address = file vaddr + bias (hex). */
  bias: string;
  /** File vaddr ranges [from, to) the rows below describe completely. */
  ranges: Array<[number, number]>;
  /** Unwind rows in pc order (ROW_FIELDS); a cfaKind 0 row ends each range. */
  rows: number[][];
  /** Functions containing the visited pcs: [start, size, name], file vaddrs. */
  symbols: Array<[number, number, string]>;
}

export interface Expected {
  end: UnwindEnd;
  /** Names of the frames, leaf first: what the unwinder and symbolizer gave at record time. */
  frames: string[];
  /** The pcs of those frames (hex), as found on the stack. */
  pcs: string[];
  /** Indices of exact pcs (the leaf, code a signal interrupted); the others are return addresses. */
  exact: number[];
}

export interface CorpusEntry {
  format: typeof CORPUS_FORMAT;
  name: string;
  /** What was running, and how it was recorded. */
  about: string;
  /** What is known to be wrong with the expected frames, for entries that record a bug. */
  note?: string;
  recorded: { date: string; kernel: string; comm: string; kernelMode: boolean; stackCopied: number };
  /** All the registers the BPF program captured (hex). */
  regs: Record<string, string>;
  /** The stack from regs.rsp upward (base64); for a complete walk, cut after the last byte it needed. */
  stack: string;
  /** Lines of /proc/PID/maps holding the pcs the walk visited. */
  mappings: string[];
  modules: EntryModule[];
  expected: Expected;
}

export const hex = (v: bigint): string => '0x' + v.toString(16);

export function parseEntry(text: string, what: string): CorpusEntry {
  const e = JSON.parse(text) as CorpusEntry;
  if (e.format !== CORPUS_FORMAT) throw new Error(`${what}: format ${JSON.stringify(e.format)}, this reader knows ${CORPUS_FORMAT}`);
  return e;
}

/** Every entry of the corpus, by file name. */
export function readCorpus(dir = corpusDir): Array<{ file: string; entry: CorpusEntry }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, entry: parseEntry(readFileSync(join(dir, file), 'utf8'), file) }));
}

/**
 * JSON with one entry per line, arrays of plain values (rows, pcs, names) on one line each: small
 * diffs when an entry is re-recorded, and a file that reads like the stack it holds.
 */
export function formatEntry(e: CorpusEntry): string {
  const out = (v: unknown, indent: string): string => {
    if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
      const inner = indent + '  ';
      return `[\n${v.map((x) => inner + out(x, inner)).join(',\n')}\n${indent}]`;
    }
    if (v !== null && typeof v === 'object') {
      const inner = indent + '  ';
      const fields = Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${out(x, inner)}`);
      return `{\n${fields.join(',\n')}\n${indent}}`;
    }
    return JSON.stringify(v);
  };
  return out(e, '') + '\n';
}

export function rowFromArray(a: readonly number[]): UnwindRow {
  const r = {} as Record<(typeof ROW_FIELDS)[number], number>;
  ROW_FIELDS.forEach((f, i) => (r[f] = a[i]!));
  return r;
}

interface StoredModule extends UnwindModule {
  mapping: Mapping;
  ranges: Array<[number, number]>;
  /** Sorted by start. */
  symbols: Array<[number, number, string]>;
}

/**
 * The entry's mappings and modules as the unwinder's ModuleLookup, and the names of addresses by
 * the rules the profile uses (src/collectors/cpu/to-profile.ts, without demangling or JIT maps).
 * Pcs it is asked about outside the stored ranges are noted: the entry cannot answer for them.
 */
export class StoredModules implements ModuleLookup {
  readonly maps: Mapping[];
  private readonly modules = new Map<bigint, StoredModule>();
  /** Module-relative pcs looked up that no stored range covers. */
  readonly uncovered: string[] = [];

  constructor(entry: CorpusEntry) {
    this.maps = entry.mappings.map((line) => {
      const m = parseMapsLine(line);
      if (!m) throw new Error(`${entry.name}: not a maps line: ${line}`);
      return m;
    }).sort((a, b) => (a.start < b.start ? -1 : 1));
    for (const m of entry.modules) {
      const mapping = this.maps.find((x) => x.start === BigInt(m.mapping));
      if (!mapping) throw new Error(`${entry.name}: module of an unlisted mapping ${m.mapping}`);
      const table = new UnwindTable(m.rows.map(rowFromArray));
      const symbols = [...m.symbols].sort((a, b) => a[0] - b[0]);
      this.modules.set(mapping.start, { mapping, bias: BigInt(m.bias), table, ranges: m.ranges, symbols });
    }
  }

  module(pc: bigint): StoredModule | undefined {
    const m = findMapping(this.maps, pc);
    const mod = m && m.perms[2] === 'x' ? this.modules.get(m.start) : undefined;
    if (mod) {
      const v = Number(pc - mod.bias);
      if (!mod.ranges.some(([from, to]) => v >= from && v < to)) this.uncovered.push(`${baseName(mod.mapping.path)}+0x${v.toString(16)}`);
    }
    return mod;
  }

  lookup(pc: bigint): UnwindModule | undefined {
    return this.module(pc);
  }

  /** The function containing file vaddr `v`, as SymbolTable.lookup finds it among those stored. */
  private symbol(mod: StoredModule, v: number): string | undefined {
    let i = mod.symbols.length - 1;
    while (i >= 0 && mod.symbols[i]![0] > v) i--;
    for (let n = 0; i >= 0 && n < 8; i--, n++) {
      const [start, size, name] = mod.symbols[i]!;
      if (v < start + size) return name;
    }
    return undefined;
  }

  /** The name of code address `at` (a return address minus one, or an exact pc). */
  name(at: bigint): string {
    const mod = this.module(at);
    if (mod) {
      const v = Number(at - mod.bias);
      return this.symbol(mod, v) ?? `${baseName(mod.mapping.path)}+0x${v.toString(16)}`;
    }
    const m = findMapping(this.maps, at);
    return m !== undefined && m.perms[2] === 'x' && m.inode === 0 ? '[jit]' : '[unknown]';
  }
}

/** Names for a walk's pcs: exact ones at the pc, return addresses at pc - 1. */
export function frameNames(pcs: readonly bigint[], exact: readonly number[], name: (at: bigint) => string): string[] {
  const isExact = new Set(exact);
  return pcs.map((pc, i) => name(isExact.has(i) ? pc : pc - 1n));
}

export function entryRegisters(e: CorpusEntry): { rip: bigint; rsp: bigint; rbp: bigint; [reg: string]: bigint } {
  const regs: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(e.regs)) regs[k] = BigInt(v);
  if (regs.rip === undefined || regs.rsp === undefined || regs.rbp === undefined) throw new Error(`${e.name}: rip, rsp and rbp are required`);
  return regs as { rip: bigint; rsp: bigint; rbp: bigint };
}

export interface Replayed extends Expected {
  /** Pcs the walk asked about that the entry holds no rows for (it then needs re-recording). */
  uncovered: string[];
}

/** Walks the entry's stack with its stored tables and names the frames from its stored symbols. */
export function replayEntry(e: CorpusEntry, stack: Buffer = Buffer.from(e.stack, 'base64')): Replayed {
  const modules = new StoredModules(e);
  const regs = entryRegisters(e);
  const r = unwind(regs, { start: regs.rsp, bytes: stack }, modules);
  const frames = frameNames(r.pcs, r.exact, (at) => modules.name(at));
  return { end: r.end, frames, pcs: r.pcs.map(hex), exact: r.exact, uncovered: [...new Set(modules.uncovered)] };
}
