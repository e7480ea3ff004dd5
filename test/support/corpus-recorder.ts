// Records replay-corpus entries (test/unwind/corpus-entry.ts) from a live process: the real CPU
// capture runs on it for a moment, each sample is unwound and named as the profiler does it, and a
// few distinct stacks are kept, each with only what its walk used: the mappings, the unwind rows and
// symbols around the pcs it visited, and the stack (up to the last byte a complete walk needed).

import { isDeepStrictEqual } from 'node:util';
import { release } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCpuCapture } from '../../src/collectors/cpu/capture.js';
import type { RawSample } from '../../src/unwind/sample.js';
import { CfaKind, RaKind, RbpKind, type UnwindRow, type UnwindTable } from '../../src/elf/unwind-table.js';
import { baseName, type Mapping } from '../../src/proc/maps.js';
import { unwind, type ModuleLookup, type UnwindResult } from '../../src/unwind/native.js';
import { ProcessModules, type Module } from '../../src/unwind/process-modules.js';
import {
  CORPUS_FORMAT, formatEntry, frameNames, hex, parseEntry, replayEntry, ROW_FIELDS,
  type CorpusEntry, type EntryModule,
} from '../unwind/corpus-entry.js';

export interface RecordOptions {
  pid: number;
  /** Entries are called NAME-1, NAME-2, ... */
  name: string;
  /** What the process is and does, for the reader of the entry. */
  about: string;
  /** What is wrong with the frames the unwinder gives now, when the entry records a bug. */
  note?: string;
  seconds?: number;
  /** Distinct stacks to keep; default 4. */
  samples?: number;
  hz?: number;
  /** Bytes of stack the BPF program copies per sample; default 16 KiB. */
  stackBytes?: number;
  /** Keep the whole copied window even for walks that reached the root (or the frame limit). */
  wholeWindow?: boolean;
  /** Only samples this accepts are kept (e.g. those taken in a system call). */
  accept?(raw: RawSample): boolean;
}

/** With no symbol to bound it, the rows this far either side of a pc are kept. */
const SPAN = 256;
/** A function with more rows than this (an interpreter's eval loop) keeps those around the pc. */
const MAX_ROWS_PER_FUNCTION = 200;
const ROWS_AROUND = 48;

interface Seen {
  raw: RawSample;
  walk: UnwindResult;
  names: string[];
  count: number;
}

/** The name the profile gives code address `at` (src/collectors/cpu/to-profile.ts, less demangling). */
function liveName(modules: ProcessModules, at: bigint): string {
  const mod = modules.module(at);
  if (mod) {
    const v = Number(at - mod.bias);
    return mod.symbolizer?.lookup(v)?.name ?? `${baseName(mod.name)}+0x${v.toString(16)}`;
  }
  const m = modules.mapping(at);
  return m !== undefined && m.perms[2] === 'x' && m.inode === 0 ? '[jit]' : '[unknown]';
}

function mapsLine(m: Mapping): string {
  const path = m.path + (m.deleted ? ' (deleted)' : '');
  return `${m.start.toString(16)}-${m.end.toString(16)} ${m.perms} ${m.offset.toString(16).padStart(8, '0')} ${m.dev} ${m.inode}${path ? ' ' + path : ''}`;
}

const rowsOf = new WeakMap<UnwindTable, UnwindRow[]>();
function allRows(table: UnwindTable): UnwindRow[] {
  let rows = rowsOf.get(table);
  if (!rows) rowsOf.set(table, (rows = [...table.entries()]));
  return rows;
}

/** Index of the row in effect at `pc`: the last with row.pc <= pc, or -1. */
function rowAt(rows: readonly UnwindRow[], pc: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.pc <= pc) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The file vaddrs whose rows are kept for a visit at `v`: its function, or a window around it. */
function rangeAround(mod: Module, v: number): [number, number] {
  const sym = mod.symbolizer?.lookup(v);
  let [from, to] = sym && sym.size > 0 ? [sym.start, sym.start + sym.size] : [Math.max(0, v - SPAN), v + SPAN];
  const rows = allRows(mod.table);
  const first = rowAt(rows, from);
  const last = rowAt(rows, to - 1);
  if (last - first > MAX_ROWS_PER_FUNCTION) {
    const at = rowAt(rows, v);
    from = Math.max(from, rows[Math.max(at - ROWS_AROUND, 0)]!.pc);
    to = Math.min(to, rows[at + ROWS_AROUND + 1]?.pc ?? to);
  }
  return [from, to];
}

