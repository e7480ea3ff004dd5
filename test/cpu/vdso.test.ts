// The vDSO is code in no file: its image is read from the process. A program that reads the clock
// in a loop spends its time there, and its samples must name clock_gettime in [vdso] and unwind
// through it to main.

import assert from 'node:assert/strict';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { outerFunc, type Location } from '../../src/model/profile.js';
import { bpfTest } from '../support/bpf.js';
import { buildClockLoop, spawnOwned, tempDir } from './processes.js';

const name = (loc: Location) => outerFunc(loc)?.name ?? '?';

bpfTest('a clock-reading loop: its leaf frames are clock_gettime in [vdso], unwound through to main', async (t) => {
  const exe = buildClockLoop(tempDir(t, 'fluoro-vdso-'));
  const child = spawnOwned(t, exe, [], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((r) => child.stdout!.once('data', r));
  const r = await profileCpu({ pids: [child.pid!], durationMs: 2000, hz: 99, kernel: false, perThread: false });

  let samples = 0;
  let inVdso = 0;
  let named = 0;
  let toMain = 0;
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    samples += n;
    const leaf = s.stack[0];
    if (leaf?.mapping?.file !== '[vdso]') continue;
    inVdso += n;
    if (/clock_gettime$/.test(name(leaf))) named += n;
    const names = s.stack.map(name);
    if (names.includes('read_clock') && names.includes('main')) toMain += n;
  }
  const pct = (x: number, of: number) => `${x}/${of} (${((100 * x) / Math.max(of, 1)).toFixed(1)}%)`;
  t.diagnostic(`${samples} samples, leaf in [vdso] ${pct(inVdso, samples)}, named clock_gettime ${pct(named, inVdso)}, reaching main ${pct(toMain, inVdso)}`);
  assert.ok(samples >= 20, `only ${samples} samples`);
  assert.ok(inVdso >= 0.5 * samples, `the loop lives in the vDSO: ${pct(inVdso, samples)}`);
  assert.ok(named >= 0.9 * inVdso, `vDSO frames are named: ${pct(named, inVdso)}`);
  assert.ok(toMain >= 0.9 * inVdso, `walks go through the vDSO to read_clock and main: ${pct(toMain, inVdso)}`);
}, { timeout: 60_000 });
