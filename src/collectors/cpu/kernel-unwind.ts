// The in-kernel table unwinder's userspace half (bpf/unwind.bpf.c, layouts in
// bpf/include/unwind.h): compiles the same UnwindTables the reference unwinder uses into the
// program's maps (rows, deduplicated rules, per-file row ranges), fills each target's sorted list
// of executable mappings, attaches, and hands back samples that are already unwound: addresses
// only, leaf first. Opt-in (`fluoro cpu --unwinder kernel`); kernel-unwind.test.ts checks
// the constants and layouts below against the header.
import { existsSync } from 'node:fs';

import { BpfObject } from '../../bpf/object.js';
import { bpfObjectPath } from '../../bpf/paths.js';
import { BPF_ANY, u32Key } from '../../bpf/map.js';
import { NoSuchProcessError, UsageError } from '../../errors.js';
import { requireBpf } from '../../proc/privileges.js';
import { CfaKind, RaKind, RbpKind, type UnwindRow, type UnwindTable } from '../../elf/unwind-table.js';
import type { UnwindEnd } from '../../unwind/native.js';
import type { ProcessModules } from '../../unwind/process-modules.js';
import type { CpuCapture } from './capture.js';
import type { ExitIndexes } from './exits.js';
import { requireKernelUnwinder } from './programs.js';
import { startSession } from '../events/session.js';

export const UNWIND_MAX_FRAMES = 256;
export const UNWIND_MAX_KERNEL_FRAMES = 127;
export const UNWIND_MAX_TARGETS = 1024;
export const UNWIND_MAX_MAPPINGS = 256;
export const UNWIND_ROWS_PER_CHUNK = 512;
export const UNWIND_MAX_FILES = 4096;
export const UNWIND_MAX_RULES = 65536;
/** Rows per file must stay below this: the BPF search halves at most UNWIND_ROW_SEARCH_STEPS times. */
const UNWIND_MAX_FILE_ROWS = 1 << 24;
export const UNWIND_PC_EXACT = 1n << 63n;
export const UNWIND_FLAG_KERNEL_MODE = 1;

export const KCfa = { none: 0, reg: 1, plt: 2, deref: 3, signal: 4, unsupported: 5 } as const;
export const KRbp = { same: 0, atCfa: 1, unknown: 2 } as const;
export const KRa = { atCfa: 0, undefined: 1, unsupported: 2 } as const;
/** unwind_sample.end, in UNWIND_END_* order. */
export const KERNEL_UNWIND_ENDS: readonly UnwindEnd[] = [
  'root', 'no-module', 'no-cfi', 'stack-truncated', 'bad-cfa', 'unsupported-rule', 'max-depth',
];
/** Index of each reason counter in the per-CPU `counters` map, by name (see exits.ts). */
export const UnwindExit = {
  'ring-full': 2,
  filtered: 3,
  'no-scratch': 4,
  bounds: 5,
  'kernel-stack': 6,
  'stack-read': 7,
  'max-depth': 8,
} as const satisfies ExitIndexes;
export const UnwindCounter = { seen: 0, recorded: 1, exits: UnwindExit } as const;
export const UNWIND_COUNTER_COUNT = 9;

/** Byte layouts of the structs in unwind.h. */
export const Layout = {
  row: { size: 8, pc: 0, rule: 4 },
  rule: { size: 12, cfaOffset: 0, rbpOffset: 4, raOffset: 6, cfaKind: 8, cfaReg: 9, rbpKind: 10, raKind: 11 },
  file: { size: 8, firstRow: 0, rowCount: 4 },
  mapping: { size: 32, start: 0, end: 8, bias: 16, fileId: 24 },
  proc: { size: 8 + 32 * UNWIND_MAX_MAPPINGS, count: 0, mappings: 8 },
  sample: { size: 48, timeNs: 0, pid: 8, tid: 12, cpu: 16, flags: 20, comm: 24, kernelFrames: 40, userFrames: 42, end: 44 },
} as const;

/** A rule the BPF walker evaluates: everything of an UnwindRow but its pc. */
type KernelRule = Omit<UnwindRow, 'pc'>;

const UNSUPPORTED: KernelRule = { cfaKind: KCfa.unsupported, cfaReg: 0, cfaOffset: 0, rbpKind: KRbp.unknown, rbpOffset: 0, raKind: KRa.unsupported, raOffset: 0 };
const NONE: KernelRule = { cfaKind: KCfa.none, cfaReg: 0, cfaOffset: 0, rbpKind: KRbp.same, rbpOffset: 0, raKind: KRa.unsupported, raOffset: 0 };

