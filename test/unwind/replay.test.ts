// Deterministic replays: fixture programs capture their own registers, stack and maps at a known
// point; we unwind the capture with our tables and check every frame by name.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { symbolizerFor } from '../../src/symbolize/native.js';
import { unwind } from '../../src/unwind/native.js';
import { buildFixtures, Modules, parseMaps, readCapture, type Capture } from './capture-file.js';

let dir = '';
let recurse = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fluoro-unwind-'));
  ({ recurse } = buildFixtures(dir));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, ...args: string[]): Capture {
  const out = join(dir, name);
  execFileSync(recurse, [out, ...args], { stdio: 'pipe' });
  return readCapture(out);
}

function replay(c: Capture, maxFrames = 256) {
  const modules = new Modules(parseMaps(c.maps));
  const r = unwind({ rip: c.rip, rsp: c.rsp, rbp: c.rbp }, { start: c.rsp, bytes: c.stack }, modules, maxFrames);
  return { ...r, modules };
}

function libcHasDebugFile(m: Modules): boolean {
  const libc = m.paths().find((p) => /\/libc\.so/.test(p));
  return libc !== undefined && symbolizerFor(libc).debugFile !== undefined;
}

function alternating(depth: number): string[] {
  // Leaf first: the deepest call has n = 0; a_step has odd n when depth is even.
  return Array.from({ length: depth }, (_, n) => ((depth - 1 - n) % 2 === (depth - 1) % 2 ? 'a_step' : 'b_step')).reverse();
}

test('150 frames through two shared libraries unwind to the root, every name in order', () => {
  const c = run('deep.bin', '150');
  const r = replay(c);
  const names = r.modules.names(r.pcs);
  assert.equal(r.end, 'root');
  assert.deepEqual(names.slice(0, 153), ['fluoro_capture', 'fluoro_leaf', ...alternating(150), 'main']);
  // Below main: glibc's start frames (the local one is named only when libc's debug file is
  // installed), then _start, whose CFI marks the return address undefined.
  const startCallMain = libcHasDebugFile(r.modules) ? '__libc_start_call_main' : '?';
  assert.deepEqual(names.slice(153), [startCallMain, '__libc_start_main', '_start']);
});

test('a signal frame is crossed through the ucontext to the interrupted code', () => {
  const c = run('signal.bin', '6', 'signal');
  const r = replay(c);
  const names = r.modules.names(r.pcs, new Set(r.exact));
  assert.equal(r.end, 'root');
  const leaf = names.indexOf('fluoro_leaf');
  assert.deepEqual(names.slice(0, 2), ['fluoro_capture', 'on_signal']);
  // Then the restorer (its return address is its first byte, so it is named only at pc itself), and
  // the code the signal interrupted: raise() inside libc, called from fluoro_leaf.
  assert.ok(leaf > 3, 'the interrupted frames follow the handler');
  assert.equal(names[leaf - 1], 'raise');
  assert.ok(r.exact.includes(3), 'the interrupted pc is exact, not a return address');
  assert.deepEqual(names.slice(leaf, leaf + 8), ['fluoro_leaf', ...alternating(6), 'main']);
});

test('a truncated stack window stops with stack-truncated at every cut, never throws', () => {
  const c = run('cut.bin', '40');
  const full = replay(c);
  assert.equal(full.end, 'root');
  let complete = -1;
  for (let len = 0; len <= c.stack.length; len += 8) {
    const r = unwind({ rip: c.rip, rsp: c.rsp, rbp: c.rbp }, { start: c.rsp, bytes: c.stack.subarray(0, len) }, full.modules);
    assert.deepEqual(r.pcs, full.pcs.slice(0, r.pcs.length), `window of ${len} bytes: frames found are right`);
    if (r.end === 'root') {
      if (complete < 0) complete = len;
      assert.equal(r.pcs.length, full.pcs.length);
    } else {
      assert.equal(complete, -1, `window of ${len} bytes went back to ${r.end} after a complete walk`);
      assert.equal(r.end, 'stack-truncated', `window of ${len} bytes`);
    }
  }
  assert.ok(complete > 40 * 16, `the walk needs the whole chain of frames (${complete} bytes)`);
});

test('max depth is honoured', () => {
  const c = run('max.bin', '100');
  const r = replay(c, 50);
  assert.equal(r.end, 'max-depth');
  assert.equal(r.pcs.length, 50);
});
