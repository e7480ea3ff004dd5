// The whole chain on a real process: build, open with configuration, load, one CPU-clock perf
// event per CPU, attach, read a hash map, close; and the sampled process is unharmed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { bpfTest } from '../../test/support/bpf.js';
import { BpfObject } from './object.js';
import { openCpuClockEvents } from './perf-event.js';
import { bpfObjectPath } from './paths.js';
import { u32Key } from './map.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

bpfTest('smoke: counts CPU-clock samples of a busy child per tgid', async (t) => {
  const child = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid!;
  const hz = 99;

  const obj = BpfObject.open(bpfObjectPath('smoke'), { rodata: { only_tgid: pid } });
  t.after(() => obj.close());
  obj.load();
  const prog = obj.program('count_samples');
  const links = openCpuClockEvents(hz).map((fd) => prog.attachPerfEvent(fd));
  await sleep(1000);
  for (const link of links) link.close();

  const counts = obj.map('counts');
  const value = counts.lookup(u32Key(pid));
  assert.ok(value, 'the busy child was sampled');
  const samples = Number(value.readBigUInt64LE(0));
  // One busy thread for ~1 s at 99 Hz: about 99 samples, fewer when other work shares the CPUs.
  assert.ok(samples >= 20 && samples <= 150, `samples of the child: ${samples}`);
  // only_tgid reached the program: no other process was counted.
  assert.deepEqual(counts.keys().map((k) => k.readUInt32LE(0)), [pid]);

  const drained = counts.lookupAndDeleteAll();
  assert.equal(drained.length, 1);
  assert.equal(counts.keys().length, 0);

  obj.close();
  obj.close(); // idempotent
  assert.ok(links.every((l) => l.closed));
  await sleep(50);
  assert.ok(isAlive(pid), 'the sampled process is still running');
  assert.equal(child.exitCode, null);
});