function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const prev = out[out.length - 1];
    if (prev && from <= prev[1]) prev[1] = Math.max(prev[1], to);
    else out.push([from, to]);
  }
  return out;
}

const NONE_ROW = (pc: number): number[] => [pc, CfaKind.none, 0, 0, RbpKind.same, 0, RaKind.unsupported, 0];

/** The rows that describe `ranges` exactly, each range ending with a no-CFI row. */
function rowsFor(table: UnwindTable, ranges: Array<[number, number]>): number[][] {
  const rows = allRows(table);
  const out: number[][] = [];
  const asArray = (r: UnwindRow, pc = r.pc) => ROW_FIELDS.map((f) => (f === 'pc' ? pc : r[f]));
  for (const [from, to] of ranges) {
    const i = rowAt(rows, from);
    out.push(i >= 0 ? asArray(rows[i]!, from) : NONE_ROW(from));
    for (let j = i + 1; j < rows.length && rows[j]!.pc < to; j++) out.push(asArray(rows[j]!));
    out.push(NONE_ROW(to));
  }
  return out;
}

/** The shortest prefix of the window (in 8-byte steps) over which the walk is unchanged. */
function neededBytes(raw: RawSample, lookup: ModuleLookup, walk: UnwindResult): number {
  let keep = raw.stack.length;
  for (let len = keep - (keep % 8 || 8); len >= 0; len -= 8) {
    const r = unwind(raw.regs, { start: raw.regs.rsp, bytes: raw.stack.subarray(0, len) }, lookup);
    if (!isDeepStrictEqual(r, walk)) break;
    keep = len;
  }
  return keep;
}

function buildEntry(o: RecordOptions, n: number, seen: Seen, modules: ProcessModules): CorpusEntry {
  const { raw, walk, names } = seen;
  const exact = new Set(walk.exact);
  const mappings = new Map<bigint, Mapping>();
  interface Use { ranges: Array<[number, number]>; symbols: Map<string, [number, number, string]> }
  const used = new Map<Module, Use>();
  walk.pcs.forEach((pc, i) => {
    const at = exact.has(i) ? pc : pc - 1n;
    const m = modules.mapping(at);
    if (m) mappings.set(m.start, m);
    const mod = modules.module(at);
    if (!mod) return;
    const u: Use = used.get(mod) ?? { ranges: [], symbols: new Map() };
    used.set(mod, u);
    const v = Number(at - mod.bias);
    u.ranges.push(rangeAround(mod, v));
    const sym = mod.symbolizer?.lookup(v);
    if (sym) u.symbols.set(`${sym.start}/${sym.size}/${sym.name}`, [sym.start, sym.size, sym.name]);
  });
  const entryModules: EntryModule[] = [...used].map(([mod, u]) => {
    const ranges = mergeRanges(u.ranges);
    return {
      mapping: hex(mod.start),
      buildId: mod.buildId,
      bias: hex(mod.bias),
      ranges,
      rows: rowsFor(mod.table, ranges),
      symbols: [...u.symbols.values()].sort((a, b) => a[0] - b[0]),
    };
  });
  // A walk that stopped early may have stopped wrongly: what a fixed unwinder would read is kept.
  const complete = walk.end === 'root' || walk.end === 'max-depth';
  const keep = o.wholeWindow || !complete ? raw.stack.length : neededBytes(raw, modules, walk);
  const regs: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.regs)) regs[k] = hex(v);
  return {
    format: CORPUS_FORMAT,
    name: `${o.name}-${n}`,
    about: o.about,
    ...(o.note ? { note: o.note } : {}),
    recorded: {
      date: new Date().toISOString().slice(0, 10),
      kernel: release(),
      comm: raw.comm,
      kernelMode: raw.kernelMode,
      stackCopied: raw.stack.length,
    },
    regs,
    stack: raw.stack.subarray(0, keep).toString('base64'),
    mappings: [...mappings.values()].sort((a, b) => (a.start < b.start ? -1 : 1)).map(mapsLine),
    modules: entryModules,
    expected: { end: walk.end, frames: names, pcs: walk.pcs.map(hex), exact: walk.exact },
  };
}

