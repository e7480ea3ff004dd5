import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { parseMaps, readMaps } from '../proc/maps.js';
import { startTarget } from '../proc/testing.js';
import type { RuntimeMatch } from './detect.js';
import { detectProcessRuntimes, detectRuntimes, runtimeNameOf } from './registry.js';

function mapsOf(...paths: string[]) {
  return parseMaps(
    paths.map((p, i) => `7f00000${i}0000-7f00000${i}1000 r-xp 00000000 08:01 ${100 + i}   ${p}`).join('\n'),
  );
}

const brief = (ms: RuntimeMatch[]) => ms.map((m) => (m.version ? `${m.name}@${m.version}` : m.name));

test('detectors recognise runtimes from library and executable names', () => {
  const cases: [string | undefined, string[], string[]][] = [
    ['/usr/bin/luajit', ['/usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2.1.0'], ['luajit@2.1.0']],
    ['/usr/local/bin/luajit-2.1.0-beta3', [], ['luajit@2.1.0-beta3']],
    ['/usr/sbin/nginx', ['/usr/lib/nginx/modules/ngx_http_lua_module.so'], ['luajit']],
    ['/usr/local/openresty/nginx/sbin/nginx', ['/usr/local/openresty/luajit/lib/libluajit-5.1.so.2.1.ROLLING'], ['luajit@2.1.ROLLING']],
    ['/usr/bin/python3.11', ['/usr/lib/x86_64-linux-gnu/libc.so.6'], ['python@3.11']],
    ['/usr/bin/uwsgi', ['/usr/lib/x86_64-linux-gnu/libpython3.12d.so.1.0'], ['python@3.12']],
    ['/usr/sbin/php-fpm8.2', [], ['php@8.2']],
    ['/usr/sbin/apache2', ['/usr/lib/apache2/modules/libphp8.1.so'], ['php@8.1']],
    ['/usr/bin/perl', ['/usr/lib/x86_64-linux-gnu/libperl.so.5.36.0'], ['perl@5.36']],
    ['/usr/bin/node', [], ['node']],
    ['/usr/bin/ruby3.1', ['/usr/lib/x86_64-linux-gnu/libruby-3.1.so.3.1.2'], ['ruby@3.1']],
    ['/usr/bin/sleep', ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/python-helper.so'], []],
    // nginx embedding both Lua and Perl is both.
    ['/usr/sbin/nginx', ['/m/ngx_http_lua_module.so', '/usr/lib/x86_64-linux-gnu/libperl.so.5.36'], ['luajit', 'perl@5.36']],
    [undefined, [], []],
  ];
  for (const [exe, libs, want] of cases) {
    assert.deepEqual(brief(detectRuntimes(mapsOf(...libs), exe ? { path: exe } : undefined)), want, `${exe} ${libs}`);
  }
  const anon = parseMaps('7f0000000000-7f0000001000 rw-p 00000000 00:00 0   [anon:libpython3.9.so]');
  assert.deepEqual(detectRuntimes(anon, undefined), [], 'only files count');
});

/** A minimal ELF64 file with the given section names and nothing else. */
function elfWithSections(names: string[]): Buffer {
  const strtab = Buffer.from('\0' + names.map((n) => n + '\0').join('') + '.shstrtab\0');
  const shnum = names.length + 2;
  const shoff = 64 + strtab.length;
  const out = Buffer.alloc(shoff + shnum * 64);
  out.writeUInt32BE(0x7f454c46, 0);
  out[4] = 2; // ELFCLASS64
  out[5] = 1; // little-endian
  out[6] = 1;
  out.writeUInt16LE(2, 16); // ET_EXEC
  out.writeUInt16LE(62, 18); // x86-64
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(shoff), 40);
  out.writeUInt16LE(64, 52);
  out.writeUInt16LE(64, 58);
  out.writeUInt16LE(shnum, 60);
  out.writeUInt16LE(shnum - 1, 62);
  strtab.copy(out, 64);
  let nameOff = 1;
  for (let i = 1; i < shnum; i++) {
    const o = shoff + i * 64;
    out.writeUInt32LE(nameOff, o);
    out.writeUInt32LE(i === shnum - 1 ? 3 : 1, o + 4); // SHT_STRTAB for the names, PROGBITS otherwise
    if (i === shnum - 1) {
      out.writeBigUInt64LE(64n, o + 24);
      out.writeBigUInt64LE(BigInt(strtab.length), o + 32);
    }
    nameOff += (i === shnum - 1 ? '.shstrtab' : names[i - 1]!).length + 1;
  }
  return out;
}

