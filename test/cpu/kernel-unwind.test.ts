// The in-kernel table unwinder (`--unwinder kernel`, bpf/unwind.bpf.c) on real processes: the
// verifier accepts it, it gives the same 150-frame stacks as the userspace unwinder, and nginx's
// worker stacks reach main as often as the tests ask of the default unwinder.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject } from '../../src/bpf/object.js';
import { bpfObjectPath } from '../../src/bpf/paths.js';
import { describeLosses } from '../../src/collectors/cpu/exits.js';
import { profileCpu, type CpuProfileResult } from '../../src/collectors/cpu/profiler.js';
import { kernelUnwinder, userspaceUnwinder } from '../../src/collectors/cpu/unwinders.js';
import { outerFunc, type Location } from '../../src/model/profile.js';
import { kernelSymbols } from '../../src/symbolize/kernel.js';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { startNginx } from '../support/nginx.js';
import { startWrk } from '../support/wrk.js';
import { runFluoro } from './cli.js';
import { completeness, describe, parseFolded } from './folded-stacks.js';
import { buildSpinDeep, requireProgram, spawnOwned, tempDir } from './processes.js';

const DEPTH = 150;

bpfTest('the verifier accepts the in-kernel unwinder', () => {
  const obj = BpfObject.open(bpfObjectPath('unwind'));
  try {
    obj.load();
    obj.program('unwind_cpu');
  } finally {
    obj.close();
  }
});

/** The stack (function names, leaf first) with the most samples, and its share. */
function dominant(r: CpuProfileResult): { names: string[]; files: string[]; share: number } {
  const byNames = new Map<string, { names: string[]; files: string[]; count: number }>();
  for (const s of r.profile.samples) {
    const names = s.stack.map((loc) => outerFunc(loc)?.name ?? '?');
    const e = byNames.get(names.join(';')) ?? { names, files: s.stack.map((loc) => loc.mapping?.file ?? ''), count: 0 };
    e.count += s.values[0]!;
    byNames.set(names.join(';'), e);
  }
  const top = [...byNames.values()].reduce((a, e) => (e.count > a.count ? e : a));
  return { names: top.names, files: top.files, share: top.count / Math.max(1, r.stacks.samples) };
}

bpfTest(`${DEPTH} frames through liba.so and libb.so: the kernel unwinder's stacks equal the userspace unwinder's`, async (t) => {
  const dir = tempDir(t, 'fluoro-kdeep-');
  const target = await startTarget(t, buildSpinDeep(dir), [String(DEPTH)]);
  const base = { pids: [target.pid], durationMs: 2000, hz: 99, kernel: false, perThread: false };
  const user = await profileCpu({ ...base, unwinder: userspaceUnwinder });
  const kernel = await profileCpu({ ...base, unwinder: kernelUnwinder });
  const u = dominant(user);
  const k = dominant(kernel);
  t.diagnostic(`userspace: ${user.stacks.samples} samples, ${user.stacks.complete} complete, mean depth ${(user.stacks.userFrames / user.stacks.samples).toFixed(1)}`);
  t.diagnostic(`kernel: ${kernel.stacks.samples} samples, ${kernel.stacks.complete} complete, mean depth ${(kernel.stacks.userFrames / kernel.stacks.samples).toFixed(1)}; ${kernel.capture.receivedBytes / Math.max(1, kernel.capture.received)} bytes/sample`);
  assert.ok(kernel.stacks.samples >= 20, `only ${kernel.stacks.samples} samples`);
  assert.equal(kernel.stacks.complete, kernel.stacks.samples, `every walk ends at the root: ${JSON.stringify(kernel.stacks.ends)}`);
  assert.equal(describeLosses(kernel.capture), undefined, 'the program lost and cut short nothing');
  assert.equal(kernel.capture.seen, kernel.capture.recorded + kernel.capture.filtered);
  assert.ok(k.share >= 0.8, 'the spinning frame dominates');
  assert.equal(k.names.filter((n) => n === 'a_step' || n === 'b_step').length, DEPTH);
  assert.deepEqual(k.names, u.names, 'same functions, same order');
  assert.deepEqual(k.files, u.files, 'same files');
  assert.equal(k.names[k.names.length - 1], '_start');
}, { timeout: 90_000 });