/**
 * What a walk exercises in the unwinder: the kind of rule followed at each frame (CFA from which
 * register or through memory, the .plt rule, a signal frame, rbp restored or not, the root), or
 * the frame-pointer fallback where no rule covered the pc.
 */
function features(walk: UnwindResult, lookup: ModuleLookup): Set<string> {
  const out = new Set<string>([`end ${walk.end}`]);
  const exact = new Set(walk.exact);
  walk.pcs.forEach((pc, i) => {
    const at = exact.has(i) ? pc : pc - 1n;
    const mod = lookup.lookup(at);
    const row = mod?.table.find(Number(at - mod.bias));
    if (row) out.add(`cfa ${row.cfaKind}/${row.cfaReg} rbp ${row.rbpKind} ra ${row.raKind}`);
    else {
      out.add(mod ? 'no cfi' : 'no module');
      if (i < walk.pcs.length - 1) out.add('frame pointer');
    }
  });
  return out;
}

/**
 * Distinct stacks: one for each way of ending, user or kernel mode, then each that exercises the
 * unwinder in a way none chosen so far does, then the commonest.
 */
function choose(seen: Iterable<Seen>, n: number, lookup: ModuleLookup): Seen[] {
  const byCount = [...seen].sort((a, b) => b.count - a.count);
  const chosen: Seen[] = [];
  const kinds = new Set<string>();
  for (const s of byCount) {
    const kind = `${s.walk.end}/${s.raw.kernelMode}`;
    if (!kinds.has(kind)) {
      kinds.add(kind);
      chosen.push(s);
    }
  }
  const covered = new Set(chosen.flatMap((s) => [...features(s.walk, lookup)]));
  for (const s of byCount) {
    if (chosen.includes(s)) continue;
    const f = [...features(s.walk, lookup)];
    if (f.some((x) => !covered.has(x))) {
      f.forEach((x) => covered.add(x));
      chosen.push(s);
    }
  }
  for (const s of byCount) if (!chosen.includes(s)) chosen.push(s);
  return chosen.slice(0, n);
}

export interface Recorded {
  entries: CorpusEntry[];
  /** Samples taken and distinct stacks among them. */
  samples: number;
  distinct: number;
  /** What the walks of all samples exercised, and how many distinct stacks did each. */
  features: Record<string, number>;
}

export async function recordEntries(o: RecordOptions): Promise<Recorded> {
  const modules = new ProcessModules(o.pid);
  modules.preload();
  const seen = new Map<string, Seen>();
  let samples = 0;
  let failure: unknown;
  const capture = startCpuCapture({
    pids: [o.pid],
    hz: o.hz ?? 99,
    kernel: false,
    ...(o.stackBytes !== undefined ? { stackBytes: o.stackBytes } : {}),
    onSample: (raw) => {
      if (o.accept && !o.accept(raw)) return;
      samples++;
      // Unwound and named now, as the profiler does: the process may be gone by the end.
      const walk = unwind(raw.regs, { start: raw.regs.rsp, bytes: raw.stack }, modules);
      const names = frameNames(walk.pcs, walk.exact, (at) => liveName(modules, at));
      const key = `${walk.end}/${raw.kernelMode}/${names.join(';')}`;
      const s = seen.get(key);
      if (s) s.count++;
      else seen.set(key, { raw, walk, names, count: 1 });
    },
    onError: (e) => (failure = e),
  });
  try {
    await sleep((o.seconds ?? 1) * 1000);
  } finally {
    capture.stop();
  }
  if (failure) throw failure;
  const entries = choose(seen.values(), o.samples ?? 4, modules).map((s, i) => buildEntry(o, i + 1, s, modules));
  for (const e of entries) {
    // What is written must replay to what was seen, or the entry is no test at all.
    const back = replayEntry(parseEntry(formatEntry(e), e.name));
    const { uncovered, ...got } = back;
    if (uncovered.length > 0 || !isDeepStrictEqual(got, e.expected)) {
      throw new Error(`${e.name} does not replay as recorded: ${JSON.stringify({ got, expected: e.expected, uncovered })}`);
    }
  }
  const featureCounts: Record<string, number> = {};
  for (const s of seen.values()) for (const f of features(s.walk, modules)) featureCounts[f] = (featureCounts[f] ?? 0) + 1;
  return { entries, samples, distinct: seen.size, features: featureCounts };
}
