import assert from 'node:assert/strict';
import test from 'node:test';
import { ElfFile } from '../elf/elf.js';
import { unwindTableOf } from '../elf/file-unwind-table.js';
import { SymbolTable } from '../elf/symbols.js';
import { CfaKind, RaKind, RbpKind, UnwindTable, type UnwindRow } from '../elf/unwind-table.js';
import { loadBias, unwind, type ModuleLookup, type UnwindModule } from './native.js';

const BIAS = 0x7f12_3400_0000n;
const RSP = 0x7ffd_0000_1000n;

/** One module at BIAS covering 16 MiB. */
function single(table: UnwindTable): ModuleLookup {
  const mod: UnwindModule = { table, bias: BIAS };
  return { lookup: (pc) => (pc >= BIAS && pc < BIAS + (1n << 24n) ? mod : undefined) };
}

function stack(...words: bigint[]): { start: bigint; bytes: Buffer } {
  const bytes = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => bytes.writeBigUInt64LE(w, i * 8));
  return { start: RSP, bytes };
}

const row = (pc: number, cfaKind: number, cfaReg: number, cfaOffset: number, raKind: number = RaKind.atCfa): UnwindRow =>
  ({ pc, cfaKind, cfaReg, cfaOffset, rbpKind: RbpKind.same, rbpOffset: 0, raKind, raOffset: -8 });

test('a leaf at its first instruction: CFA = rsp + 8, return address at [rsp] (libc malloc)', () => {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const table = unwindTableOf(libc);
  const malloc = [...SymbolTable.fromElf(ElfFile.open(libc)).entries()].find((s) => s.name === 'malloc')!;
  const r0 = table.find(malloc.start)!;
  assert.deepEqual([r0.cfaKind, r0.cfaReg, r0.cfaOffset, r0.raKind, r0.raOffset], [CfaKind.reg, 7, 8, RaKind.atCfa, -8]);
  const ra = BIAS + BigInt(malloc.start) + 0x400n; // any address: the window ends right after it
  const r = unwind({ rip: BIAS + BigInt(malloc.start), rsp: RSP, rbp: 0n }, stack(ra), single(table));
  assert.deepEqual(r.pcs, [BIAS + BigInt(malloc.start), ra]);
  assert.equal(r.end, 'stack-truncated');
  assert.deepEqual(r.exact, [0]);
});

test('a pc inside a .plt stub uses the PLT rule: CFA grows by 8 after the push (nginx)', () => {
  const nginx = '/usr/sbin/nginx';
  const plt = ElfFile.open(nginx).section('.plt')!;
  const table = unwindTableOf(nginx);
  const entry = plt.addr + 16 * 3;
  assert.equal(table.find(plt.addr)?.cfaOffset, 16, 'PLT0 after pushing the link map');
  assert.equal(table.find(plt.addr + 6)?.cfaOffset, 24, 'PLT0 after the second push');
  const rule = table.find(entry)!;
  assert.deepEqual([rule.cfaKind, rule.cfaReg, rule.cfaOffset], [CfaKind.plt, 11, 8]);
  const ra = BIAS + 0x100000n;
  const ok = (rip: number, words: bigint[]) => unwind({ rip: BIAS + BigInt(rip), rsp: RSP, rbp: 0n }, stack(...words), single(table), 2);
  // Before "push $index" (offsets 0..10) the return address is at [rsp]; after it, at [rsp + 8].
  assert.deepEqual(ok(entry, [ra]).pcs, [BIAS + BigInt(entry), ra]);
  assert.deepEqual(ok(entry + 10, [ra]).pcs, [BIAS + BigInt(entry + 10), ra]);
  assert.deepEqual(ok(entry + 11, [7n, ra]).pcs, [BIAS + BigInt(entry + 11), ra]);
  assert.deepEqual(ok(entry + 15, [7n, ra]).pcs, [BIAS + BigInt(entry + 15), ra]);
});

