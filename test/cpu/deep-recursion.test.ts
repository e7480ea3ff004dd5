// A live process 150 frames deep through two shared libraries built without frame pointers,
// spinning in its deepest frame: every frame comes back, named, in order, down to main.

import assert from 'node:assert/strict';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { outerFunc } from '../../src/model/profile.js';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { buildSpinDeep, tempDir } from './processes.js';

const DEPTH = 150;

/** Leaf first: main calls a_step(DEPTH - 1), which calls b_step(DEPTH - 2), and so on to n = 0. */
function steps(depth: number): string[] {
  return Array.from({ length: depth }, (_, i) => ((depth - 1 - i) % 2 === 0 ? 'a_step' : 'b_step'));
}

bpfTest(`${DEPTH} frames through liba.so and libb.so: the dominant stack has all of them in order`, async (t) => {
  const dir = tempDir(t, 'fluoro-deep-');
  const target = await startTarget(t, buildSpinDeep(dir), [String(DEPTH)]);
  const r = await profileCpu({ pids: [target.pid], durationMs: 3000, hz: 99, kernel: false, perThread: false });

  // Stacks by function names: the spin loop's few instructions are one stack here.
  const byNames = new Map<string, { names: string[]; files: string[]; count: number }>();
  for (const s of r.profile.samples) {
    const names = s.stack.map((loc) => outerFunc(loc)?.name ?? '?');
    const key = names.join(';');
    const e = byNames.get(key) ?? { names, files: s.stack.map((loc) => loc.mapping?.file ?? ''), count: 0 };
    e.count += s.values[0]!;
    byNames.set(key, e);
  }
  const total = r.stacks.samples;
  assert.ok(total >= 20, `only ${total} samples`);
  const top = [...byNames.values()].reduce((a, e) => (e.count > a.count ? e : a));
  const { names } = top;
  t.diagnostic(`${total} samples, ${r.stacks.complete} complete, mean depth ${(r.stacks.userFrames / total).toFixed(1)}; dominant stack ${top.count}/${total} samples, ${names.length} frames`);
  assert.ok(top.count >= 0.8 * total, 'the spinning frame dominates');
  assert.equal(r.stacks.complete, r.stacks.samples, `every walk ends at the root: ${JSON.stringify(r.stacks.ends)}`);
  assert.deepEqual(names.slice(0, DEPTH + 2), ['fluoro_leaf', ...steps(DEPTH), 'main']);
  // Below main, glibc's start frames and _start, whose CFI ends the walk.
  assert.equal(names[names.length - 1], '_start');
  assert.ok(names.includes('__libc_start_main'));
  // Each step's frame is in the library that defines it.
  top.files.slice(1, DEPTH + 1).forEach((f, i) => assert.match(f, names[i + 1] === 'a_step' ? /liba\.so$/ : /libb\.so$/));
}, { timeout: 60_000 });
