import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readMaps } from '../proc/maps.js';
import { readMemoryUpTo } from '../proc/memory.js';
import { ProcessModules, type Module } from './process-modules.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-modules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const vdsoMapping = () => readMaps(process.pid).find((m) => m.path === '[vdso]')!;

test('the vDSO is read in memory: nothing is written to the temporary directory, a planted symlink is not followed', () => {
  const m = vdsoMapping();
  const image = readMemoryUpTo(process.pid, m.start, Number(m.end - m.start));
  // Where the image used to be written, as root: a fixed name under the temporary directory.
  const tmp = join(dir, 'tmp');
  const cache = join(tmp, 'fluoro-cache');
  mkdirSync(cache, { recursive: true });
  const victim = join(dir, 'victim');
  const planted = `vdso-${createHash('sha1').update(image).digest('hex').slice(0, 16)}.so`;
  symlinkSync(victim, join(cache, planted));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  let mod: Module | undefined;
  try {
    mod = new ProcessModules(process.pid).module(m.start);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  assert.equal(existsSync(victim), false, 'the symlink was not followed');
  assert.deepEqual(readdirSync(cache), [planted], 'nothing was written next to it');
  assert.deepEqual(readdirSync(tmp), ['fluoro-cache']);
  assert.ok(mod, 'the vDSO is a module');
  assert.equal(mod.name, '[vdso]');
  assert.equal(mod.file, undefined, 'no file stands for the vDSO');
});

test('vDSO code is named and has unwind rows, as nm and readelf see the image', () => {
  const m = vdsoMapping();
  const image = readMemoryUpTo(process.pid, m.start, Number(m.end - m.start));
  // A copy for the binutils to read, in this test's own directory.
  const copy = join(dir, 'vdso.so');
  writeFileSync(copy, image);
  const modules = new ProcessModules(process.pid);
  const mod = modules.module(m.start)!;
  assert.equal(mod.buildId, /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', copy], { encoding: 'utf8' }))?.[1] ?? '');
  const nm = execFileSync('nm', ['-D', '-S', '--defined-only', copy], { encoding: 'utf8' });
  let named = 0;
  for (const line of nm.matchAll(/^([0-9a-f]+) ([0-9a-f]+) [Tt] (\w+)/gm)) {
    const vaddr = parseInt(line[1]!, 16);
    const size = parseInt(line[2]!, 16);
    const at = mod.bias + BigInt(vaddr + size - 1);
    assert.ok(at >= m.start && at < m.end, `${line[3]} lies in the mapping`);
    const sym = modules.symbol(at);
    assert.ok(sym, `${line[3]} at its last byte`);
    assert.equal(sym.module, mod);
    // nm lists aliases (clock_gettime, __vdso_clock_gettime): one of them names the address.
    assert.match(sym.name, new RegExp(`${line[3]!.replace(/^__vdso_/, '')}$`));
    assert.ok(mod.table.find(vaddr), `${line[3]} has an unwind row at its start`);
    named++;
  }
  assert.ok(named >= 4, `only ${named} vDSO functions (clock_gettime, gettimeofday, time, getcpu...)`);
});
