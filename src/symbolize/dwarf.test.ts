// DWARF lines and inlined frames against binutils addr2line, on a program built like production
// code (-O2, always_inline helpers two deep) as DWARF 5 and DWARF 4, stripped with a separate
// debug file, and on libc through its installed debug file.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addr2line, chainText, instructionAddresses, markerLine } from '../../test/dwarf/addr2line.js';
import { DwarfSections } from '../elf/dwarf-forms.js';
import { readAranges } from '../elf/dwarf-ranges.js';
import { ElfFile } from '../elf/elf.js';
import { findDebugFile } from './debug-file.js';
import { DwarfSymbolizer, dwarfFor, makeDwarfSymbolizer, sourceFrames } from './dwarf.js';

const fixture = fileURLToPath(new URL('../../../test/fixtures/native/inlines.c', import.meta.url));
const source = readFileSync(fixture, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'fluoro-dwarf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(() => {
  run('cc', '-O2', '-g', '-fomit-frame-pointer', '-Wl,--build-id', '-o', join(dir, 'prog5'), fixture);
  run('cc', '-O2', '-gdwarf-4', '-fomit-frame-pointer', '-o', join(dir, 'prog4'), fixture);
  // Stripped, with its DWARF only in a separate file found through .gnu_debuglink.
  run('objcopy', '--only-keep-debug', join(dir, 'prog5'), join(dir, 'prog5.debug'));
  run('objcopy', '--strip-all', `--add-gnu-debuglink=${join(dir, 'prog5.debug')}`, join(dir, 'prog5'), join(dir, 'stripped'));
});

interface Agreement {
  compared: number;
  same: number;
  firstDiffs: string[];
}

/**
 * Our frames against addr2line's for every instruction with DWARF lines. Where DWARF names no
 * function (padding after a function's end), addr2line falls back to the nearest symbol, as
 * sourceFrames() does with the symbol table: the outermost name is then taken from addr2line.
 */
function agreement(d: DwarfSymbolizer, path: string, addrs: number[], withFile = true): Agreement {
  const ref = addr2line(path, addrs);
  const out: Agreement = { compared: 0, same: 0, firstDiffs: [] };
  addrs.forEach((a, i) => {
    const r = ref[i] ?? [];
    const ours = d.frames(a) ?? [];
    if (ours.length === 0 && r.every((f) => f.line === 0)) return; // no DWARF here, for either
    out.compared++;
    const named = ours.map((f, k) => (k === ours.length - 1 && f.name === undefined ? { ...f, name: r[k]?.name } : f));
    const want = chainText(r, withFile);
    const got = chainText(named, withFile);
    if (want === got) out.same++;
    else if (out.firstDiffs.length < 5) out.firstDiffs.push(`0x${a.toString(16)}: addr2line ${want} / ours ${got}`);
  });
  return out;
}

for (const [label, name] of [['DWARF 5', 'prog5'], ['DWARF 4', 'prog4']] as const) {
  test(`${label}: inline chains and lines equal addr2line's for ≥ 99% of instructions`, (t) => {
    const path = join(dir, name);
    const d = makeDwarfSymbolizer(ElfFile.open(path));
    assert.ok(d, 'the program has DWARF');
    const a = agreement(d, path, instructionAddresses(path));
    t.diagnostic(`${a.same}/${a.compared} identical; ${JSON.stringify(d.stats)}`);
    assert.ok(a.compared >= 100, `only ${a.compared} addresses with lines`);
    assert.ok(a.same >= 0.99 * a.compared, a.firstDiffs.join('\n'));
  });

  test(`${label}: the spin loop is mix inlined in step inlined in spin, on the fixture's lines`, () => {
    const path = join(dir, name);
    const spin = parseInt(/^([0-9a-f]+) T spin$/m.exec(run('nm', path))![1]!, 16);
    const d = makeDwarfSymbolizer(ElfFile.open(path))!;
    // The first instruction of spin's body that belongs to the innermost mix().
    let chain;
    for (let a = spin; a < spin + 256 && !chain; a++) {
      const f = d.frames(a);
      if (f?.[0]?.name === 'mix') chain = f;
    }
    assert.ok(chain, 'an address in spin is in mix');
    assert.deepEqual(chain.map((f) => f.name), ['mix', 'step', 'spin']);
    assert.ok(chain.every((f) => f.file === fixture), JSON.stringify(chain));
    assert.ok(chain[0]!.line >= markerLine(source, 'static inline __attribute__((always_inline)) unsigned long mix'));
    assert.ok(chain[0]!.line <= markerLine(source, 'return x ^ (x >> 29)'));
    assert.ok([markerLine(source, 'STEP_LINE'), markerLine(source, 'STEP_LINE') + 1].includes(chain[1]!.line));
    assert.equal(chain[2]!.line, markerLine(source, 'SPIN_LINE'));
  });
}

