import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ElfFile } from '../elf/elf.js';
import { crc32 } from './crc32.js';
import { fileCrc32 } from './debug-file.js';
import { NativeSymbolizer, symbolizerFor } from './native.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-sym-'));
let secretAddr = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(() => {
  // A program with a static function: stripped, only its debug file can name it.
  writeFileSync(
    join(dir, 'p.c'),
    '__attribute__((noinline)) static int secret_static(int x) { return x * 3 + 1; }\n' +
      'int main(int argc, char **argv) { (void)argv; return secret_static(argc); }\n',
  );
  run('cc', '-O2', '-g', '-Wl,--build-id', '-o', join(dir, 'p'), join(dir, 'p.c'));
  secretAddr = parseInt(/^([0-9a-f]+) t secret_static/m.exec(run('nm', join(dir, 'p')))![1]!, 16);
  run('objcopy', '--only-keep-debug', join(dir, 'p'), join(dir, 'p.debug'));
});

/** A stripped copy of the program in `sub`, optionally with a .gnu_debuglink to p.debug. */
function stripped(sub: string, link: boolean): string {
  mkdirSync(join(dir, sub), { recursive: true });
  const out = join(dir, sub, 'p');
  const args = ['--strip-all', ...(link ? [`--add-gnu-debuglink=${join(dir, 'p.debug')}`] : []), join(dir, 'p'), out];
  run('objcopy', ...args);
  return out;
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('56789'), crc32(Buffer.from('1234'))), 0xcbf43926, 'continues across chunks');
});

test('a stripped binary is named through .gnu_debuglink next to it, checked by CRC', () => {
  const p = stripped('link', true);
  assert.equal(ElfFile.open(p).section('.symtab'), undefined);
  const link = ElfFile.open(p).debugLink!;
  assert.equal(link.crc, fileCrc32(join(dir, 'p.debug')));
  assert.equal(new NativeSymbolizer(ElfFile.open(p)).name(secretAddr + 1), undefined, 'no debug file yet');
  copyFileSync(join(dir, 'p.debug'), join(dir, 'link', 'p.debug'));
  const s = new NativeSymbolizer(ElfFile.open(p), { debugRoot: join(dir, 'none') });
  assert.equal(s.debugFile, join(dir, 'link', 'p.debug'));
  assert.equal(s.name(secretAddr + 1), 'secret_static');
  assert.equal(s.name(s.lookup(secretAddr)!.start), 'secret_static');
  // In .debug/ as well; and a file with the right name but other bytes is refused.
  mkdirSync(join(dir, 'link', '.debug'));
  copyFileSync(join(dir, 'p.debug'), join(dir, 'link', '.debug', 'p.debug'));
  appendFileSync(join(dir, 'link', 'p.debug'), 'x');
  assert.equal(new NativeSymbolizer(ElfFile.open(p)).debugFile, join(dir, 'link', '.debug', 'p.debug'));
  appendFileSync(join(dir, 'link', '.debug', 'p.debug'), 'x');
  assert.equal(new NativeSymbolizer(ElfFile.open(p)).debugFile, undefined);
});

test('the build-id path is searched first and must carry the same build-id', () => {
  const p = stripped('byid', false);
  const id = ElfFile.open(p).buildId!;
  assert.match(id, /^[0-9a-f]{40}$/);
  const root = join(dir, 'debugroot');
  mkdirSync(join(root, '.build-id', id.slice(0, 2)), { recursive: true });
  copyFileSync(join(dir, 'p.debug'), join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  const s = symbolizerFor(p, { debugRoot: root });
  assert.equal(s.name(secretAddr), 'secret_static');
  assert.equal(s.name(0), undefined);
  // A different program placed under this build-id is not taken for it.
  copyFileSync('/usr/sbin/nginx', join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  assert.equal(symbolizerFor(p, { debugRoot: root }).debugFile, undefined);
});

test('symbolizers are cached per file identity', () => {
  assert.equal(symbolizerFor('/usr/sbin/nginx'), symbolizerFor('/usr/sbin/nginx'));
  assert.throws(() => symbolizerFor(join(dir, 'p.c')), /not an ELF file/);
});
