// Drift check for the in-kernel unwinder: compiles bpf/include/unwind.h with the host compiler and
// compares every constant and offset with kernel-unwind.ts. Plus the table compiler and decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cValues } from '../../../test/support/c-layout.js';
import { CfaKind, RaKind, RbpKind, UnwindTable, type UnwindRow } from '../../elf/unwind-table.js';
import {
  KCfa, KERNEL_UNWIND_ENDS, KRa, KRbp, Layout as L, UNWIND_COUNTER_COUNT, UNWIND_FLAG_KERNEL_MODE, UNWIND_MAX_FILES,
  UNWIND_MAX_FRAMES, UNWIND_MAX_KERNEL_FRAMES, UNWIND_MAX_MAPPINGS, UNWIND_MAX_RULES, UNWIND_MAX_TARGETS,
  UNWIND_PC_EXACT, UNWIND_ROWS_PER_CHUNK, UnwindCounter, UnwindExit, compileTables, decodeKernelUnwoundSample, encodeProc, encodeRule,
  kernelRule,
} from './kernel-unwind.js';
import { EXIT_REASONS } from './exits.js';

const ENDS = ['ROOT', 'NO_MODULE', 'NO_CFI', 'STACK_TRUNCATED', 'BAD_CFA', 'UNSUPPORTED_RULE', 'MAX_DEPTH'];

/** Each reason's macro in unwind.h (UNWIND_COUNTER_<macro>). */
const EXIT_MACROS: Record<keyof typeof UnwindExit, string> = {
  'ring-full': 'DROPPED',
  filtered: 'FILTERED',
  'no-scratch': 'NO_SCRATCH',
  bounds: 'BOUNDS',
  'kernel-stack': 'KERNEL_STACK',
  'stack-read': 'STACK_READ',
  'max-depth': 'MAX_DEPTH',
};

