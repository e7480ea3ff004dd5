// Name stores: what one run found is what the next run reads, damage reads as nothing, and the
// DWARF and kernel namers answer from them exactly as they would without.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { DwarfSections } from '../elf/dwarf-forms.js';
import { ElfFile } from '../elf/elf.js';
import { SymbolTable } from '../elf/symbols.js';
import { instructionAddresses } from '../../test/dwarf/addr2line.js';
import { findDebugFile } from './debug-file.js';
import { DwarfSymbolizer } from './dwarf.js';
import { KernelSymbols, kernelNames } from './kernel.js';
import { NativeSymbolizer } from './native.js';
import { disableNameStores, enableNameStores, nameStore, saveNameStores, writeStoreFile } from './name-store.js';

const isNumber = (v: unknown): v is number => typeof v === 'number';
const dirs: string[] = [];
function storeDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fluoro-names-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  disableNameStores();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test('a store saved by one run is read by the next; off means none', () => {
  const dir = storeDir();
  enableNameStores(dir);
  const s = nameStore('t', 'abc123', isNumber)!;
  s.set('x', 1);
  s.set('y', 2);
  saveNameStores();
  disableNameStores();
  assert.equal(nameStore('t', 'abc123', isNumber), undefined, 'stores are off until enabled');
  enableNameStores(dir);
  const again = nameStore('t', 'abc123', isNumber)!;
  assert.deepEqual([again.get('x'), again.get('y'), again.size], [1, 2, 2]);
  assert.equal(nameStore('t', '../escape', isNumber), undefined, 'a key cannot name another path');
  assert.equal(nameStore('t', undefined, isNumber), undefined, 'no key (no build-id), no store');
  const before = process.env.FLUORO_CACHE;
  process.env.FLUORO_CACHE = 'off';
  try {
    disableNameStores();
    enableNameStores(dir);
    assert.equal(nameStore('t', 'abc123', isNumber), undefined);
  } finally {
    if (before === undefined) delete process.env.FLUORO_CACHE;
    else process.env.FLUORO_CACHE = before;
  }
});

test('a damaged or foreign store file reads as empty, and is replaced whole', () => {
  const dir = storeDir();
  enableNameStores(dir);
  nameStore('t', 'k', isNumber)!.set('a', 1);
  saveNameStores();
  const path = join(dir, 't', 'k.json');
  for (const bad of ['{"format":1,"entries":{"a":"not a number"}}', '{"format":2,"entries":{"a":1}}', '{"format":1,', '[]', 'null']) {
    writeFileSync(path, bad);
    disableNameStores();
    enableNameStores(dir);
    const s = nameStore('t', 'k', isNumber)!;
    assert.equal(s.size, 0, bad);
    s.set('b', 2);
    saveNameStores();
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { format: 1, entries: { b: 2 } });
  }
  assert.deepEqual(readdirSync(join(dir, 't')), ['k.json'], 'no temporary files left behind');
});

test("libc's DWARF: a second run answers from the store, without parsing a unit, the same frames", (t) => {
  const debug = findDebugFile(ElfFile.open('/lib/x86_64-linux-gnu/libc.so.6'));
  if (!debug) {
    t.diagnostic('no debug file for libc is installed; nothing to compare');
    return;
  }
  const dir = storeDir();
  const addrs = instructionAddresses('/lib/x86_64-linux-gnu/libc.so.6', 100);
  enableNameStores(dir);
  const first = new DwarfSymbolizer(debug, new DwarfSections(debug));
  const a = addrs.map((x) => first.frames(x));
  assert.ok(first.stats.parsedUnits > 0);
  saveNameStores();
  disableNameStores();
  enableNameStores(dir);
  const second = new DwarfSymbolizer(debug, new DwarfSections(debug));
  const b = addrs.map((x) => second.frames(x));
  assert.deepEqual(b, a);
  assert.ok(a.filter((f) => f?.length).length >= 50, 'most addresses have lines');
  assert.equal(second.stats.parsedUnits, 0, 'nothing parsed the second time');
  assert.equal(second.stats.bytes, 0, 'no DWARF section even read');
});

const kallsyms = [
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T startup_64',
  'ffffffff81000100 t early_helper',
  'ffffffff81001000 T do_one',
  'ffffffff81002000 D some_data',
  'ffffffff81003000 T _etext',
  'ffffffffc0400000 t mod_fn\t[e1000]',
].join('\n');

