// A stripped executable's entry point has no symbol, but the ELF header says where it is: the
// root of every stack of dd is _start, not "dd+0x4450".

import assert from 'node:assert/strict';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { outerFunc } from '../../src/model/profile.js';
import { bpfTest } from '../support/bpf.js';
import { requireProgram, spawnOwned } from './processes.js';

bpfTest('stripped dd: the root frame is _start, named from e_entry', async (t) => {
  requireProgram('/usr/bin/dd');
  const dd = spawnOwned(t, '/usr/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1']);
  await new Promise((r) => setTimeout(r, 200));
  const r = await profileCpu({ pids: [dd.pid!], durationMs: 2000, hz: 99, kernel: false, perThread: false });

  let samples = 0;
  let startRoot = 0;
  const roots = new Map<string, number>();
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    samples += n;
    const native = s.stack.filter((l) => l.kind === 'native');
    const root = native[native.length - 1];
    const name = root ? (outerFunc(root)?.name ?? '?') : '(none)';
    roots.set(name, (roots.get(name) ?? 0) + n);
    if (name === '_start' && root?.mapping?.file === '/usr/bin/dd') startRoot += n;
  }
  t.diagnostic(`${samples} samples; roots: ${[...roots].map(([k, v]) => `${k}=${v}`).join(', ')}`);
  assert.ok(samples >= 20, `only ${samples} samples`);
  assert.ok(startRoot >= 0.9 * samples, `root is dd's _start in ${startRoot}/${samples}`);
  assert.ok(![...roots.keys()].some((k) => /^dd\+0x/.test(k)), 'no unnamed dd+0x… root');
}, { timeout: 60_000 });
