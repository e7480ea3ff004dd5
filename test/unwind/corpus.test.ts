// The replay corpus: CPU samples recorded from real processes (test/fixtures/replay/), each walked
// again with its stored unwind rows and named from its stored symbols. Every frame, every pc and
// the way the walk ended must be what the unwinder gave when the sample was recorded. No process,
// no BPF and no particular machine are needed.
//
// FLUORO_UPDATE_CORPUS=1 writes what the unwinder gives now into the entries' expected frames,
// after a change that is meant to alter them; read the diff before committing it.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusDir, formatEntry, readCorpus, replayEntry, type CorpusEntry } from './corpus-entry.js';

const corpus = readCorpus();
const update = process.env.FLUORO_UPDATE_CORPUS === '1';

test('the corpus holds entries from every recorded process, and stays small', () => {
  const groups = new Set(corpus.map(({ entry }) => entry.name.replace(/-\d+$/, '')));
  const recorded = ['nginx-static', 'python-loop', 'luajit-interpreter', 'luajit-coroutines', 'deep-recursion', 'deep-recursion-max', 'deep-recursion-cut', 'dd-syscall'];
  for (const g of recorded) {
    assert.ok(groups.has(g), `entries recorded from ${g}`);
  }
  assert.ok(corpus.some(({ entry }) => entry.recorded.kernelMode), 'a sample taken inside a system call');
  assert.ok(corpus.some(({ entry }) => entry.expected.end === 'stack-truncated'), 'a walk cut by the end of the window');
  let total = 0;
  for (const { file, entry } of corpus) {
    assert.equal(`${entry.name}.json`, file, 'an entry is named after its file');
    const size = formatEntry(entry).length;
    assert.ok(size < 100 << 10, `${file} is under 100 KiB`);
    total += size;
  }
  assert.ok(total < 2 << 20, `the corpus is under 2 MiB (${total} bytes)`);
});

for (const { file, entry } of corpus) {
  test(`${entry.name}: ${entry.expected.frames.length} frames, ${entry.expected.end} (${entry.recorded.comm})`, () => {
    const { uncovered, ...got } = replayEntry(entry);
    if (update) {
      writeFileSync(join(corpusDir, file), formatEntry({ ...entry, expected: got }));
      return;
    }
    assert.deepEqual(uncovered, [], 'the walk went where the entry holds no unwind rows: record it again');
    assert.deepEqual(got, entry.expected);
  });
}

/** The entry with its stack changed at `offset`: one byte xor `mask`. */
function corrupted(entry: CorpusEntry, offset: number, mask: number): Buffer {
  const stack = Buffer.from(entry.stack, 'base64');
  stack[offset]! ^= mask;
  return stack;
}

test('a changed byte in a return address on the stack fails the comparison', () => {
  const deep = corpus.map(({ entry }) => entry).find((e) => e.expected.frames.length >= 4 && e.expected.exact.length === 1);
  assert.ok(deep, 'an entry with callers to corrupt');
  const stack = Buffer.from(deep.stack, 'base64');
  // The leaf's return address: the caller's pc, in the slot the walk read it from.
  const ra = BigInt(deep.expected.pcs[1]!);
  const slot = [...Array(stack.length >> 3).keys()].map((i) => i * 8).find((o) => stack.readBigUInt64LE(o) === ra);
  assert.ok(slot !== undefined, 'the return address is in the window');

  // Two bytes up: the address moves by 1 MiB, out of its function and most likely out of its file.
  const got = replayEntry(deep, corrupted(deep, slot + 2, 0x10));
  assert.equal(got.pcs[1], '0x' + (ra ^ 0x100000n).toString(16), 'the walk read the changed slot');
  assert.notDeepEqual({ end: got.end, frames: got.frames, pcs: got.pcs, exact: got.exact }, deep.expected);
  assert.notDeepEqual(got.frames, deep.expected.frames, 'the names differ, not only the pcs');

  // And the unchanged copy of the same bytes passes, so it is the byte that fails it.
  const same = replayEntry(deep, stack);
  assert.deepEqual({ end: same.end, frames: same.frames, pcs: same.pcs, exact: same.exact }, deep.expected);
});

test('a walk that needs rows the entry does not hold says so, rather than passing or failing quietly', () => {
  const entry = corpus.map(({ entry }) => entry).find((e) => e.name === 'deep-recursion-1');
  assert.ok(entry);
  const shrunk: CorpusEntry = { ...entry, modules: entry.modules.map((m) => ({ ...m, ranges: m.ranges.slice(1) })) };
  assert.notDeepEqual(replayEntry(shrunk).uncovered, []);
  assert.deepEqual(replayEntry(entry).uncovered, []);
});