test('frame-pointer fallback follows a sane rbp chain where there is no CFI, and only then', () => {
  const empty = new UnwindTable([]);
  const ra1 = BIAS + 0x1000n;
  const ra2 = BIAS + 0x2000n;
  // [rsp]: junk; rbp = rsp + 16 -> {saved rbp = rsp + 32, ra1}; rsp + 32 -> {0, 0}... via ra2.
  const words = [1n, 2n, RSP + 32n, ra1, RSP + 64n, ra2, 0n, 0n, 0n, 0n];
  const r = unwind({ rip: BIAS + 0x10n, rsp: RSP, rbp: RSP + 16n }, stack(...words), single(empty));
  assert.deepEqual(r.pcs, [BIAS + 0x10n, ra1, ra2]);
  assert.equal(r.end, 'root');
  const below = unwind({ rip: BIAS + 0x10n, rsp: RSP, rbp: RSP - 16n }, stack(...words), single(empty));
  assert.deepEqual([below.pcs.length, below.end], [1, 'no-cfi']);
  const loop = unwind({ rip: BIAS + 0x10n, rsp: RSP, rbp: RSP + 16n }, stack(1n, 2n, RSP + 16n, ra1), single(empty));
  assert.deepEqual([loop.pcs.length, loop.end], [1, 'no-cfi'], 'a saved rbp that does not go up the stack');
  const nowhere = unwind({ rip: 0x1234n, rsp: RSP, rbp: 0n }, stack(0n), single(empty));
  assert.equal(nowhere.end, 'no-module');
});

test('bad CFA, unsupported rules, other-register CFAs and the undefined return address', () => {
  const t = new UnwindTable([
    row(0x100, CfaKind.reg, 7, 0),
    row(0x200, CfaKind.unsupported, 0, 0),
    row(0x300, CfaKind.reg, 10, 8), // CFA from r10: known in the leaf only
    row(0x400, CfaKind.reg, 7, 8, RaKind.undefined),
    row(0x500, CfaKind.none, 0, 0),
  ]);
  const go = (rip: number, words: bigint[], extra = {}) => unwind({ rip: BIAS + BigInt(rip), rsp: RSP, rbp: 0n, ...extra }, stack(...words), single(t));
  assert.equal(go(0x100, [0n]).end, 'bad-cfa');
  assert.equal(go(0x200, [0n]).end, 'unsupported-rule');
  assert.equal(go(0x300, [0n]).end, 'unsupported-rule', 'r10 unknown');
  const viaR10 = go(0x300, [0n, BIAS + 0x401n], { r10: RSP + 8n });
  assert.deepEqual([viaR10.pcs, viaR10.end], [[BIAS + 0x300n, BIAS + 0x401n], 'root']);
  assert.equal(go(0x400, []).end, 'root');
  assert.equal(new UnwindTable([]).find(0), undefined);
});

test('load bias from a mapping: PIE text and a foreign offset', () => {
  const elf = ElfFile.open('/usr/sbin/nginx');
  const text = elf.loads.find((l) => l.flags & 1)!;
  const pageOff = BigInt(text.offset - (text.offset % 4096));
  const start = BIAS + BigInt(text.vaddr - (text.vaddr % 4096));
  assert.equal(loadBias(elf, { start, offset: pageOff }), BIAS);
  assert.equal(loadBias(elf, { start: BIAS, offset: 0n }), BIAS);
  assert.equal(loadBias(elf, { start, offset: 1n << 40n }), undefined);
});

test('in an epilogue, an rbp save slot below rsp has been popped: rbp is the register (python3)', () => {
  // As python3.11 at `pop %r13` after `pop %rbp`: CFA = rsp + 16, the rule still says rbp at CFA - 24.
  const t = new UnwindTable([
    { ...row(0x400, CfaKind.reg, 7, 8, RaKind.undefined) },
    { ...row(0x600, CfaKind.reg, 7, 16), rbpKind: RbpKind.atCfa, rbpOffset: -24 },
    row(0x700, CfaKind.reg, 6, 16), // the caller keeps its frame in rbp
  ]);
  const ra1 = BIAS + 0x701n;
  const ra2 = BIAS + 0x401n;
  const rbp = RSP + 32n;
  const r = unwind({ rip: BIAS + 0x600n, rsp: RSP, rbp }, stack(0n, ra1, 0n, 0n, 0n, ra2), single(t));
  assert.deepEqual([r.pcs, r.end], [[BIAS + 0x600n, ra1, ra2], 'root']);
  // A slot at or above rsp is still read: there the value on the stack is the caller's.
  const saved = new UnwindTable([{ pc: 0x400, ...t.find(0x400)! }, { ...row(0x600, CfaKind.reg, 7, 24), rbpKind: RbpKind.atCfa, rbpOffset: -24 }, { pc: 0x700, ...t.find(0x700)! }]);
  const s = unwind({ rip: BIAS + 0x600n, rsp: RSP, rbp: 1n }, stack(rbp, 0n, ra1, 0n, 0n, ra2), single(saved));
  assert.deepEqual([s.pcs, s.end], [[BIAS + 0x600n, ra1, ra2], 'root']);
});