test('the core kernel snapshot reads back as the table it came from; damage reads as nothing', () => {
  const k = KernelSymbols.parse(kallsyms);
  assert.deepEqual(k.textRange(), [0xffffffff81000000n, 0xffffffff81003000n]);
  const snap = k.coreSnapshot()!;
  const back = KernelSymbols.fromSnapshot(snap)!;
  for (const addr of [0xffffffff81000000n, 0xffffffff81000150n, 0xffffffff81001fffn, 0xffffffff81002100n, 0xffffffff81003000n]) {
    assert.deepEqual(back.lookup(addr), k.lookup(addr), addr.toString(16));
  }
  assert.deepEqual(back.textRange(), k.textRange());
  assert.equal(back.lookup(0xffffffffc0400010n), undefined, 'modules are not in the snapshot: past _etext');
  assert.equal(KernelSymbols.fromSnapshot(snap.subarray(0, snap.length - 1)), undefined, 'truncated');
  const swapped = Buffer.from(snap);
  swapped.writeDoubleLE(swapped.readDoubleLE(32 + 8), 32); // first address = second: not increasing
  assert.equal(KernelSymbols.fromSnapshot(swapped), undefined, 'out of order');
  assert.equal(KernelSymbols.fromSnapshot(Buffer.from('not a snapshot at all, not at all!!')), undefined);
});

test('kernel names: the next run names core text from the snapshot without reading kallsyms; modules still do', () => {
  const dir = storeDir();
  enableNameStores(dir);
  let reads = 0;
  const source = () => {
    reads++;
    return KernelSymbols.parse(kallsyms);
  };
  const warn = () => assert.fail('symbols are available');
  const first = kernelNames(warn, source);
  assert.equal(first.name(0xffffffff81001010n), 'do_one');
  assert.equal(reads, 1);
  const second = kernelNames(warn, source);
  assert.equal(second.name(0xffffffff81000120n), 'early_helper');
  assert.equal(second.name(0xffffffff81001010n), 'do_one');
  assert.equal(reads, 1, 'kallsyms not read for core text');
  assert.equal(second.name(0xffffffffc0400010n), 'mod_fn');
  assert.equal(reads, 2, 'a module address reads kallsyms');
});

test("a new boot's kernel snapshot replaces the earlier boots'", () => {
  const dir = storeDir();
  enableNameStores(dir);
  writeStoreFile('kernel', 'an-earlier-boot', 'bin', Buffer.from('old'));
  const names = kernelNames(() => assert.fail('symbols are available'), () => KernelSymbols.parse(kallsyms));
  assert.equal(names.name(0xffffffff81001010n), 'do_one');
  const files = readdirSync(join(dir, 'kernel'));
  assert.equal(files.length, 1);
  assert.notEqual(files[0], 'an-earlier-boot.bin');
});

test("libc's symbols: a second run names the same addresses without reading the symbol table", () => {
  const dir = storeDir();
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const addrs = instructionAddresses(libc, 200);
  enableNameStores(dir);
  const first = new NativeSymbolizer(ElfFile.open(libc));
  const a = addrs.map((x) => first.name(x));
  assert.ok(first.symbolsRead);
  saveNameStores();
  disableNameStores();
  enableNameStores(dir);
  const second = new NativeSymbolizer(ElfFile.open(libc));
  assert.deepEqual(addrs.map((x) => second.name(x)), a);
  assert.ok(a.filter(Boolean).length >= 150, 'most addresses are named');
  assert.equal(second.symbolsRead, false);
});

test("libc's symbol table, kept and read back: every entry the same; damage reads as nothing", () => {
  const libc = ElfFile.open('/lib/x86_64-linux-gnu/libc.so.6');
  const debug = findDebugFile(libc);
  const table = debug ? SymbolTable.fromElf(libc, debug) : SymbolTable.fromElf(libc);
  const snap = table.snapshot();
  const back = SymbolTable.fromSnapshot(snap)!;
  assert.ok(back);
  assert.deepEqual([...back.entries()], [...table.entries()]);
  assert.ok(table.length > 1000);
  assert.equal(SymbolTable.fromSnapshot(snap.subarray(0, snap.length - 1)), undefined, 'truncated');
  const unordered = Buffer.from(snap);
  unordered.writeDoubleLE(unordered.readDoubleLE(16 + 8), 16); // first start = second start
  assert.equal(SymbolTable.fromSnapshot(unordered), undefined, 'out of order');
});

test('a second symbolizer of the same file reads the kept table instead of the file', () => {
  const dir = storeDir();
  enableNameStores(dir);
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const first = new NativeSymbolizer(ElfFile.open(libc));
  const n = first.symbols.length;
  const kept = readdirSync(join(dir, 'symtab'));
  assert.equal(kept.length, 1, 'one table kept');
  disableNameStores();
  enableNameStores(dir);
  const second = new NativeSymbolizer(ElfFile.open(libc));
  assert.equal(second.symbols.length, n);
  assert.deepEqual([...second.symbols.entries()], [...first.symbols.entries()]);
  // Proof that the kept table is what is read: plant another one there.
  writeFileSync(join(dir, 'symtab', kept[0]!), new SymbolTable([{ name: 'planted', start: 0x1000, size: 16 }]).snapshot());
  disableNameStores();
  enableNameStores(dir);
  const third = new NativeSymbolizer(ElfFile.open(libc));
  assert.equal(third.symbols.length, 1);
  assert.equal(third.lookup(0x1008)?.name, 'planted');
});
