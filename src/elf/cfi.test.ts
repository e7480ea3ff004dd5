import assert from 'node:assert/strict';
import test from 'node:test';
import { executeCfi, emptyState, CfiError } from './cfi.js';
import { parseFrames } from './eh-frame.js';
import { CfaKind, RaKind, RbpKind, UnwindTable, type UnwindRow } from './unwind-table.js';

// Hand-built .eh_frame sections. Section vaddr 0x10000; FDE addresses are pcrel sdata4.
const SECTION = 0x10000;

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function entry(body: number[]): number[] {
  return [...u32(body.length), ...body];
}

/** CIE at offset 0: code align 1, data align -8, ra = r16, CFA = rsp+8, ra at CFA-8. */
function cie(aug = 'zR', augData = [0x1b]): number[] {
  return entry([...u32(0), 1, ...Buffer.from(aug + '\0'), 1, 0x78, 16, augData.length, ...augData, 0x0c, 7, 8, 0x90, 1]);
}

/** An FDE for [pc, pc + len) placed at `at` in the section, pointing back to the CIE at 0. */
function fde(at: number, pc: number, len: number, program: number[], augData: number[] = []): number[] {
  const pcField = SECTION + at + 8;
  return entry([...u32(at + 4), ...u32((pc - pcField) >>> 0), ...u32(len), augData.length, ...augData, ...program]);
}

function section(...parts: ((at: number) => number[])[]): Buffer {
  const out: number[] = [];
  for (const p of parts) out.push(...p(out.length));
  return Buffer.from([...out, 0, 0, 0, 0]);
}

function table(data: Buffer): UnwindTable {
  return UnwindTable.fromSections([{ kind: 'eh_frame', data, bases: { section: SECTION } }]);
}

const row = (pc: number, cfaKind: number, cfaReg: number, cfaOffset: number, rbpKind = 0, rbpOffset = 0, raKind = 0, raOffset = -8): UnwindRow =>
  ({ pc, cfaKind, cfaReg, cfaOffset, rbpKind, rbpOffset, raKind, raOffset });
/** The rule a table finds for a pc: a row without its pc. */
const rule = (...args: Parameters<typeof row>): Omit<UnwindRow, 'pc'> => {
  const { pc: _pc, ...r } = row(...args);
  return r;
};

test('a frame-pointer prologue and epilogue with remember/restore_state', () => {
  const program = [
    0x41, 0x0e, 16, 0x86, 2, // +1: push %rbp -> CFA rsp+16, rbp at CFA-16
    0x43, 0x0d, 6, // +4: mov %rsp,%rbp -> CFA rbp+16
    0x0a, // remember
    0x02, 20, 0xc6, 0x0c, 7, 8, // +24: pop %rbp; ret-path: restore rbp, CFA rsp+8
    0x41, 0x0b, // +25: restore_state: back to CFA rbp+16, rbp saved
  ];
  const data = section(() => cie(), (at) => fde(at, 0x2000, 40, program));
  const rows = [...table(data).entries()];
  assert.deepEqual(rows, [
    row(0x2000, CfaKind.reg, 7, 8),
    row(0x2001, CfaKind.reg, 7, 16, RbpKind.atCfa, -16),
    row(0x2004, CfaKind.reg, 6, 16, RbpKind.atCfa, -16),
    row(0x2018, CfaKind.reg, 7, 8),
    row(0x2019, CfaKind.reg, 6, 16, RbpKind.atCfa, -16),
    row(0x2028, CfaKind.none, 0, 0, 0, 0, RaKind.unsupported, 0),
  ]);
  const t = table(data);
  assert.equal(t.find(0x1fff), undefined, 'before the first FDE');
  assert.equal(t.find(0x2005)?.cfaReg, 6);
  assert.equal(t.find(0x2028), undefined, 'past the FDE end: no CFI');
});

test('gaps between FDEs are no-CFI rows, and identical neighbours merge', () => {
  const data = section(() => cie(), (at) => fde(at, 0x3000, 0x10, []), (at) => fde(at, 0x3010, 0x10, []), (at) => fde(at, 0x3100, 0x10, []));
  assert.deepEqual([...table(data).entries()].map((r) => [r.pc, r.cfaKind]), [
    [0x3000, CfaKind.reg], [0x3020, CfaKind.none], [0x3100, CfaKind.reg], [0x3110, CfaKind.none],
  ]);
});

