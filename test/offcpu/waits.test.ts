// Off-CPU time of a C program that waits in known ways (test/fixtures/native/waits.c): the split
// between two waits against the program's own clock, the total against wall time minus CPU time,
// a thread asleep for the whole run clipped to the run, and an event loop's idle waits hidden
// unless asked for.

import assert from 'node:assert/strict';
import { profileOffcpu } from '../../src/collectors/offcpu/profiler.js';
import { kernelSymbols } from '../../src/symbolize/kernel.js';
import { cpuTimeNs, startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { tempDir } from '../cpu/processes.js';
import { buildWaits, named, nsUnder, pct } from './support.js';

const base = { kernel: true, perThread: false, kernelSymbols: kernelSymbols() };

bpfTest('a known split of waits: shares within 5 points of the program\'s own clock, total within 5% of wall minus CPU', async (t) => {
  const bin = buildWaits(tempDir(t, 'fluoro-offcpu-'));
  const target = await startTarget(t, bin, ['split']);
  let last = '';
  target.child.stdout!.on('data', (d: Buffer) => {
    const lines = d.toString().trim().split('\n');
    last = lines[lines.length - 1] ?? last;
  });
  await new Promise((r) => setTimeout(r, 300));
  const before = last.split(' ').map(Number);
  const cpuBefore = cpuTimeNs(target.pid);
  const r = await profileOffcpu({ ...base, pids: [target.pid], durationMs: 3000, idle: false });
  const cpuNs = cpuTimeNs(target.pid) - cpuBefore;
  const after = last.split(' ').map(Number);

  const slept = after[0]! - before[0]!;
  const read = after[1]! - before[1]!;
  const total = nsUnder(r.profile);
  const inSleep = nsUnder(r.profile, named('sleep_30ms'));
  const inRead = nsUnder(r.profile, named('read_pipe'));
  const wallNs = r.elapsedMs * 1e6;
  t.diagnostic(`truth: sleep ${pct(slept, slept + read)}, read ${pct(read, slept + read)}; measured: sleep ${pct(inSleep, total)}, ` +
    `read ${pct(inRead, total)}; off-CPU ${(total / 1e6).toFixed(1)} ms of ${r.elapsedMs.toFixed(1)} ms, CPU ${(cpuNs / 1e6).toFixed(1)} ms, ` +
    `${r.blocks.blocks} waits, ${r.capture.dropped} dropped`);
  assert.ok(r.blocks.blocks >= 50, `only ${r.blocks.blocks} waits in 3 s`);
  assert.equal(r.capture.dropped, 0);
  assert.ok(Math.abs(inSleep / total - slept / (slept + read)) <= 0.05, 'nanosleep share within 5 points');
  assert.ok(Math.abs(inRead / total - read / (slept + read)) <= 0.05, 'pipe read share within 5 points');
  assert.ok(Math.abs(total - (wallNs - cpuNs)) <= 0.05 * (wallNs - cpuNs), 'total off-CPU within 5% of wall time minus CPU time');
  // Why: the sleep in clock_nanosleep (glibc's nanosleep), the read in read.
  const leaf = (want: string) => nsUnder(r.profile, (n, k) => k === 'group' && n === want);
  assert.ok(leaf('[syscall clock_nanosleep]') >= 0.95 * inSleep, 'the sleep is named clock_nanosleep');
  assert.ok(leaf('[syscall read]') >= 0.95 * inRead, 'the wait for the pipe is named read');
});

bpfTest('a thread asleep for the whole run counts the run\'s duration, from its start to its end', async (t) => {
  const bin = buildWaits(tempDir(t, 'fluoro-offcpu-'));
  const target = await startTarget(t, bin, ['hang']);
  await new Promise((r) => setTimeout(r, 300));
  const r = await profileOffcpu({ ...base, pids: [target.pid], durationMs: 2000, idle: false });
  const hung = nsUnder(r.profile, named('hang_forever'));
  const wallNs = r.elapsedMs * 1e6;
  t.diagnostic(`hang_forever: ${(hung / 1e6).toFixed(1)} ms of a ${r.elapsedMs.toFixed(1)} ms run, ${r.blocks.blocks} waits`);
  assert.ok(hung >= 0.95 * wallNs, 'not less than the run');
  assert.ok(hung <= 1.0 * wallNs + 1, 'not more than the run');
  assert.equal(nsUnder(r.profile), hung, 'and nothing else');
  assert.ok(r.blocks.clippedStart >= 1 && r.blocks.clippedEnd >= 1);
});

bpfTest('an event loop idle in epoll_wait: hidden by default, shown with idle', async (t) => {
  const bin = buildWaits(tempDir(t, 'fluoro-offcpu-'));
  const target = await startTarget(t, bin, ['epoll']);
  await new Promise((r) => setTimeout(r, 200));
  const hidden = await profileOffcpu({ ...base, pids: [target.pid], durationMs: 1500, idle: false });
  const shown = await profileOffcpu({ ...base, pids: [target.pid], durationMs: 1500, idle: true });
  const idle = (p: typeof shown) => nsUnder(p.profile, named('idle_wait'));
  const nap = (p: typeof shown) => nsUnder(p.profile, named('nap_5ms'));
  t.diagnostic(`hidden: idle ${(idle(hidden) / 1e6).toFixed(1)} ms, nap ${(nap(hidden) / 1e6).toFixed(1)} ms, ` +
    `idle not shown ${(hidden.blocks.idleNs / 1e6).toFixed(1)} ms; shown: idle ${(idle(shown) / 1e6).toFixed(1)} ms, nap ${(nap(shown) / 1e6).toFixed(1)} ms`);
  assert.equal(idle(hidden), 0, 'no idle wait in the default profile');
  // Left: the nap, and on a busy machine a little time runnable but waiting for a CPU.
  const runQueue = nsUnder(hidden.profile, (n, k) => k === 'group' && n === '[run queue]');
  assert.ok(nap(hidden) > 0 && nap(hidden) + runQueue === nsUnder(hidden.profile), 'only the nap (and run-queue time) is left');
  assert.ok(hidden.blocks.idleNs >= 0.8 * hidden.elapsedMs * 1e6, 'the idle time is still counted, apart');
  assert.ok(idle(shown) >= 0.8 * shown.elapsedMs * 1e6, `with idle, epoll_wait holds most of the time: ${pct(idle(shown), nsUnder(shown.profile))}`);
  assert.ok(nsUnder(shown.profile, (n, k) => k === 'group' && n === '[syscall epoll_wait]') === idle(shown));
});
