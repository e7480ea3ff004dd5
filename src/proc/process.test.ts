import assert from 'node:assert/strict';
import test from 'node:test';
import { NoSuchProcessError } from '../errors.js';
import { sampleCpu } from './cpu.js';
import { listProcesses, parseCmdline, parseStat, processExists, processInfo } from './process.js';
import { startTarget, witnessCpu } from './testing.js';

test('parseStat finds fields after the last parenthesis, whatever the name holds', () => {
  const fields = ['S', '77', '1', '1', '0', '-1', '4194560', '0', '0', '0', '0', '12', '34', '0', '0', '20', '0', '3', '0', '98765'];
  const st = parseStat(`4242 (a) (b c)) ${fields.join(' ')} 1 2 3\n`);
  assert.equal(st.pid, 4242);
  assert.equal(st.comm, 'a) (b c)');
  assert.equal(st.state, 'S');
  assert.equal(st.ppid, 77);
  assert.equal(st.utime, 12);
  assert.equal(st.stime, 34);
  assert.equal(st.threadCount, 3);
  assert.equal(st.startTime, 98765);
  assert.throws(() => parseStat('garbage'), /malformed/);
});

test('parseCmdline splits on NUL without a trailing empty argument', () => {
  assert.deepEqual(parseCmdline('a\0b c\0'), ['a', 'b c']);
  assert.deepEqual(parseCmdline(''), []);
  assert.deepEqual(parseCmdline('x'), ['x']);
});

test('processInfo on a real process with a hostile name and two threads', async (t) => {
  const script = [
    'import ctypes, threading, time',
    'ctypes.CDLL(None).prctl(15, b"x) y (z", 0, 0, 0)',
    'threading.Thread(target=time.sleep, args=(60,), daemon=True).start()',
    'time.sleep(0.1)',
    'print("ready", flush=True)',
    'time.sleep(60)',
  ].join('\n');
  const target = await startTarget(t, '/usr/bin/python3', ['-c', script, 'arg with space']);
  const info = processInfo(target.pid);
  assert.equal(info.pid, target.pid);
  assert.equal(info.ppid, process.pid);
  assert.equal(info.comm, 'x) y (z');
  assert.deepEqual(info.cmdline.slice(-1), ['arg with space']);
  assert.equal(info.exe, '/usr/bin/python3.11');
  assert.equal(info.uid, process.getuid!());
  assert.equal(info.threadCount, 2);
  assert.equal(info.threads.length, 2);
  assert.equal(info.threads[0]!.tid, target.pid);
  assert.ok(info.startTime > 0);
  assert.equal(processExists(target.pid), true);
  assert.equal(processExists(target.pid, info.startTime), true);
  assert.equal(processExists(target.pid, info.startTime + 1), false, 'a reused PID is another process');
  assert.ok(listProcesses().some((p) => p.pid === target.pid && p.comm === 'x) y (z'));
  await target.kill();
  assert.equal(processExists(target.pid), false);
  assert.throws(() => processInfo(target.pid), NoSuchProcessError);
});

test('unknown PIDs are NoSuchProcessError', () => {
  assert.throws(() => processInfo(99_999_999), NoSuchProcessError);
  assert.throws(() => processInfo(-1), NoSuchProcessError);
  assert.equal(processExists(99_999_999), false);
});

test('listProcesses includes us and PID 1', () => {
  const all = listProcesses();
  const me = all.find((p) => p.pid === process.pid);
  assert.equal(me?.exe, process.execPath);
  assert.ok(all.some((p) => p.pid === 1));
});

test('sampleCpu tells a busy loop from a sleeper and agrees with the scheduler', async (t) => {
  const busy = await startTarget(t, '/usr/bin/python3', ['-c', 'print("go", flush=True)\nwhile True: pass']);
  const idle = await startTarget(t, '/usr/bin/python3', ['-c', 'import time\nprint("go", flush=True)\ntime.sleep(60)']);
  // On a loaded machine the loop may get less than a core; the scheduler's own accounting
  // (schedstat, a separate witness from utime/stime) says what it really got.
  let agreed = false;
  for (let i = 0; i < 3 && !agreed; i++) {
    const { percent, result: cpu } = await witnessCpu(busy.pid, () => sampleCpu(500));
    const got = cpu.get(busy.pid)!;
    t.diagnostic(`busy loop ${got.toFixed(1)}%, scheduler ${percent.toFixed(1)}%`);
    assert.ok(got > 2 && got < 150, `one busy thread at ${got}%`);
    if (percent > 70) assert.ok(got > 50, `${got}% while the scheduler saw ${percent}%`);
    assert.ok(cpu.get(idle.pid)! < 10, `sleeper at ${cpu.get(idle.pid)}%`);
    agreed = Math.abs(got - percent) < 20;
  }
  assert.ok(agreed, 'sampleCpu agrees with the scheduler within 20 points');
});