test('Go is recognised by its sections, not its name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-go-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const goBin = join(dir, 'server');
  const cBin = join(dir, 'go');
  writeFileSync(goBin, elfWithSections(['.text', '.gopclntab', '.go.buildinfo']));
  writeFileSync(cBin, elfWithSections(['.text', '.eh_frame']));
  writeFileSync(join(dir, 'junk'), 'not an ELF file at all');
  assert.deepEqual(brief(detectRuntimes([], { path: goBin })), ['go']);
  assert.deepEqual(brief(detectRuntimes([], { path: cBin })), []);
  assert.deepEqual(brief(detectRuntimes([], { path: join(dir, 'junk') })), []);
  assert.deepEqual(brief(detectRuntimes([], { path: join(dir, 'missing') })), []);
  assert.deepEqual(brief(detectRuntimes([], { path: '/usr/bin/sleep' })), []);
  // A real Go program, where the machine has one.
  const real = ['/usr/local/bin/terraform', '/usr/bin/kubectl'].find(existsSync);
  if (real) assert.deepEqual(brief(detectRuntimes([], { path: real })), ['go']);
});

test('real processes: luajit, python, node (us) and nginx with the lua module', async (t) => {
  const lj = await startTarget(t, '/usr/bin/luajit', ['-e', 'io.write("go\\n") io.flush() io.read()']);
  const py = await startTarget(t, '/usr/bin/python3', ['-c', 'import time\nprint("go", flush=True)\ntime.sleep(60)']);
  // Debian's luajit links LuaJIT statically: the executable's name is the witness.
  assert.deepEqual(detectProcessRuntimes(lj.pid), [{ name: 'luajit', file: '/usr/bin/luajit' }]);
  assert.deepEqual(brief(detectProcessRuntimes(py.pid)), ['python@3.11']);
  assert.deepEqual(brief(detectProcessRuntimes(process.pid)), ['node']);

  const prefix = mkdtempSync(join(tmpdir(), 'fluoro-nginx-'));
  t.after(() => rmSync(prefix, { recursive: true, force: true }));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'load_module /usr/lib/nginx/modules/ndk_http_module.so;',
      'load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;',
      'daemon off; master_process off;',
      `pid ${join(prefix, 'nginx.pid')};`,
      'error_log stderr;',
      'events {}',
      'http { access_log off; }',
    ].join('\n'),
  );
  const nginx = spawn('nginx', ['-p', prefix, '-c', conf], { stdio: 'ignore' });
  t.after(async () => {
    if (nginx.exitCode === null) {
      nginx.kill('SIGKILL');
      await once(nginx, 'exit');
    }
  });
  const lua = (m: { path: string }) => m.path.includes('ngx_http_lua');
  for (let i = 0; i < 100 && !(nginx.exitCode === null && readMaps(nginx.pid!).some(lua)); i++) {
    await new Promise((r) => setTimeout(r, 30));
  }
  const found = detectProcessRuntimes(nginx.pid!);
  assert.equal(found[0]?.name, 'luajit');
});

test('runtimeNameOf accepts what people type', () => {
  assert.equal(runtimeNameOf('lua'), 'luajit');
  assert.equal(runtimeNameOf('OpenResty'), 'luajit');
  assert.equal(runtimeNameOf('python'), 'python');
  assert.equal(runtimeNameOf('golang'), 'go');
  assert.equal(runtimeNameOf('cobol'), undefined);
});
