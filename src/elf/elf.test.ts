import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { IdentityCache } from './cache.js';
import { ElfError } from './elf-error.js';
import { ElfFile } from './elf.js';
import { SymbolTable } from './symbols.js';

const NGINX = '/usr/sbin/nginx';
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const dir = mkdtempSync(join(tmpdir(), 'fluoro-elf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function readelf(...args: string[]): string {
  return execFileSync('readelf', ['-W', ...args], { encoding: 'utf8' });
}

test('headers, segments, build-id and debuglink agree with readelf', () => {
  const elf = ElfFile.open(NGINX);
  assert.equal(elf.type, 'dyn');
  assert.ok(elf.isX86_64);
  assert.equal(elf.buildId, /Build ID: ([0-9a-f]+)/.exec(readelf('-n', NGINX))![1]);
  const loads = [...readelf('-l', NGINX).matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+)/gm)];
  assert.deepEqual(elf.loads.map((l) => [l.offset, l.vaddr]), loads.map((m) => [parseInt(m[1]!, 16), parseInt(m[2]!, 16)]));
  const eh = /\.eh_frame\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/.exec(readelf('-S', NGINX))!;
  assert.deepEqual(elf.section('.eh_frame') && [elf.section('.eh_frame')!.addr, elf.section('.eh_frame')!.size], [parseInt(eh[1]!, 16), parseInt(eh[3]!, 16)]);
  const link = elf.debugLink!;
  assert.match(link.name, /\.debug$/);
  assert.equal(readelf('-x', '.gnu_debuglink', NGINX).includes(link.name.slice(0, 8)), true);
});

test('an executable built without PIE is EXEC', () => {
  const src = join(dir, 'x.c');
  writeFileSync(src, 'int main(void) { return 0; }\n');
  execFileSync('cc', ['-no-pie', '-o', join(dir, 'x'), src]);
  assert.equal(ElfFile.open(join(dir, 'x')).type, 'exec');
});

test('function symbols from .dynsym match nm, sizes included', () => {
  const syms = SymbolTable.fromElf(ElfFile.open(LIBC));
  const nm = execFileSync('nm', ['-D', '-S', '--defined-only', LIBC], { encoding: 'utf8' });
  let checked = 0;
  for (const m of nm.matchAll(/^([0-9a-f]+) ([0-9a-f]+) [TiW] (\w+)@/gm)) {
    const start = parseInt(m[1]!, 16);
    const size = parseInt(m[2]!, 16);
    if (size === 0) continue;
    const hit = syms.lookup(start + size - 1);
    assert.ok(hit, `${m[3]} at its last byte`);
    assert.equal(hit.start, start, m[3]);
    checked++;
  }
  assert.ok(checked > 1000, `checked ${checked}`);
  assert.equal(syms.lookup(0), undefined);
});

test('size-0 symbols reach up to the next symbol; sized ones never beyond their end', () => {
  const t = new SymbolTable([
    { name: 'asm_stub', start: 0x100, size: 0 },
    { name: 'sized', start: 0x200, size: 0x10 },
    { name: 'alias', start: 0x200, size: 0x10 },
    { name: 'last', start: 0x300, size: 0 },
  ]);
  assert.equal(t.lookup(0x1ff)?.name, 'asm_stub');
  assert.equal(t.lookup(0x20f)?.name, 'sized');
  assert.equal(t.lookup(0x210), undefined);
  assert.equal(t.lookup(0x300 + (1 << 20)), undefined, 'an unsized last symbol does not cover everything');
  assert.equal(t.length, 3, 'one name per address');
});