bpfTest('nginx static file under wrk, --unwinder kernel: at least 95% of worker samples unwind to main', async (t) => {
  requireProgram('/usr/sbin/nginx');
  requireProgram('/usr/bin/wrk');
  const nginx = await startNginx(t, { server: 'location / { }', htmlFiles: { file: randomBytes(4096) } });
  const [worker] = nginx.workers();
  assert.ok(worker);
  startWrk(t, `${nginx.url}file`, 8, { connections: 8 });
  await new Promise((r) => setTimeout(r, 300));
  const dir = tempDir(t, 'fluoro-knginx-');
  const out = join(dir, 'out.folded');
  const r = await runFluoro(t, ['cpu', '-p', String(worker), '-d', '3s', '--unwinder', 'kernel', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const stacks = parseFolded(readFileSync(out, 'utf8'));
  const c = completeness(stacks);
  t.diagnostic(`nginx worker, kernel unwinder: ${describe(c)}`);
  t.diagnostic(`fluoro: ${r.stdout.split('\n')[0]}`);
  assert.ok(c.samples >= 30, `only ${c.samples} samples: the worker was not busy`);
  assert.ok(c.ratio >= 0.95, describe(c));
  assert.ok(c.meanDepth >= 8, describe(c));
  const names = new Set(stacks.flatMap((s) => s.frames.map((f) => f.name)));
  for (const f of ['main', 'ngx_process_events_and_timers', 'ngx_http_core_run_phases']) assert.ok(names.has(f), `${f} is on some stack`);
}, { timeout: 60_000 });

bpfTest('dd bs=1, --unwinder kernel: samples in system calls unwind from the saved user registers', async (t) => {
  requireProgram('/usr/bin/dd');
  const dd = spawnOwned(t, '/usr/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1']);
  await new Promise((r) => setTimeout(r, 200));
  const r = await profileCpu({
    pids: [dd.pid!], durationMs: 2500, hz: 99, kernel: true, perThread: false, kernelSymbols: kernelSymbols(), unwinder: kernelUnwinder,
  });
  const name = (loc: Location) => outerFunc(loc)?.name ?? '?';
  let samples = 0;
  let inKernel = 0;
  let ordered = 0;
  let fromWrapper = 0;
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    samples += n;
    const firstUser = s.stack.findIndex((l) => l.kind !== 'kernel');
    if (firstUser <= 0) continue;
    inKernel += n;
    const user = s.stack.slice(firstUser);
    if (user.every((l) => l.kind !== 'kernel')) ordered += n;
    if (/(^|_)(read|write)$/.test(name(user[0]!))) fromWrapper += n;
  }
  t.diagnostic(`dd: ${samples} samples, ${inKernel} in the kernel, ${fromWrapper} of those under libc read/write; ends ${JSON.stringify(r.stacks.ends)}`);
  assert.ok(samples >= 20, `only ${samples} samples`);
  assert.ok(inKernel >= 0.3 * samples, 'dd with 1-byte blocks lives in system calls');
  assert.equal(ordered, inKernel, 'kernel frames are always leaf-most');
  assert.ok(fromWrapper >= 0.9 * inKernel, 'the user stack under the kernel starts in libc\'s wrapper');
  assert.ok(r.stacks.complete >= 0.9 * r.stacks.samples, `walks end at the root: ${JSON.stringify(r.stacks.ends)}`);
}, { timeout: 60_000 });

bpfTest('without bpf_loop, --unwinder kernel is refused in one sentence before loading, and the default still runs', async (t) => {
  const target = spawnOwned(t, 'sh', ['-c', 'while :; do :; done']);
  const out = join(tempDir(t, 'fluoro-knoloop-'), 'out.folded');
  const before = process.env.FLUORO_BPF_FEATURES;
  process.env.FLUORO_BPF_FEATURES = '-bpf_loop'; // inherited by the fluoro child processes
  t.after(() => {
    if (before === undefined) delete process.env.FLUORO_BPF_FEATURES;
    else process.env.FLUORO_BPF_FEATURES = before;
  });
  const refused = await runFluoro(t, ['cpu', '-p', String(target.pid), '-d', '1s', '--unwinder', 'kernel', '-o', out]);
  assert.equal(refused.code, 5, refused.stderr);
  assert.match(refused.stderr, /this kernel lacks the BPF helper bpf_loop \(Linux 5\.17 or later has it\), and the in-kernel unwinder needs it: use the default, --unwinder userspace/);
  assert.doesNotMatch(refused.stderr, /verifier|LOAD LOG/);
  const plain = await runFluoro(t, ['cpu', '-p', String(target.pid), '-d', '1s', '-o', out]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(parseFolded(readFileSync(out, 'utf8')).length > 0, 'the default unwinder profiled it');
});

bpfTest('--unwinder kernel refuses --all and unknown unwinders', async (t) => {
  const all = await runFluoro(t, ['cpu', '--all', '-d', '1s', '--unwinder', 'kernel', '-o', '/dev/null']);
  assert.notEqual(all.code, 0);
  assert.match(all.stderr, /--unwinder kernel needs -p PID/);
  const bad = await runFluoro(t, ['cpu', '-p', String(process.pid), '-d', '1s', '--unwinder', 'fp', '-o', '/dev/null']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--unwinder must be userspace or kernel/);
});
