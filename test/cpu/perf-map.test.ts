// JIT code named through the runtime's perf map: Node.js with --perf-basic-prof writes
// /tmp/perf-PID.map, and a JS function spinning in optimized code shows as a frame of kind jit
// whose name carries the function's name.

import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { outerFunc } from '../../src/model/profile.js';
import { bpfTest } from '../support/bpf.js';
import { spawnOwned, waitFor } from './processes.js';

const script = `
function fluoroSpinHot(n) { let a = 0; for (let i = 0; i < n; i++) a = (a + i * 7) % 1000003; return a; }
let sink = 0;
console.log('ready');
for (;;) sink += fluoroSpinHot(1e6);
`;

bpfTest('node --perf-basic-prof: JIT frames are named from /tmp/perf-PID.map', async (t) => {
  const child = spawnOwned(t, process.execPath, ['--perf-basic-prof', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const map = `/tmp/perf-${child.pid}.map`;
  t.after(() => rmSync(map, { force: true }));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
  await waitFor('the perf map', () => (existsSync(map) ? true : undefined));
  // Let the function be optimized (and its entry written) before sampling.
  await new Promise((r) => setTimeout(r, 500));
  const r = await profileCpu({ pids: [child.pid!], durationMs: 2500, hz: 99, kernel: false, perThread: false });

  let samples = 0;
  let named = 0;
  let jit = 0;
  const names = new Set<string>();
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    samples += n;
    const leaf = s.stack[0];
    if (leaf?.kind !== 'jit') continue;
    jit += n;
    const name = outerFunc(leaf)?.name ?? '';
    names.add(name);
    if (name.includes('fluoroSpinHot')) named += n;
  }
  t.diagnostic(`${samples} samples, ${jit} with a jit leaf, ${named} named fluoroSpinHot; jit names: ${[...names].slice(0, 6).join(' | ')}`);
  assert.ok(samples >= 20, `only ${samples} samples`);
  assert.ok(named >= 0.5 * samples, `jit leaf named after the JS function in ${named}/${samples}`);
}, { timeout: 60_000 });