test('a stripped binary gets its lines from the debug file named by .gnu_debuglink', () => {
  const path = join(dir, 'stripped');
  const d = dwarfFor(path);
  assert.ok(d);
  assert.equal(d.path, join(dir, 'prog5.debug'));
  const main = parseInt(/^([0-9a-f]+) T main$/m.exec(run('nm', join(dir, 'prog5')))![1]!, 16);
  const f = sourceFrames(path, main, 'main');
  assert.equal(f?.[f.length - 1]?.name, 'main');
  assert.equal(f?.[f.length - 1]?.file, fixture);
  // A file without DWARF anywhere: nothing, and the caller keeps the symbol.
  run('objcopy', '--strip-all', join(dir, 'prog5'), join(dir, 'bare'));
  assert.equal(dwarfFor(join(dir, 'bare')), undefined);
  assert.equal(sourceFrames(join(dir, 'bare'), main, 'main'), undefined);
});

test("libc frames get lines from libc's installed debug file", (t) => {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const elf = ElfFile.open(libc);
  const debug = findDebugFile(elf);
  if (!debug) {
    // Not an error: without libc6-dbg, libc frames keep their symbol names (setup.sh installs it).
    t.diagnostic('no debug file for libc is installed; nothing to compare');
    return;
  }
  const d = makeDwarfSymbolizer(elf)!;
  assert.ok(d, 'the debug file has DWARF');
  const t0 = performance.now();
  const addrs = instructionAddresses(libc, 400);
  // binutils 2.40 names the wrong file for some DWARF 5 units of libc (llvm-symbolizer agrees with
  // us there), so functions and lines are compared, not files.
  const a = agreement(d, debug.path, addrs, false);
  t.diagnostic(`${a.same}/${a.compared} identical in ${(performance.now() - t0).toFixed(0)} ms (with addr2line); ${JSON.stringify(d.stats)}`);
  assert.ok(a.compared >= 300, `only ${a.compared} libc addresses with lines`);
  assert.ok(a.same >= 0.99 * a.compared, a.firstDiffs.join('\n'));
  assert.ok(existsSync(debug.path));
});

/** The sections of `elf`, less the ones named. */
class SectionsWithout extends DwarfSections {
  constructor(elf: ElfFile, private readonly hidden: string[]) {
    super(elf);
  }
  override get(name: string): Buffer | undefined {
    return this.hidden.includes(name) ? undefined : super.get(name);
  }
}

test("libc: the unit index from .debug_aranges answers as the one from the units' own DIEs", (t) => {
  const debug = findDebugFile(ElfFile.open('/lib/x86_64-linux-gnu/libc.so.6'));
  if (!debug) {
    t.diagnostic('no debug file for libc is installed; nothing to compare');
    return;
  }
  const listed = new DwarfSymbolizer(debug, new DwarfSections(debug));
  const fromDies = new DwarfSymbolizer(debug, new SectionsWithout(debug, ['.debug_aranges']));
  const addrs = instructionAddresses('/lib/x86_64-linux-gnu/libc.so.6', 400);
  let t0 = performance.now();
  const a = addrs.map((x) => listed.frames(x));
  const msListed = performance.now() - t0;
  t0 = performance.now();
  const b = addrs.map((x) => fromDies.frames(x));
  const msDies = performance.now() - t0;
  t.diagnostic(`400 lookups: ${msListed.toFixed(0)} ms through .debug_aranges, ${msDies.toFixed(0)} ms through the DIEs`);
  assert.ok(listed.stats.listedUnits > 1000, `units listed in .debug_aranges: ${listed.stats.listedUnits}`);
  assert.equal(fromDies.stats.listedUnits, 0);
  assert.ok(a.filter((f) => f?.length).length >= 300);
  assert.deepEqual(a, b);
});

test('.debug_aranges: tuples after the aligned header, the end marker, and damage refused whole', () => {
  // One set (DWARF 2, 32-bit): unit at 0x40, 8-byte addresses, no segments; the 12-byte header is
  // padded to 16, then [0x1000, +0x20), a discarded [0, +8), [0x2000, +0x10) and the end pair.
  const set = Buffer.alloc(4 + 2 + 4 + 1 + 1 + 4 + 16 * 4);
  let o = 0;
  o = set.writeUInt32LE(set.length - 4, o);
  o = set.writeUInt16LE(2, o);
  o = set.writeUInt32LE(0x40, o);
  o = set.writeUInt8(8, o);
  o = set.writeUInt8(0, o);
  o += 4;
  for (const [lo, len] of [[0x1000n, 0x20n], [0n, 8n], [0x2000n, 0x10n], [0n, 0n]] as const) {
    o = set.writeBigUInt64LE(lo, o);
    o = set.writeBigUInt64LE(len, o);
  }
  const got = readAranges(set);
  assert.deepEqual(got?.triples, [0x1000, 0x1020, 0x40, 0x2000, 0x2010, 0x40]);
  assert.deepEqual([...got!.units], [0x40]);
  assert.equal(readAranges(set.subarray(0, set.length - 1)), undefined, 'a set longer than the section');
  const badVersion = Buffer.from(set);
  badVersion.writeUInt16LE(7, 4);
  assert.equal(readAranges(badVersion), undefined);
  assert.deepEqual(readAranges(Buffer.alloc(0))?.triples, []);
});
