// The capture on real processes: a CPU-bound shell loop and a syscall-bound dd.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import test, { type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { bpfTest } from '../../../test/support/bpf.js';
import { ringBytesFor, startCpuCapture, type CpuCaptureOptions, type CpuCaptureStats } from './capture.js';
import { EXIT_REASONS, describeLosses, type ExitReason } from './exits.js';
import type { RawSample } from '../../unwind/sample.js';

const KERNEL_SPACE = 0xffff800000000000n;
const USER_SPACE_END = 0x800000000000n;

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
}

function readMaps(pid: number): Mapping[] {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n').map((line) => {
    const [range = '', perms = '', , , , name = ''] = line.split(/\s+/);
    const [start = '0', end = '0'] = range.split('-');
    return { start: BigInt('0x' + start), end: BigInt('0x' + end), perms, name };
  });
}

function startChild(t: TestContext, command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child;
}

async function capture(options: Omit<CpuCaptureOptions, 'onSample'>, ms: number): Promise<{ samples: RawSample[]; stats: CpuCaptureStats }> {
  const samples: RawSample[] = [];
  const handle = startCpuCapture({ ...options, onSample: (s) => samples.push(s) });
  try {
    await sleep(ms);
  } finally {
    handle.stop();
  }
  handle.stop(); // idempotent
  return { samples, stats: handle.stats() };
}

function assertConsistent(stats: CpuCaptureStats): void {
  assert.equal(stats.malformed, 0);
  assert.equal(stats.received, stats.recorded, 'every recorded sample was drained by stop()');
  const lost = Object.entries(stats.exits).filter(([name]) => EXIT_REASONS[name as ExitReason]?.kind === 'lost');
  assert.equal(stats.seen, stats.recorded + stats.filtered + lost.reduce((sum, [, n]) => sum + n, 0), 'each run of the program ends once');
  assert.equal(stats.dropped, stats.exits['ring-full']);
}

bpfTest('capture: a busy process gives user registers inside its code and its stack window', async (t) => {
  const child = startChild(t, 'sh', ['-c', 'while :; do :; done']);
  const pid = child.pid!;
  await sleep(100);
  const maps = readMaps(pid);
  const stackMapping = maps.find((m) => m.name === '[stack]')!;
  const fdsBefore = readdirSync('/proc/self/fd').length;
  const { samples, stats } = await capture({ pids: [pid], hz: 99, stackBytes: 16384 }, 1000);

  assert.ok(samples.length >= 20 && samples.length <= 150, `samples: ${samples.length}`);
  assertConsistent(stats);
  assert.equal(readdirSync('/proc/self/fd').length, fdsBefore, 'stop() closed every perf event, map and program');
  let endsAtStackTop = 0;
  let holes = 0;
  for (const s of samples) {
    assert.equal(s.pid, pid);
    assert.equal(s.tid, pid);
    assert.equal(s.comm, 'sh');
    assert.ok(s.timeNs > 0n);
    const code = maps.find((m) => s.regs.rip >= m.start && s.regs.rip < m.end);
    assert.ok(code?.perms.includes('x'), `rip ${s.regs.rip.toString(16)} is in an executable mapping`);
    assert.ok(s.regs.rsp >= stackMapping.start && s.regs.rsp < stackMapping.end, 'rsp is on the main stack');
    assert.ok(s.stack.length > 0 && s.stack.length <= 16384);
    const toTop = Number(stackMapping.end - s.regs.rsp);
    if (toTop < 16384) {
      // Pages past the end of the stack mapping cannot be read, so the copy ends exactly there.
      assert.equal(s.stack.length, toTop);
      endsAtStackTop++;
    }
    if (s.stackHoles) holes++;
    if (!s.kernelMode) assert.equal(s.fpStack[0], s.regs.rip, 'the frame-pointer walk starts at rip');
  }
  assert.ok(endsAtStackTop > 0, 'the shell stack is shallower than 16 KiB');
  t.diagnostic(`${samples.length} samples, ${(stats.receivedBytes / stats.received).toFixed(0)} bytes per sample, ` +
    `${holes} with never-touched pages inside the window`);
  assert.equal(child.exitCode, null, 'the target is unharmed');
  process.kill(pid, 0);
});

bpfTest('capture: a syscall-bound process gives kernel stacks, and none when they are off', async (t) => {
  const child = startChild(t, 'dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1']);
  const pid = child.pid!;
  await sleep(100);
  const withKernel = await capture({ pids: [pid], hz: 199, kernel: true, stackBytes: 4096 }, 800);
  assertConsistent(withKernel.stats);
  const inKernel = withKernel.samples.filter((s) => s.kernelMode);
  assert.ok(inKernel.length >= 10, `kernel-mode samples: ${inKernel.length} of ${withKernel.samples.length}`);
  for (const s of inKernel) {
    assert.ok(s.kernelStack.length > 0);
    assert.ok(s.kernelStack.every((a) => a >= KERNEL_SPACE), 'kernel addresses are in kernel space');
    assert.ok(s.regs.rip > 0n && s.regs.rip < USER_SPACE_END, 'the saved user rip is a user address');
    assert.ok(s.stack.length > 0);
  }
  assert.ok(withKernel.samples.filter((s) => !s.kernelMode).every((s) => s.kernelStack.length === 0));

  const without = await capture({ pids: [pid], hz: 199, kernel: false, stackBytes: 0 }, 400);
  assertConsistent(without.stats);
  assert.ok(without.samples.length > 0);
  assert.ok(without.samples.every((s) => s.kernelStack.length === 0 && s.stack.length === 0));
  assert.ok(without.samples.some((s) => s.kernelMode));
  assert.equal(child.exitCode, null);
});