const expected: Array<[string, number]> = [
  ['UNWIND_MAX_FRAMES', UNWIND_MAX_FRAMES],
  ['UNWIND_MAX_KERNEL_FRAMES', UNWIND_MAX_KERNEL_FRAMES],
  ['UNWIND_MAX_TARGETS', UNWIND_MAX_TARGETS],
  ['UNWIND_MAX_MAPPINGS', UNWIND_MAX_MAPPINGS],
  ['UNWIND_ROWS_PER_CHUNK', UNWIND_ROWS_PER_CHUNK],
  ['UNWIND_MAX_FILES', UNWIND_MAX_FILES],
  ['UNWIND_MAX_RULES', UNWIND_MAX_RULES],
  ['(1 << (UNWIND_ROW_SEARCH_STEPS - 1)) >= 1 << 24', 1],
  ['(1 << (UNWIND_MAPPING_SEARCH_STEPS - 1)) >= UNWIND_MAX_MAPPINGS', 1],
  ['UNWIND_CFA_NONE', KCfa.none],
  ['UNWIND_CFA_REG', KCfa.reg],
  ['UNWIND_CFA_PLT', KCfa.plt],
  ['UNWIND_CFA_DEREF', KCfa.deref],
  ['UNWIND_CFA_SIGNAL', KCfa.signal],
  ['UNWIND_CFA_UNSUPPORTED', KCfa.unsupported],
  ['UNWIND_RBP_SAME', KRbp.same],
  ['UNWIND_RBP_AT_CFA', KRbp.atCfa],
  ['UNWIND_RBP_UNKNOWN', KRbp.unknown],
  ['UNWIND_RA_AT_CFA', KRa.atCfa],
  ['UNWIND_RA_UNDEFINED', KRa.undefined],
  ['UNWIND_RA_UNSUPPORTED', KRa.unsupported],
  ...ENDS.map((e): [string, number] => [`UNWIND_END_${e}`, KERNEL_UNWIND_ENDS.indexOf(e.toLowerCase().replace(/_/g, '-') as never)]),
  ['(UNWIND_PC_EXACT >> 32)', Number(UNWIND_PC_EXACT >> 32n)],
  ['UNWIND_FLAG_KERNEL_MODE', UNWIND_FLAG_KERNEL_MODE],
  ['UNWIND_COUNTER_SEEN', UnwindCounter.seen],
  ['UNWIND_COUNTER_RECORDED', UnwindCounter.recorded],
  ...Object.entries(EXIT_MACROS).map(([name, macro]): [string, number] => [`UNWIND_COUNTER_${macro}`, UnwindExit[name as keyof typeof UnwindExit]]),
  ['UNWIND_COUNTER_COUNT', UNWIND_COUNTER_COUNT],
  ['sizeof(struct unwind_row)', L.row.size],
  ['offsetof(struct unwind_row, pc)', L.row.pc],
  ['offsetof(struct unwind_row, rule)', L.row.rule],
  ['sizeof(struct unwind_row_chunk)', L.row.size * UNWIND_ROWS_PER_CHUNK],
  ['sizeof(struct unwind_rule)', L.rule.size],
  ['offsetof(struct unwind_rule, cfa_offset)', L.rule.cfaOffset],
  ['offsetof(struct unwind_rule, rbp_offset)', L.rule.rbpOffset],
  ['offsetof(struct unwind_rule, ra_offset)', L.rule.raOffset],
  ['offsetof(struct unwind_rule, cfa_kind)', L.rule.cfaKind],
  ['offsetof(struct unwind_rule, cfa_reg)', L.rule.cfaReg],
  ['offsetof(struct unwind_rule, rbp_kind)', L.rule.rbpKind],
  ['offsetof(struct unwind_rule, ra_kind)', L.rule.raKind],
  ['sizeof(struct unwind_file)', L.file.size],
  ['offsetof(struct unwind_file, first_row)', L.file.firstRow],
  ['offsetof(struct unwind_file, row_count)', L.file.rowCount],
  ['sizeof(struct unwind_mapping)', L.mapping.size],
  ['offsetof(struct unwind_mapping, start)', L.mapping.start],
  ['offsetof(struct unwind_mapping, end)', L.mapping.end],
  ['offsetof(struct unwind_mapping, bias)', L.mapping.bias],
  ['offsetof(struct unwind_mapping, file_id)', L.mapping.fileId],
  ['sizeof(struct unwind_proc)', L.proc.size],
  ['offsetof(struct unwind_proc, count)', L.proc.count],
  ['offsetof(struct unwind_proc, mappings)', L.proc.mappings],
  ['sizeof(struct unwind_sample)', L.sample.size],
  ['offsetof(struct unwind_sample, time_ns)', L.sample.timeNs],
  ['offsetof(struct unwind_sample, pid)', L.sample.pid],
  ['offsetof(struct unwind_sample, tid)', L.sample.tid],
  ['offsetof(struct unwind_sample, cpu)', L.sample.cpu],
  ['offsetof(struct unwind_sample, flags)', L.sample.flags],
  ['offsetof(struct unwind_sample, comm)', L.sample.comm],
  ['offsetof(struct unwind_sample, kernel_frames)', L.sample.kernelFrames],
  ['offsetof(struct unwind_sample, user_frames)', L.sample.userFrames],
  ['offsetof(struct unwind_sample, end)', L.sample.end],
];

test('kernel-unwind.ts matches bpf/include/unwind.h', () => {
  const actual = cValues('unwind.h', expected.map(([expr]) => expr));
  for (const [expr, value] of expected) assert.equal(value, actual.get(expr), `${expr} in unwind.h vs kernel-unwind.ts`);
});

test('every unwinder counter past seen and recorded is a named reason, each index once', () => {
  const indexes = [UnwindCounter.seen, UnwindCounter.recorded, ...Object.values(UnwindCounter.exits)].sort((x, y) => x - y);
  assert.deepEqual(indexes, Array.from({ length: UNWIND_COUNTER_COUNT }, (_, i) => i));
  for (const name of Object.keys(UnwindExit)) assert.ok(Object.hasOwn(EXIT_REASONS, name), `${name} has words in exits.ts`);
});

const row = (pc: number, over: Partial<UnwindRow> = {}): UnwindRow => ({
  pc, cfaKind: CfaKind.reg, cfaReg: 7, cfaOffset: 8, rbpKind: RbpKind.same, rbpOffset: 0, raKind: RaKind.atCfa, raOffset: -8, ...over,
});