const fitsS16 = (n: number) => Number.isInteger(n) && n >= -32768 && n <= 32767;
const fitsS32 = (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;

/**
 * Our table row as the kernel walker's rule. What the walker cannot evaluate becomes an
 * unsupported rule, so the walk stops there with a reason instead of guessing.
 */
export function kernelRule(r: UnwindRow): KernelRule {
  switch (r.cfaKind) {
    case CfaKind.none:
      return NONE;
    case CfaKind.signal:
      return { ...NONE, cfaKind: KCfa.signal, raKind: KRa.atCfa };
    case CfaKind.reg:
    case CfaKind.plt:
    case CfaKind.deref:
      break;
    default:
      return UNSUPPORTED;
  }
  if (!fitsS32(r.cfaOffset) || r.cfaReg < 0 || r.cfaReg > 15) return UNSUPPORTED;
  const cfaKind = r.cfaKind === CfaKind.reg ? KCfa.reg : r.cfaKind === CfaKind.plt ? KCfa.plt : KCfa.deref;
  let rbpKind: number = KRbp.unknown;
  let rbpOffset = 0;
  if (r.rbpKind === RbpKind.same) rbpKind = KRbp.same;
  else if (r.rbpKind === RbpKind.atCfa && fitsS16(r.rbpOffset)) {
    rbpKind = KRbp.atCfa;
    rbpOffset = r.rbpOffset;
  }
  let raKind: number = KRa.unsupported;
  let raOffset = 0;
  if (r.raKind === RaKind.undefined) raKind = KRa.undefined;
  else if (r.raKind === RaKind.atCfa && fitsS16(r.raOffset)) {
    raKind = KRa.atCfa;
    raOffset = r.raOffset;
  }
  return { cfaKind, cfaReg: r.cfaReg, cfaOffset: r.cfaOffset, rbpKind, rbpOffset, raKind, raOffset };
}

interface CompiledTables {
  /** File id of each table. */
  fileIds: Map<UnwindTable, number>;
  rows: Buffer;
  rowCount: number;
  rules: KernelRule[];
  files: Array<{ firstRow: number; rowCount: number }>;
  /** Rows made unsupported because the kernel walker cannot follow them. */
  unsupportedRows: number;
  /** Tables left out (pcs beyond 32 bits, too many rows). */
  skippedTables: number;
}

/** Compiles tables into the rows/rules/files maps' contents. Rows are u32 file vaddrs. */
export function compileTables(tables: Iterable<UnwindTable>): CompiledTables {
  const fileIds = new Map<UnwindTable, number>();
  const ruleIds = new Map<string, number>();
  const rules: KernelRule[] = [];
  const files: Array<{ firstRow: number; rowCount: number }> = [];
  const rowPcs: number[] = [];
  const rowRules: number[] = [];
  let unsupportedRows = 0;
  let skippedTables = 0;
  const ruleId = (k: KernelRule): number => {
    const key = `${k.cfaKind},${k.cfaReg},${k.cfaOffset},${k.rbpKind},${k.rbpOffset},${k.raKind},${k.raOffset}`;
    let id = ruleIds.get(key);
    if (id === undefined) {
      id = rules.length;
      rules.push(k);
      ruleIds.set(key, id);
    }
    return id;
  };
  for (const table of tables) {
    if (fileIds.has(table)) continue;
    if (files.length >= UNWIND_MAX_FILES || table.length >= UNWIND_MAX_FILE_ROWS) {
      skippedTables++;
      continue;
    }
    const entries = [...table.entries()];
    if (entries.some((r) => r.pc < 0 || r.pc > 0xffffffff)) {
      skippedTables++;
      continue;
    }
    const firstRow = rowPcs.length;
    for (const r of entries) {
      const k = kernelRule(r);
      if (k.cfaKind === KCfa.unsupported && r.cfaKind !== CfaKind.unsupported) unsupportedRows++;
      else if (r.cfaKind !== CfaKind.none && (k.raKind === KRa.unsupported) !== (r.raKind === RaKind.unsupported)) unsupportedRows++;
      rowPcs.push(r.pc);
      rowRules.push(ruleId(k));
    }
    fileIds.set(table, files.length);
    files.push({ firstRow, rowCount: rowPcs.length - firstRow });
  }
  if (rules.length > UNWIND_MAX_RULES) throw new UsageError(`the unwind tables need ${rules.length} rules, more than ${UNWIND_MAX_RULES}`);
  const chunks = Math.max(1, Math.ceil(rowPcs.length / UNWIND_ROWS_PER_CHUNK));
  const rows = Buffer.alloc(chunks * UNWIND_ROWS_PER_CHUNK * Layout.row.size);
  for (let i = 0; i < rowPcs.length; i++) {
    rows.writeUInt32LE(rowPcs[i]!, i * Layout.row.size + Layout.row.pc);
    rows.writeUInt32LE(rowRules[i]!, i * Layout.row.size + Layout.row.rule);
  }
  return { fileIds, rows, rowCount: rowPcs.length, rules, files, unsupportedRows, skippedTables };
}

export function encodeRule(k: KernelRule): Buffer {
  const L = Layout.rule;
  const b = Buffer.alloc(L.size);
  b.writeInt32LE(k.cfaOffset, L.cfaOffset);
  b.writeInt16LE(k.rbpOffset, L.rbpOffset);
  b.writeInt16LE(k.raOffset, L.raOffset);
  b.writeUInt8(k.cfaKind, L.cfaKind);
  b.writeUInt8(k.cfaReg, L.cfaReg);
  b.writeUInt8(k.rbpKind, L.rbpKind);
  b.writeUInt8(k.raKind, L.raKind);
  return b;
}

interface KernelMapping {
  start: bigint;
  end: bigint;
  bias: bigint;
  fileId: number;
}

/** struct unwind_proc: the mappings sorted by start (at most UNWIND_MAX_MAPPINGS are kept). */
export function encodeProc(mappings: readonly KernelMapping[]): Buffer {
  const L = Layout.mapping;
  const sorted = [...mappings].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)).slice(0, UNWIND_MAX_MAPPINGS);
  const b = Buffer.alloc(Layout.proc.size);
  b.writeUInt32LE(sorted.length, Layout.proc.count);
  sorted.forEach((m, i) => {
    const at = Layout.proc.mappings + i * L.size;
    b.writeBigUInt64LE(m.start, at + L.start);
    b.writeBigUInt64LE(m.end, at + L.end);
    b.writeBigUInt64LE(BigInt.asUintN(64, m.bias), at + L.bias);
    b.writeUInt32LE(m.fileId, at + L.fileId);
  });
  return b;
}

