// C++ frames read as the source spells them: a template member function in a namespace, built
// like production code (-O2, no frame pointers), shows as ns::Widget<int>::spin(int), with the
// mangled name kept as the function's systemName.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { outerFunc } from '../../src/model/profile.js';
import { bpfTest } from '../support/bpf.js';
import { repoRoot, requireProgram, spawnOwned, tempDir } from './processes.js';

bpfTest('C++ frames are demangled: ns::Widget<int>::spin(int) under ns::drive<…>', async (t) => {
  requireProgram('/usr/bin/g++');
  const dir = tempDir(t, 'fluoro-cxx-');
  const exe = join(dir, 'widget');
  execFileSync('g++', ['-O2', '-fomit-frame-pointer', '-o', exe, join(repoRoot, 'test/fixtures/native/widget.cpp')], { stdio: 'pipe' });
  const child = spawnOwned(t, exe, [], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`widget exited with ${code}`)));
  });
  const r = await profileCpu({ pids: [child.pid!], durationMs: 2000, hz: 99, kernel: false, perThread: false });

  let samples = 0;
  let inSpin = 0;
  let underDrive = 0;
  const seen = new Map<string, string>();
  for (const s of r.profile.samples) {
    const n = s.values[0]!;
    samples += n;
    const funcs = s.stack.map((l) => outerFunc(l)).filter((f) => f !== undefined);
    for (const f of funcs) seen.set(f.name, f.systemName);
    if (funcs[0]?.name === 'ns::Widget<int>::spin(int)') inSpin += n;
    if (funcs.some((f) => f.name === 'void ns::drive<ns::Widget<int> >(ns::Widget<int>&)')) underDrive += n;
  }
  t.diagnostic(`${samples} samples, ${inSpin} in spin, ${underDrive} under drive; names: ${[...seen.keys()].slice(0, 8).join(' | ')}`);
  assert.ok(samples >= 20, `only ${samples} samples`);
  assert.ok(inSpin >= 0.8 * samples, `leaf is ns::Widget<int>::spin(int) in ${inSpin}/${samples}`);
  assert.ok(underDrive >= 0.8 * samples, `called from ns::drive<…> in ${underDrive}/${samples}`);
  assert.equal(seen.get('ns::Widget<int>::spin(int)'), '_ZN2ns6WidgetIiE4spinEi', 'systemName keeps the mangled name');
  assert.equal(seen.get('main'), 'main');
}, { timeout: 60_000 });
