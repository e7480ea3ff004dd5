import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { NotSupportedError } from '../../errors.js';
import { detectLuaJit } from './detect.js';

const LIB = '/usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2';

test("Debian's libluajit and luajit CLI are recognised, with their interpreters", () => {
  const lib = detectLuaJit(LIB);
  assert.ok(lib);
  assert.equal(lib.buildId, '0a6563c55d870716908fd332f88bf7cdd9bc6a71');
  // The interpreter of this build was located by hand at 0x9e40-0xde92.
  assert.equal(lib.interpStart, 0x9e40);
  assert.equal(lib.interpEnd, 0xde92);
  const cli = detectLuaJit('/usr/bin/luajit');
  assert.ok(cli);
  assert.ok(cli.interpEnd - cli.interpStart > 10_000);
  assert.equal(cli.build, lib.build);
});

test('files without LuaJIT are not LuaJIT', () => {
  assert.equal(detectLuaJit('/usr/bin/python3.11'), undefined);
  assert.equal(detectLuaJit('/usr/sbin/nginx'), undefined, 'nginx loads LuaJIT from a library');
});

test('an unknown LuaJIT build is refused with its build-id named', (t) => {
  // A copy of the library with one byte of its build-id changed: same code, unknown identity.
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-lj-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'libluajit-5.1.so.2');
  copyFileSync(LIB, copy);
  const bytes = readFileSync(copy);
  const at = bytes.indexOf(Buffer.from('0a6563c55d870716908f', 'hex'));
  assert.ok(at > 0);
  bytes[at] = 0x0b;
  writeFileSync(copy, bytes);
  assert.throws(() => detectLuaJit(copy, 'libluajit-5.1.so.2'), (e: unknown) => {
    assert.ok(e instanceof NotSupportedError);
    assert.match(e.message, /libluajit-5\.1\.so\.2 holds a LuaJIT build fluoro does not know yet \(build-id 0b6563c5/);
    return true;
  });
});

test("Debian's upstream LuaJIT is refused by name, never read with another build's layout", () => {
  // setup.sh unpacks it into .cache/: it cannot be installed beside OpenResty's LuaJIT2.
  const upstream = new URL('../../../../.cache/upstream-luajit/usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2', import.meta.url).pathname;
  assert.ok(existsSync(upstream), `${upstream} is missing: ./setup.sh unpacks Debian's libluajit-5.1-2 there`);
  assert.throws(() => detectLuaJit(upstream, 'libluajit-5.1.so.2'), (e: unknown) => {
    assert.ok(e instanceof NotSupportedError);
    assert.match(e.message, /^libluajit-5\.1\.so\.2 holds a LuaJIT build fluoro does not know yet \(build-id [0-9a-f]{40}\)/);
    return true;
  });
});