test('kernelRule keeps what the walker evaluates and marks the rest unsupported', () => {
  assert.deepEqual(kernelRule(row(0)), { cfaKind: KCfa.reg, cfaReg: 7, cfaOffset: 8, rbpKind: KRbp.same, rbpOffset: 0, raKind: KRa.atCfa, raOffset: -8 });
  assert.equal(kernelRule(row(0, { cfaKind: CfaKind.plt, cfaReg: 11 })).cfaKind, KCfa.plt);
  assert.equal(kernelRule(row(0, { cfaKind: CfaKind.deref, cfaReg: 6 })).cfaKind, KCfa.deref);
  assert.equal(kernelRule(row(0, { cfaKind: CfaKind.signal })).cfaKind, KCfa.signal);
  assert.equal(kernelRule(row(0, { cfaKind: CfaKind.unsupported })).cfaKind, KCfa.unsupported);
  assert.equal(kernelRule(row(0, { cfaKind: CfaKind.none })).cfaKind, KCfa.none);
  assert.deepEqual(kernelRule(row(0, { rbpKind: RbpKind.atCfa, rbpOffset: -16 })).rbpOffset, -16);
  // Offsets the rule's 16-bit fields cannot hold: rbp becomes unknown, the RA unsupported.
  assert.equal(kernelRule(row(0, { rbpKind: RbpKind.atCfa, rbpOffset: -70000 })).rbpKind, KRbp.unknown);
  assert.equal(kernelRule(row(0, { raOffset: 40000 })).raKind, KRa.unsupported);
  assert.equal(kernelRule(row(0, { raKind: RaKind.undefined })).raKind, KRa.undefined);
});

test('compileTables shares rules, gives each table its own row range, once', () => {
  const a = new UnwindTable([row(0x1000), row(0x1004, { cfaOffset: 16 }), row(0x1010, { cfaKind: CfaKind.none })]);
  const b = new UnwindTable([row(0x2000, { cfaOffset: 16 }), row(0x2008, { cfaKind: CfaKind.unsupported })]);
  const c = compileTables([a, b, a]);
  assert.equal(c.files.length, 2);
  assert.deepEqual(c.files, [{ firstRow: 0, rowCount: 3 }, { firstRow: 3, rowCount: 2 }]);
  assert.equal(c.fileIds.get(a), 0);
  assert.equal(c.fileIds.get(b), 1);
  assert.equal(c.rules.length, 4); // rsp+8, rsp+16, none, unsupported
  assert.equal(c.rows.length, UNWIND_ROWS_PER_CHUNK * L.row.size);
  assert.equal(c.rows.readUInt32LE(3 * 8), 0x2000);
  assert.equal(c.rows.readUInt32LE(3 * 8 + 4), c.rows.readUInt32LE(1 * 8 + 4), 'rsp+16 shared by both files');
  const r = encodeRule(c.rules[1]!);
  assert.equal(r.readInt32LE(L.rule.cfaOffset), 16);
  assert.equal(r.readInt16LE(L.rule.raOffset), -8);
});

test('encodeProc sorts mappings by start', () => {
  const b = encodeProc([
    { start: 0x7000n, end: 0x8000n, bias: 0x6000n, fileId: 2 },
    { start: 0x1000n, end: 0x2000n, bias: 0n, fileId: 1 },
  ]);
  assert.equal(b.length, L.proc.size);
  assert.equal(b.readUInt32LE(L.proc.count), 2);
  assert.equal(b.readBigUInt64LE(L.proc.mappings + L.mapping.start), 0x1000n);
  assert.equal(b.readUInt32LE(L.proc.mappings + L.mapping.size + L.mapping.fileId), 2);
});

test('decodeKernelUnwoundSample reads frames, exactness and the end', () => {
  const b = Buffer.alloc(L.sample.size + 3 * 8);
  b.writeUInt32LE(42, L.sample.pid);
  b.writeUInt32LE(43, L.sample.tid);
  b.writeUInt32LE(UNWIND_FLAG_KERNEL_MODE, L.sample.flags);
  b.write('nginx', L.sample.comm);
  b.writeUInt16LE(1, L.sample.kernelFrames);
  b.writeUInt16LE(2, L.sample.userFrames);
  b.writeUInt8(KERNEL_UNWIND_ENDS.indexOf('root'), L.sample.end);
  b.writeBigUInt64LE(0xffffffff81000000n, L.sample.size);
  b.writeBigUInt64LE(0x401000n | UNWIND_PC_EXACT, L.sample.size + 8);
  b.writeBigUInt64LE(0x402000n, L.sample.size + 16);
  const s = decodeKernelUnwoundSample(b);
  assert.ok(s);
  assert.equal(s.pid, 42);
  assert.equal(s.comm, 'nginx');
  assert.equal(s.kernelMode, true);
  assert.deepEqual(s.kernelStack, [0xffffffff81000000n]);
  assert.deepEqual(s.pcs, [0x401000n, 0x402000n]);
  assert.deepEqual(s.exact, [true, false]);
  assert.equal(s.end, 'root');
  assert.equal(decodeKernelUnwoundSample(b.subarray(0, b.length - 1)), undefined);
});
