import assert from 'node:assert/strict';
import test from 'node:test';
import { readFolded, writeFolded } from './folded.js';

test('inlined frames read back as one location with several lines', () => {
  const text = 'main;outer;inner_[i];innermost_[i] 3\nmain;outer 1\nentry_[k];x_[i] 2\n';
  const p = readFolded(text);
  const loc = p.locations.find((l) => l.lines.length === 3);
  assert.deepEqual(loc?.lines.map((l) => l.func.name), ['innermost', 'inner', 'outer']);
  assert.equal(p.locations.filter((l) => l.lines.length === 1 && l.lines[0]!.func.name === 'outer').length, 1);
  assert.equal(writeFolded(p), 'entry_[k];x 2\nmain;outer 1\nmain;outer;inner_[i];innermost_[i] 3\n');
});