/** One sample, unwound in the kernel. */
interface KernelUnwoundSample {
  pid: number;
  tid: number;
  cpu: number;
  timeNs: bigint;
  comm: string;
  kernelMode: boolean;
  /** Innermost first. */
  kernelStack: bigint[];
  /** Leaf first. */
  pcs: bigint[];
  /** Per pc: exact (the leaf, or interrupted by a signal) rather than a return address. */
  exact: boolean[];
  end: UnwindEnd;
}

export function decodeKernelUnwoundSample(data: Uint8Array): KernelUnwoundSample | undefined {
  const L = Layout.sample;
  if (data.length < L.size) return undefined;
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const kernelFrames = b.readUInt16LE(L.kernelFrames);
  const userFrames = b.readUInt16LE(L.userFrames);
  const end = KERNEL_UNWIND_ENDS[b.readUInt8(L.end)];
  if (kernelFrames > UNWIND_MAX_KERNEL_FRAMES || userFrames > UNWIND_MAX_FRAMES || !end) return undefined;
  if (data.length !== L.size + (kernelFrames + userFrames) * 8) return undefined;
  const kernelStack: bigint[] = [];
  for (let i = 0; i < kernelFrames; i++) kernelStack.push(b.readBigUInt64LE(L.size + i * 8));
  const pcs: bigint[] = [];
  const exact: boolean[] = [];
  for (let i = 0; i < userFrames; i++) {
    const v = b.readBigUInt64LE(L.size + (kernelFrames + i) * 8);
    pcs.push(v & ~UNWIND_PC_EXACT);
    exact.push((v & UNWIND_PC_EXACT) !== 0n);
  }
  const commRaw = b.subarray(L.comm, L.comm + 16);
  const nul = commRaw.indexOf(0);
  return {
    timeNs: b.readBigUInt64LE(L.timeNs),
    pid: b.readUInt32LE(L.pid),
    tid: b.readUInt32LE(L.tid),
    cpu: b.readUInt32LE(L.cpu),
    kernelMode: (b.readUInt32LE(L.flags) & UNWIND_FLAG_KERNEL_MODE) !== 0,
    comm: commRaw.subarray(0, nul < 0 ? 16 : nul).toString('utf8'),
    kernelStack,
    pcs,
    exact,
    end,
  };
}

interface KernelUnwindOptions {
  pids: number[];
  /** The targets' modules, with their tables built (ProcessModules.preload()). */
  modules: (pid: number) => ProcessModules | undefined;
  hz?: number;
  kernel?: boolean;
  ringBytes?: number;
  drainIntervalMs?: number;
  onSample(s: KernelUnwoundSample): void;
  onError?(error: unknown): void;
}

