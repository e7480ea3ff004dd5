import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExitCode, PrivilegeError, TargetExitedError } from '../errors.js';
import { readMaps } from './maps.js';
import { UnmappedAddressError, forceProcMem, readCString, readMemory, readMemoryUpTo, readU32, readU64 } from './memory.js';
import { startTarget, type Cleanup } from './testing.js';

// The target prints the address of a buffer it owns; its bytes are known to the test.
const SCRIPT = [
  'import ctypes, time',
  'b = ctypes.create_string_buffer(b"\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08fluoro-secret-123")',
  'print(ctypes.addressof(b), flush=True)',
  'time.sleep(60)',
].join('\n');

async function target(t: Cleanup) {
  const tg = await startTarget(t, '/usr/bin/python3', ['-c', SCRIPT]);
  return { ...tg, addr: BigInt(tg.ready) };
}

/** A mapped address whose next page is not mapped, to test reads that run off the end. */
function lastBytesBeforeHole(pid: number): bigint {
  const maps = readMaps(pid);
  for (let i = 0; i < maps.length - 1; i++) {
    const m = maps[i]!;
    if (m.perms[0] === 'r' && maps[i + 1]!.start !== m.end && !m.path.startsWith('[v')) return m.end;
  }
  throw new Error('no mapping followed by a hole');
}

for (const route of ['process_vm_readv', '/proc/PID/mem'] as const) {
  test(`reads a real process's memory through ${route}`, async (t) => {
    forceProcMem(route === '/proc/PID/mem');
    t.after(() => forceProcMem(false));
    const tg = await target(t);
    const bytes = readMemory(tg.pid, tg.addr, 25);
    assert.equal(bytes.subarray(8).toString(), 'fluoro-secret-123');
    assert.equal(readU32(tg.pid, tg.addr), 0x04030201);
    assert.equal(readU64(tg.pid, tg.addr), 0x0807060504030201n);
    assert.equal(readCString(tg.pid, tg.addr + 8n), 'fluoro-secret-123');
    assert.equal(readCString(tg.pid, tg.addr + 8n, 6), undefined, 'no NUL within the bound');

    assert.throws(() => readMemory(tg.pid, 0n, 8), (e: unknown) => e instanceof UnmappedAddressError && e.bytesRead === 0);
    assert.throws(() => readCString(tg.pid, 16n), UnmappedAddressError);

    const end = lastBytesBeforeHole(tg.pid);
    assert.equal(readMemoryUpTo(tg.pid, end - 8n, 64).length, 8, 'a read stops at the hole');
    assert.throws(() => readMemory(tg.pid, end - 8n, 64), (e: unknown) => e instanceof UnmappedAddressError && e.bytesRead === 8);
    assert.throws(() => readMemory(tg.pid, tg.addr, 1 << 30), /refusing/);

    await tg.kill();
    assert.throws(() => readMemory(tg.pid, tg.addr, 8), TargetExitedError);
  });
}

test('without the privilege the error names CAP_SYS_PTRACE', { skip: process.getuid?.() !== 0 && 'needs root to drop to nobody' }, async (t) => {
  const tg = await target(t);
  const memoryJs = fileURLToPath(new URL('./memory.js', import.meta.url));
  const code = `import('${memoryJs}').then((m) => { try { m.readMemory(${tg.pid}, ${tg.addr}n, 8); console.log('read'); } catch (e) { console.log(e.constructor.name, e.exitCode, e.message); } })`;
  const child = spawn(process.execPath, ['-e', code], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await once(child, 'exit');
  assert.match(out, new RegExp(`^${PrivilegeError.name} ${ExitCode.privilege} .*CAP_SYS_PTRACE`));
});
