// Helpers for replay tests: building the C fixtures, reading the state they capture, and turning a
// copy of /proc/self/maps into a ModuleLookup. The maps parser here is deliberately tiny: it serves
// these tests only.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ElfFile } from '../../src/elf/elf.js';
import { unwindTableOf } from '../../src/elf/file-unwind-table.js';
import { symbolizerFor } from '../../src/symbolize/native.js';
import { loadBias, type ModuleLookup, type UnwindModule } from '../../src/unwind/native.js';

/** Sources live next to the test sources, not next to the compiled output. */
export const fixtureDir = join(fileURLToPath(new URL('.', import.meta.url)), '../../../test/fixtures/native');

export interface Capture {
  rip: bigint;
  rsp: bigint;
  rbp: bigint;
  stack: Buffer;
  maps: string;
}

export function readCapture(path: string): Capture {
  const b = readFileSync(path);
  const len = Number(b.readBigUInt64LE(24));
  const stack = b.subarray(32, 32 + len);
  const mapsLen = Number(b.readBigUInt64LE(32 + len));
  return {
    rip: b.readBigUInt64LE(0),
    rsp: b.readBigUInt64LE(8),
    rbp: b.readBigUInt64LE(16),
    stack,
    maps: b.toString('utf8', 40 + len, 40 + len + mapsLen),
  };
}

export interface MapEntry {
  start: bigint;
  end: bigint;
  perms: string;
  offset: bigint;
  path: string;
}

export function parseMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3]!, offset: BigInt('0x' + m[4]), path: m[5]! });
  }
  return out;
}

export interface Module extends UnwindModule {
  map: MapEntry;
}

/** Executable file mappings as a ModuleLookup, and a symbolizer over the same mappings. */
export class Modules implements ModuleLookup {
  private readonly mods: Module[] = [];

  constructor(maps: readonly MapEntry[]) {
    for (const map of maps) {
      if (!map.perms.includes('x') || !map.path.startsWith('/')) continue;
      const bias = loadBias(ElfFile.open(map.path), map);
      if (bias === undefined) continue;
      this.mods.push({ map, bias, table: unwindTableOf(map.path) });
    }
  }

  lookup(pc: bigint): Module | undefined {
    return this.mods.find((m) => pc >= m.map.start && pc < m.map.end);
  }

  paths(): string[] {
    return [...new Set(this.mods.map((m) => m.map.path))];
  }

  /** Function names for a walk's pcs (leaf exact, callers at pc - 1); '?' when unknown. */
  names(pcs: readonly bigint[], exactAt: ReadonlySet<number> = new Set([0])): string[] {
    return pcs.map((pc, i) => {
      const at = exactAt.has(i) ? pc : pc - 1n;
      const m = this.lookup(at);
      // A return into a signal restorer lands on its first byte, so pc - 1 names nothing: '?'.
      return (m && symbolizerFor(m.map.path).name(Number(at - m.bias))) ?? '?';
    });
  }
}

/** Compiles the fixture programs into `dir` the way production code is built: no frame pointers. */
export function buildFixtures(dir: string): { recurse: string } {
  const cc = (...args: string[]): void => {
    execFileSync('cc', ['-O2', '-fomit-frame-pointer', ...args], { stdio: 'pipe' });
  };
  const src = (f: string): string => join(fixtureDir, f);
  cc('-fPIC', '-shared', '-o', join(dir, 'liba.so'), src('liba.c'));
  cc('-fPIC', '-shared', '-o', join(dir, 'libb.so'), src('libb.c'));
  const recurse = join(dir, 'recurse');
  cc('-rdynamic', '-o', recurse, src('recurse.c'), src('capture.c'), join(dir, 'liba.so'), join(dir, 'libb.so'), `-Wl,-rpath,${dir}`);
  return { recurse };
}
