import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { NoSuchProcessError } from '../errors.js';
import { openExecutable, openMappedFile, openTargetPath } from './files.js';
import { readMaps } from './maps.js';
import { startTarget } from './testing.js';

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

test('a binary that exists only in the target mount namespace is read through /proc', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shared = join(dir, 'shared');
  const hidden = join(dir, 'hidden');
  const copy = join(shared, 'sleepy');
  // The copy lives in `shared`; inside a private mount namespace `shared` is bind-mounted over
  // `hidden`, so `hidden/sleepy` exists for the target only.
  mkdirSync(shared);
  copyFileSync('/usr/bin/sleep', copy);
  const inner = join(hidden, 'sleepy');
  const target = await startTarget(t, 'unshare', [
    '--mount',
    'sh',
    '-c',
    `mkdir -p '${hidden}' && mount --bind '${shared}' '${hidden}' && echo ok && exec '${inner}' 60`,
  ]);
  assert.equal(target.ready, 'ok');
  // Wait for the exec to land.
  let maps = readMaps(target.pid);
  for (let i = 0; i < 50 && !maps.some((m) => m.path === inner); i++) {
    await new Promise((r) => setTimeout(r, 20));
    maps = readMaps(target.pid);
  }
  const mapping = maps.find((m) => m.path === inner && m.offset === 0n);
  assert.ok(mapping, 'the target maps its binary under the hidden path');
  assert.equal(existsSync(inner), false, 'the path does not exist outside the namespace');

  const viaMap = openMappedFile(target.pid, mapping);
  assert.equal(viaMap.via, 'map_files');
  assert.ok(readFileSync(viaMap.path).subarray(0, 4).equals(ELF));
  assert.equal(viaMap.identity.ino, mapping.inode);
  assert.equal(viaMap.identity.size, readFileSync('/usr/bin/sleep').length);

  const viaRoot = openTargetPath(target.pid, inner, mapping.inode);
  assert.equal(viaRoot.via, 'root');
  assert.equal(viaRoot.matchesMapping, true);
  assert.ok(readFileSync(viaRoot.path).subarray(0, 4).equals(ELF));
  assert.deepEqual(viaRoot.identity, viaMap.identity, 'both routes reach the same file');

  const exe = openExecutable(target.pid);
  assert.equal(exe.identity.ino, mapping.inode);

  assert.throws(() => openTargetPath(target.pid, '/no/such/file'), { code: 'ENOENT' });
  await target.kill();
  assert.throws(() => openMappedFile(target.pid, mapping), NoSuchProcessError);
});

test('a deleted file is still read through map_files; the path route says it is not the mapped file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lib v1.so');
  writeFileSync(file, Buffer.concat([ELF, Buffer.alloc(8188, 1)]));
  const script = `import mmap,sys,time\nf=open(sys.argv[1],'rb')\nm=mmap.mmap(f.fileno(),0,prot=mmap.PROT_READ)\nprint('ready',flush=True)\ntime.sleep(60)`;
  const target = await startTarget(t, '/usr/bin/python3', ['-c', script, file]);
  unlinkSync(file);
  writeFileSync(file, 'a newer file at the same path');
  const mapping = readMaps(target.pid).find((m) => m.path === file)!;
  assert.equal(mapping.deleted, true);
  const f = openMappedFile(target.pid, mapping);
  assert.equal(f.via, 'map_files');
  assert.equal(f.identity.size, 8192);
  assert.ok(readFileSync(f.path).subarray(0, 4).equals(ELF));
  const replaced = openTargetPath(target.pid, mapping.path, mapping.inode);
  assert.equal(replaced.matchesMapping, false);
});
