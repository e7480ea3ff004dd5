// A live -O2 program whose hot loop is two always-inline functions deep: with its DWARF, the
// profile shows the inlined calls as frames of their own, on the source lines addr2line gives,
// and the folded output marks them inlined.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { writeFolded } from '../../src/formats/folded.js';
import { startTarget } from '../../src/proc/testing.js';
import { markerLine } from '../dwarf/addr2line.js';
import { bpfTest } from '../support/bpf.js';
import { repoRoot, tempDir } from './processes.js';

const fixture = join(repoRoot, 'test/fixtures/native/inlines.c');

for (const dwarf of ['-g', '-gdwarf-4']) {
  bpfTest(`inlined frames (${dwarf}): the hot stack is main → level1..3 → spin → step → mix, with lines`, async (t) => {
    const dir = tempDir(t, 'fluoro-inlines-');
    const prog = join(dir, 'inlines');
    execFileSync('cc', ['-O2', dwarf, '-fomit-frame-pointer', '-o', prog, fixture], { stdio: 'pipe' });
    const target = await startTarget(t, prog, []);
    const r = await profileCpu({ pids: [target.pid], durationMs: 2000, hz: 99, kernel: false, perThread: false });

    const source = readFileSync(fixture, 'utf8');
    let inMix = 0;
    let total = 0;
    for (const s of r.profile.samples) {
      total += s.values[0]!;
      const leaf = s.stack[0];
      if (leaf?.lines[0]?.func.name !== 'mix') continue;
      inMix += s.values[0]!;
      // One location, three lines: mix inlined in step inlined in spin, each in the fixture.
      assert.deepEqual(leaf.lines.map((l) => l.func.name), ['mix', 'step', 'spin']);
      assert.ok(leaf.lines.every((l) => l.func.file === fixture));
      const [mix, step, spin] = leaf.lines;
      assert.ok(mix!.line > markerLine(source, 'unsigned long mix(') && mix!.line <= markerLine(source, 'return x ^ (x >> 29)'), `mix line ${mix!.line}`);
      assert.ok([markerLine(source, 'STEP_LINE'), markerLine(source, 'STEP_LINE') + 1].includes(step!.line), `step line ${step!.line}`);
      assert.equal(spin!.line, markerLine(source, 'SPIN_LINE'));
      // The callers are ordinary frames, one line each.
      assert.deepEqual(s.stack.slice(1, 5).map((l) => l.lines.map((x) => x.func.name).join('/')), ['level3', 'level2', 'level1', 'main']);
    }
    t.diagnostic(`${inMix}/${total} samples in mix`);
    assert.ok(total >= 20, `only ${total} samples`);
    assert.ok(inMix >= 0.5 * total, 'most samples are in the inlined mix()');
    const folded = writeFolded(r.profile);
    assert.match(folded, /(^|;)main;level1;level2;level3;spin;step_\[i\];mix_\[i\] \d+$/m, folded.slice(0, 2000));
  }, { timeout: 60_000 });
}