test('expressions: the .plt rule and CFA-in-memory are recognised, others are unsupported', () => {
  const plt = [0x0f, 11, 0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22];
  const deref = [0x0f, 3, 0x76, 0x78, 0x06, 0x10, 6, 2, 0x76, 0];
  // breg7 8 alone is valid DWARF but not a form we compile, nor is a lone DW_OP_dup: unsupported.
  const other = [0x0f, 2, 0x77, 0x08, 0x41, 0x0f, 1, 0x96];
  const data = section(() => cie(), (at) => fde(at, 0x4000, 16, plt), (at) => fde(at, 0x4010, 16, deref), (at) => fde(at, 0x4020, 16, other));
  const t = table(data);
  assert.deepEqual(t.find(0x4005), rule(0x4000, CfaKind.plt, 11, 8));
  assert.deepEqual(t.find(0x4015), rule(0x4010, CfaKind.deref, 6, -8, RbpKind.unknown, 0));
  assert.equal(t.find(0x4020)?.cfaKind, CfaKind.unsupported);
  assert.equal(t.find(0x4021)?.cfaKind, CfaKind.unsupported);
});

test('undefined return address marks the outermost frame; S marks signal frames', () => {
  const data = section(() => cie('zRS'), (at) => fde(at, 0x5000, 8, [0x07, 16]));
  assert.equal(table(data).find(0x5000)?.cfaKind, CfaKind.signal);
  const start = section(() => cie(), (at) => fde(at, 0x5000, 8, [0x07, 16]));
  assert.equal(table(start).find(0x5000)?.raKind, RaKind.undefined);
});

test('zPLR augmentation: personality and LSDA pointers are skipped correctly', () => {
  const data = section(
    () => cie('zPLR', [0x9b, ...u32(0x1234), 0x1b, 0x1b]),
    (at) => fde(at, 0x6000, 32, [0x41, 0x0e, 16], u32(0x55)),
  );
  const { fdes, errors } = parseFrames({ kind: 'eh_frame', data, bases: { section: SECTION } });
  assert.equal(errors, 0);
  assert.deepEqual([fdes[0]!.pcBegin, fdes[0]!.pcEnd, fdes[0]!.cie.augmentation], [0x6000, 0x6020, 'zPLR']);
  assert.equal(table(data).find(0x6001)?.cfaOffset, 16);
});

test('.debug_frame: CIE id 0xffffffff, absolute CIE offsets and 8-byte addresses', () => {
  const cieBytes = entry([...u32(0xffffffff), 3, 0, 1, 0x78, 16, 0x0c, 7, 8, 0x90, 1]);
  const u64 = (v: number) => [...u32(v), 0, 0, 0, 0];
  const fdeBytes = entry([...u32(0), ...u64(0x7000), ...u64(0x20), 0x44, 0x0e, 32]);
  const data = Buffer.from([...cieBytes, ...fdeBytes]);
  const t = UnwindTable.fromSections([{ kind: 'debug_frame', data, bases: { section: 0 } }]);
  assert.deepEqual([t.find(0x7000)?.cfaOffset, t.find(0x7004)?.cfaOffset, t.find(0x7020)], [8, 32, undefined]);
});

test('damaged entries are skipped and counted; the rest of the table survives', () => {
  const good = (at: number) => fde(at, 0x8000, 16, [0x41, 0x0e, 16]);
  const badOpcode = (at: number) => fde(at, 0x8100, 16, [0x3f]);
  const badCie = (at: number) => entry([...u32(at + 4 - 2), ...u32(0), ...u32(16), 0]);
  const t = table(section(() => cie(), good, badOpcode, badCie));
  assert.equal(t.find(0x8001)?.cfaOffset, 16);
  assert.equal(t.find(0x8101), undefined);
  assert.equal(t.stats.badEntries, 2);
  // Random bytes never throw.
  for (let seed = 1; seed < 200; seed++) {
    const junk = Buffer.from(Array.from({ length: 64 }, (_, i) => (seed * 7919 + i * 104729) & 0xff));
    assert.doesNotThrow(() => table(Buffer.concat([Buffer.from(cie()), junk])));
  }
});

test('the interpreter refuses malformed programs', () => {
  const p = { codeAlign: 1, dataAlign: -8, raReg: 16, fdeEncoding: 0 };
  assert.throws(() => executeCfi(Buffer.from([0x0b]), p, emptyState(), 0, 10), CfiError, 'restore_state on an empty stack');
  assert.throws(() => executeCfi(Buffer.from([0x0c, 7]), p, emptyState(), 0, 10), /past end/);
  assert.throws(() => executeCfi(Buffer.alloc(65, 0x0a), p, emptyState(), 0, 10), /too deep/);
  const { rows } = executeCfi(Buffer.from([0x2e, 8, 0x08, 6, 0x41, 0x09, 6, 3, 0x14, 3, 2]), p, emptyState(), 0, 10);
  assert.deepEqual(rows.map((r) => [r.pc, r.regs.get(6)?.kind, r.regs.get(3)?.kind]), [[0, 'same', undefined], [1, 'register', 'val-offset']]);
});
