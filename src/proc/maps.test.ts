import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import koffi from 'koffi';
import { findMapping, isFileBacked, parseMaps, parseMapsLine, readMaps } from './maps.js';
import { startTarget } from './testing.js';

const crafted = [
  '55d0c0a00000-55d0c0a28000 r--p 00000000 fd:01 1835211                    /usr/bin/my tool',
  '55d0c0a28000-55d0c0b00000 r-xp 00028000 fd:01 1835211                    /usr/bin/my tool',
  '55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]',
  '7f1200000000-7f1200010000 r-xp 00001000 08:02 42                         /opt/lib/libx (v2).so (deleted)',
  '7f1200010000-7f1200020000 rw-p 00000000 00:00 0 ',
  '7f1200020000-7f1200030000 rw-p 00000000 00:00 0',
  '7f1200030000-7f1200031000 rw-p 00000000 00:00 0                          [anon:cache (deleted)]',
  '7ffd4c000000-7ffd4c021000 rw-p 00000000 00:00 0                          [stack]',
  '7ffd4c1f0000-7ffd4c1f2000 r-xp 00000000 00:00 0                          [vdso]',
  'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
  'this line is not a mapping',
  '7f12000400',
].join('\n');

test('parses paths with spaces, deleted files, pseudo-names and anonymous memory', () => {
  const maps = parseMaps(crafted);
  assert.equal(maps.length, 10);
  assert.equal(maps[0]!.path, '/usr/bin/my tool');
  assert.equal(maps[1]!.offset, 0x28000n);
  assert.equal(maps[1]!.perms, 'r-xp');
  assert.equal(maps[1]!.inode, 1835211);
  assert.equal(maps[1]!.dev, 'fd:01');
  assert.equal(maps[2]!.path, '[heap]');
  assert.deepEqual([maps[3]!.path, maps[3]!.deleted], ['/opt/lib/libx (v2).so', true]);
  assert.deepEqual([maps[4]!.path, maps[4]!.deleted], ['', false]);
  assert.equal(maps[5]!.path, '');
  assert.deepEqual([maps[6]!.path, maps[6]!.deleted], ['[anon:cache (deleted)]', false], 'anonymous names are not files');
  assert.equal(maps[9]!.start, 0xffffffffff600000n, 'vsyscall is beyond 2^53 and stays exact');
  assert.equal(maps[9]!.path, '[vsyscall]');
  assert.deepEqual(maps.map(isFileBacked), [true, true, false, true, false, false, false, false, false, false]);
  assert.equal(parseMapsLine('garbage'), undefined);
});

test('findMapping: start inclusive, end exclusive, gaps and both ends miss', () => {
  const maps = parseMaps(crafted);
  assert.equal(findMapping(maps, 0x55d0c0a28000n)?.perms, 'r-xp');
  assert.equal(findMapping(maps, 0x55d0c0a27fffn)?.perms, 'r--p');
  assert.equal(findMapping(maps, 0x55d0c0b00000n), undefined, 'gap after the text');
  assert.equal(findMapping(maps, 0n), undefined);
  assert.equal(findMapping(maps, 0xffffffffffffffffn), undefined);
  assert.equal(findMapping(maps, 0xffffffffff600800n)?.path, '[vsyscall]');
  assert.equal(findMapping(maps, 0x7ffd4c1f0001n)?.path, '[vdso]');
  for (const m of maps) {
    assert.equal(findMapping(maps, m.start), m);
    assert.equal(findMapping(maps, m.end - 1n), m);
  }
  assert.equal(findMapping([], 1n), undefined);
});

test('our own maps: node binary, stack, vdso, and a heap buffer is found', () => {
  const buf = Buffer.alloc(1 << 20); // allocated before the maps are read, so it is in them
  const maps = readMaps(process.pid);
  assert.ok(maps.length > 20);
  assert.ok(maps.some((m) => m.path === process.execPath && m.perms.includes('x')));
  assert.ok(maps.some((m) => m.path === '[stack]'));
  assert.ok(maps.some((m) => m.path === '[vdso]'));
  const m = findMapping(maps, koffi.address(buf));
  assert.ok(m, 'a live buffer lies in some mapping');
  assert.ok(m.perms.startsWith('rw'));
});

test('a real deleted file with spaces in its name keeps its path and is marked deleted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-maps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'my data (v2).bin');
  writeFileSync(file, Buffer.alloc(8192, 7));
  const script = `import mmap,sys,time\nf=open(sys.argv[1],'rb')\nm=mmap.mmap(f.fileno(),0,prot=mmap.PROT_READ)\nprint('ready',flush=True)\ntime.sleep(60)`;
  const target = await startTarget(t, '/usr/bin/python3', ['-c', script, file]);
  unlinkSync(file);
  const mapped = readMaps(target.pid).filter((m) => m.path === file);
  assert.equal(mapped.length, 1);
  assert.equal(mapped[0]!.deleted, true);
  assert.equal(mapped[0]!.end - mapped[0]!.start, 8192n);
});