bpfTest('capture: all processes except fluoro itself, at the largest stack window', async (t) => {
  const child = startChild(t, 'sh', ['-c', 'while :; do :; done']);
  await sleep(50);
  const samples: RawSample[] = [];
  const handle = startCpuCapture({ all: true, hz: 99, stackBytes: 32768, onSample: (s) => samples.push(s) });
  try {
    const until = Date.now() + 400;
    while (Date.now() < until) {} // our own process burns CPU too, and must still not be sampled
    await sleep(600);
  } finally {
    handle.stop();
  }
  const stats = handle.stats();
  assertConsistent(stats);
  assert.ok(stats.filtered > 0, 'our own samples (and the idle task) were filtered');
  assert.ok(samples.every((s) => s.pid !== process.pid), 'fluoro never samples itself');
  assert.ok(samples.some((s) => s.pid === child.pid));
  assert.ok(samples.every((s) => s.stack.length <= 32768));
  t.diagnostic(`all processes: ${samples.length} samples, ${stats.filtered} filtered, ${stats.dropped} dropped, ` +
    `${(stats.receivedBytes / Math.max(1, stats.received)).toFixed(0)} bytes per sample`);
});

/** A capture on a kernel said to lack `missing` (FLUORO_BPF_FEATURES), e.g. '-bpf_loop'. */
async function captureWithout(missing: string, options: Omit<CpuCaptureOptions, 'onSample'>, ms: number) {
  const before = process.env.FLUORO_BPF_FEATURES;
  process.env.FLUORO_BPF_FEATURES = missing;
  try {
    return await capture(options, ms);
  } finally {
    if (before === undefined) delete process.env.FLUORO_BPF_FEATURES;
    else process.env.FLUORO_BPF_FEATURES = before;
  }
}

bpfTest('capture: without bpf_task_pt_regs, samples in the kernel have no user stack and are counted', async (t) => {
  const child = startChild(t, 'dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1']);
  await sleep(100);
  const { samples, stats } = await captureWithout('-bpf_task_pt_regs', { pids: [child.pid!], hz: 199, stackBytes: 4096 }, 800);
  assertConsistent(stats);
  const inKernel = samples.filter((s) => s.kernelMode);
  t.diagnostic(`${inKernel.length} of ${samples.length} samples in the kernel; ${describeLosses(stats)}`);
  assert.ok(inKernel.length >= 10, `kernel-mode samples: ${inKernel.length}`);
  for (const s of inKernel) {
    assert.equal(s.userRegs, false);
    assert.equal(s.regs.rip, 0n);
    assert.equal(s.stack.length, 0);
    assert.ok(s.kernelStack.length > 0, 'the kernel stack is still there');
  }
  assert.ok(samples.filter((s) => !s.kernelMode).every((s) => s.userRegs && s.regs.rip > 0n && s.stack.length > 0));
  assert.equal(stats.exits['no-user-regs'], inKernel.length, 'each one counted');
  assert.match(describeLosses(stats) ?? '', new RegExp(`${inKernel.length} in the kernel, user registers out of reach`));
});

bpfTest('capture: the build without bpf_loop loads and samples like the other', async (t) => {
  const child = startChild(t, 'sh', ['-c', 'while :; do :; done']);
  await sleep(50);
  const { samples, stats } = await captureWithout('-bpf_loop', { pids: [child.pid!], hz: 99, stackBytes: 16384 }, 600);
  assertConsistent(stats);
  t.diagnostic(`${samples.length} samples, ${describeLosses(stats) ?? 'nothing lost'}`);
  assert.ok(samples.length >= 20, `samples: ${samples.length}`);
  assert.ok(samples.every((s) => s.pid === child.pid && s.stack.length > 0 && s.lua.status === 0));
});

bpfTest('capture: a ring buffer too small for the rate loses samples, counted as ring buffer full', async (t) => {
  const child = startChild(t, 'sh', ['-c', 'while :; do :; done']);
  await sleep(50);
  // A few records fill 64 KiB, and nothing drains it until stop().
  const { samples, stats } = await capture({ pids: [child.pid!], hz: 999, stackBytes: 16384, ringBytes: 1 << 16, drainIntervalMs: 60_000 }, 700);
  assertConsistent(stats);
  const full = stats.exits['ring-full'] ?? 0;
  t.diagnostic(`${stats.recorded} recorded, ${full} lost to a full ring: ${describeLosses(stats) ?? 'no losses'}`);
  assert.ok(samples.length >= 1 && stats.receivedBytes <= 1 << 16, `what fits in 64 KiB was recorded (${samples.length})`);
  assert.ok(full >= 100, `the rest was counted as lost (${full})`);
  assert.match(describeLosses(stats) ?? '', new RegExp(`^${full} samples lost: ${full} ring buffer full`));
});

test('the ring buffer holds half a second of full-size records from every CPU, within 1-8 MiB', () => {
  const MiB = 1 << 20;
  assert.equal(ringBytesFor(99, 2, 16384), 4 * MiB, '99 Hz x 2 CPUs x 24 KiB x 0.5 s = 2.3 MB');
  assert.equal(ringBytesFor(49, 2, 16384), 2 * MiB);
  assert.equal(ringBytesFor(999, 2, 16384), 8 * MiB, 'capped');
  assert.equal(ringBytesFor(999, 64, 32768), 8 * MiB);
  assert.equal(ringBytesFor(1, 1, 0), MiB, 'at least 1 MiB');
  for (const hz of [1, 49, 99, 499, 999]) {
    const r = ringBytesFor(hz, 2, 16384);
    assert.equal(r & (r - 1), 0, 'a power of two');
  }
});
