// Kernel frames of a syscall-heavy process (dd with 1-byte blocks): they sit leaf-most, above the
// user frame that made the system call, enter through entry_SYSCALL_64, and name the syscall path.

import assert from 'node:assert/strict';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { outerFunc, type Location } from '../../src/model/profile.js';
import { kernelSymbols } from '../../src/symbolize/kernel.js';
import { bpfTest } from '../support/bpf.js';
import { requireProgram, spawnOwned } from './processes.js';

const name = (loc: Location) => outerFunc(loc)?.name ?? '?';

bpfTest('dd bs=1: kernel frames are leaf-most, enter by entry_SYSCALL_64 and name read/write', async (t) => {
  requireProgram('/usr/bin/dd');
  const dd = spawnOwned(t, '/usr/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1']);
  await new Promise((r) => setTimeout(r, 200));
  const r = await profileCpu({
    pids: [dd.pid!], durationMs: 2500, hz: 99, kernel: true, perThread: false, kernelSymbols: kernelSymbols(),
  });

  let samples = 0;
  let inKernel = 0;
  let ordered = 0;
  let entered = 0;
  let lone = 0;
  let fromWrapper = 0;
  let complete = 0;
  const kernelNames = new Set<string>();
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    samples += n;
    const kinds = s.stack.map((l) => l.kind);
    const firstUser = kinds.findIndex((k) => k !== 'kernel');
    const user = firstUser < 0 ? [] : s.stack.slice(firstUser);
    // dd is stripped: its _start and main have no names, so the walk's end says what the root is.
    if (user.some((l) => name(l) === '__libc_start_main')) complete += n;
    if (firstUser <= 0) continue;
    inKernel += n;
    const kernel = s.stack.slice(0, firstUser);
    kernel.forEach((l) => kernelNames.add(name(l)));
    // Leaf first: every kernel frame comes before every user frame.
    if (user.every((l) => l.kind !== 'kernel')) ordered += n;
    // The kernel's own unwinder gives a lone frame for a sample in a retpoline thunk
    // (__x86_indirect_thunk_rax, the syscall table's indirect call): nothing to check there.
    if (kernel.length === 1) lone += n;
    else if (name(kernel[kernel.length - 1]!).startsWith('entry_SYSCALL_64')) entered += n;
    // The user frame under the kernel is libc's read or write wrapper.
    const caller = user[0];
    if (caller && /(^|_)(read|write)$/.test(name(caller)) && /libc\.so/.test(caller.mapping?.file ?? '')) fromWrapper += n;
  }
  const pct = (x: number, of: number) => `${x}/${of} (${((100 * x) / Math.max(of, 1)).toFixed(1)}%)`;
  t.diagnostic(`dd: ${samples} samples, in kernel ${pct(inKernel, samples)}, user stack complete ${pct(complete, samples)}; ` +
    `kernel samples ordered ${pct(ordered, inKernel)}, via entry_SYSCALL_64 ${pct(entered, inKernel - lone)} of those deeper than one frame, under libc read/write ${pct(fromWrapper, inKernel)}`);
  assert.ok(samples >= 20, `only ${samples} samples`);
  assert.ok(inKernel >= 0.3 * samples, `dd with 1-byte blocks lives in system calls: ${pct(inKernel, samples)}`);
  assert.equal(ordered, inKernel, 'kernel frames are always leaf-most');
  assert.ok(entered >= 0.9 * (inKernel - lone), `kernel stacks start at the syscall entry: ${pct(entered, inKernel - lone)}`);
  assert.ok(lone <= 0.3 * inKernel, `lone kernel frames: ${pct(lone, inKernel)}`);
  assert.ok(fromWrapper >= 0.9 * inKernel, `called from libc's wrappers: ${pct(fromWrapper, inKernel)}`);
  assert.ok(complete >= 0.9 * samples, `user stacks under the kernel reach libc's start: ${pct(complete, samples)}`);
  assert.ok(r.stacks.complete >= 0.9 * r.stacks.samples, `walks end at the root: ${JSON.stringify(r.stacks.ends)}`);
  for (const f of ['do_syscall_64', 'ksys_read', 'ksys_write']) assert.ok(kernelNames.has(f), `${f} named`);
}, { timeout: 60_000 });