test('truncated, garbage and foreign files give a clear ElfError, never a hang or a crash', () => {
  const libc = readFileSync(LIBC);
  for (const len of [0, 3, 16, 63, 64, 1000, 4096, libc.length - 1000, libc.length - 64]) {
    const p = join(dir, `cut-${len}`);
    writeFileSync(p, libc.subarray(0, len));
    try {
      const elf = ElfFile.open(p);
      assert.ok(len > 64, `a ${len}-byte prefix cannot parse`);
      // Headers may survive a cut; the sections past the cut must then fail clearly.
      assert.throws(() => elf.sectionData('.eh_frame') && elf.sectionData('.dynsym') && elf.sectionData('.gnu_debuglink'), ElfError);
    } catch (e) {
      assert.ok(e instanceof ElfError, `${len}: ${String(e)}`);
      assert.match(e.message, new RegExp(`^${p}: `));
    }
  }
  const garbage = join(dir, 'garbage');
  writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
  assert.throws(() => ElfFile.open(garbage), /not an ELF file/);
  const elf32 = Buffer.from(libc.subarray(0, 4096));
  elf32[4] = 1;
  writeFileSync(join(dir, 'elf32'), elf32);
  assert.throws(() => ElfFile.open(join(dir, 'elf32')), /only ELF64/);
  const big = Buffer.from(libc.subarray(0, 4096));
  big[5] = 2;
  writeFileSync(join(dir, 'be'), big);
  assert.throws(() => ElfFile.open(join(dir, 'be')), /little-endian/);
  // A hostile header claiming a huge section table far beyond the file.
  const hostile = Buffer.from(libc.subarray(0, 4096));
  hostile.writeBigUInt64LE(0x7fff_ffff_ffffn, 40);
  writeFileSync(join(dir, 'hostile'), hostile);
  assert.throws(() => ElfFile.open(join(dir, 'hostile')), ElfError);
  assert.throws(() => ElfFile.open(join(dir, 'missing')), /cannot open: ENOENT/);
  assert.throws(() => ElfFile.open(dir), /not a regular file/);
});

test('an image in memory parses as its file does, and a cut image fails as a cut file does', () => {
  const libc = readFileSync(LIBC);
  const onDisk = ElfFile.open(LIBC);
  const image = ElfFile.fromImage('[libc image]', libc);
  assert.equal(image.onDisk, false);
  assert.equal(onDisk.onDisk, true);
  assert.equal(image.buildId, onDisk.buildId);
  assert.deepEqual(image.loads, onDisk.loads);
  assert.deepEqual(image.sections, onDisk.sections);
  assert.ok(image.sectionData('.eh_frame')!.equals(onDisk.sectionData('.eh_frame')!));
  const symbols = SymbolTable.fromElf(onDisk);
  const malloc = [...symbols.entries()].find((s) => s.name === 'malloc')!;
  assert.equal(SymbolTable.fromElf(image).length, symbols.length);
  assert.equal(SymbolTable.fromElf(image).lookup(malloc.start + 1)?.name, 'malloc');
  // The image is the parser's own copy: changing the caller's buffer changes nothing.
  const bytes = Buffer.from(libc);
  const kept = ElfFile.fromImage('[copy]', bytes);
  bytes.fill(0);
  assert.ok(kept.sectionData('.eh_frame')!.equals(onDisk.sectionData('.eh_frame')!));
  // libc's section headers are its last bytes: a cut image fails to parse, naming the image.
  assert.throws(() => ElfFile.fromImage('[cut]', libc.subarray(0, libc.length - 1000)), { name: ElfError.name, message: /^\[cut\]: section headers: extends past the end/ });
  assert.throws(() => ElfFile.fromImage('[vdso]', Buffer.alloc(4096, 0x5a)), { message: '[vdso]: not an ELF file' });
  assert.throws(() => ElfFile.fromImage('[vdso]', Buffer.alloc(10)), { message: '[vdso]: too short to be an ELF file' });
});

test('the identity cache recomputes when the file changes', () => {
  const p = join(dir, 'cached');
  writeFileSync(p, 'one');
  const cache = new IdentityCache<string>(2);
  let calls = 0;
  const make = (path: string) => (calls++, readFileSync(path, 'utf8'));
  assert.equal(cache.get(p, make), 'one');
  assert.equal(cache.get(p, make), 'one');
  assert.equal(calls, 1);
  writeFileSync(p, 'three');
  assert.equal(cache.get(p, make), 'three');
  assert.equal(calls, 2);
});