interface KernelUnwindCapture extends CpuCapture {
  /** What was loaded into the maps. */
  tables: { files: number; rows: number; rules: number; unsupportedRows: number; skippedTables: number; mappings: number };
}

const DEFAULT_RING_BYTES = 4 << 20;

/** The executable mappings of a process that have tables, as kernel mappings. */
function mappingsOf(modules: ProcessModules): Array<{ start: bigint; end: bigint; bias: bigint; table: UnwindTable }> {
  const out: Array<{ start: bigint; end: bigint; bias: bigint; table: UnwindTable }> = [];
  for (const m of modules.mappings) {
    if (m.perms[2] !== 'x') continue;
    const mod = modules.module(m.start);
    if (mod) out.push({ start: m.start, end: m.end, bias: mod.bias, table: mod.table });
  }
  return out;
}

export function startKernelUnwind(options: KernelUnwindOptions): KernelUnwindCapture {
  const pids = options.pids;
  if (pids.length === 0) throw new UsageError('the kernel unwinder needs target PIDs (it does not support --all yet)');
  if (pids.length > UNWIND_MAX_TARGETS) throw new UsageError(`at most ${UNWIND_MAX_TARGETS} target processes`);
  for (const pid of pids) if (!existsSync(`/proc/${pid}`)) throw new NoSuchProcessError(pid);
  requireBpf();
  requireKernelUnwinder();

  const perProcess = new Map<number, ReturnType<typeof mappingsOf>>();
  for (const pid of pids) {
    const modules = options.modules(pid);
    if (modules) perProcess.set(pid, mappingsOf(modules));
  }
  const compiled = compileTables([...perProcess.values()].flatMap((ms) => ms.map((m) => m.table)));
  const rowChunks = compiled.rows.length / (UNWIND_ROWS_PER_CHUNK * Layout.row.size);
  const obj = BpfObject.open(bpfObjectPath('unwind'), {
    maxEntries: {
      rows: rowChunks,
      rules: Math.max(1, compiled.rules.length),
      files: Math.max(1, compiled.files.length),
      samples: options.ringBytes ?? DEFAULT_RING_BYTES,
    },
  });
  let mappingCount = 0;
  const session = startSession({
    obj,
    ringMap: 'samples',
    counters: { map: 'counters', ...UnwindCounter },
    attach: [{ kind: 'perf-cpu-clock', program: 'unwind_cpu', hz: options.hz ?? 99 }],
    drainIntervalMs: options.drainIntervalMs ?? 20,
    setup: (obj) => {
      // Tables first, then the processes that point into them: a sample never sees a half-filled file.
      const rows = obj.map('rows');
      const chunkBytes = UNWIND_ROWS_PER_CHUNK * Layout.row.size;
      for (let c = 0; c < rowChunks; c++) rows.update(u32Key(c), compiled.rows.subarray(c * chunkBytes, (c + 1) * chunkBytes), BPF_ANY);
      const rules = obj.map('rules');
      compiled.rules.forEach((k, i) => rules.update(u32Key(i), encodeRule(k), BPF_ANY));
      const files = obj.map('files');
      compiled.files.forEach((f, i) => {
        const b = Buffer.alloc(Layout.file.size);
        b.writeUInt32LE(f.firstRow, Layout.file.firstRow);
        b.writeUInt32LE(f.rowCount, Layout.file.rowCount);
        files.update(u32Key(i), b, BPF_ANY);
      });
      const procs = obj.map('procs');
      for (const pid of pids) {
        const ms = (perProcess.get(pid) ?? []).flatMap((m) => {
          const fileId = compiled.fileIds.get(m.table);
          return fileId === undefined ? [] : [{ start: m.start, end: m.end, bias: m.bias, fileId }];
        });
        mappingCount += Math.min(ms.length, UNWIND_MAX_MAPPINGS);
        // A target without readable modules is still sampled: its walks end at the leaf (no-module).
        procs.update(u32Key(pid), encodeProc(ms), BPF_ANY);
      }
    },
    decode: decodeKernelUnwoundSample,
    onSample: (s) => options.onSample(s),
    ...(options.onError ? { onError: (e: unknown) => options.onError!(e) } : {}),
  });
  return {
    ...session,
    tables: {
      files: compiled.files.length,
      rows: compiled.rowCount,
      rules: compiled.rules.length,
      unsupportedRows: compiled.unsupportedRows,
      skippedTables: compiled.skippedTables,
      mappings: mappingCount,
    },
  };
}
