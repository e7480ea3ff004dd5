import assert from 'node:assert/strict';
import test from 'node:test';
import { readFolded } from './folded.js';
import { buildFlameTree, kindOfNode } from './flametree.js';

function describe(folded: string, minValue = 0): string[] {
  const t = buildFlameTree(readFolded(folded), { minValue });
  const out: string[] = [];
  for (let i = 0; i < t.count; i++) {
    out.push(`${'  '.repeat(t.depth[i]!)}${t.names[t.name[i]!]} ${kindOfNode(t, i)} v=${t.value[i]} self=${t.self[i]} x=${t.start[i]} end=${t.end[i]}`);
  }
  return out;
}

test('samples merge by path, siblings sort by name, positions accumulate', () => {
  assert.deepEqual(describe('main;b 2\nmain;a;x_[k] 3\nmain 1\nother_[lua] 4\n'), [
    'all unknown v=10 self=0 x=0 end=6',
    '  main native v=6 self=1 x=0 end=5',
    '    a native v=3 self=0 x=0 end=4',
    '      x kernel v=3 self=3 x=0 end=4',
    '    b native v=2 self=2 x=3 end=5',
    '  other lua v=4 self=4 x=6 end=6',
  ]);
});

test('same name with a different kind is a different frame', () => {
  const t = buildFlameTree(readFolded('f 1\nf_[k] 1\n'));
  assert.equal(t.count, 3);
  assert.deepEqual([kindOfNode(t, 1), kindOfNode(t, 2)], ['kernel', 'native'], 'ties on name order by kind');
});

test('narrow nodes are left out with their subtree, totals stay true', () => {
  const lines = describe('a;b 100\nc;d;e 1\n', 2);
  assert.deepEqual(lines, ['all unknown v=101 self=0 x=0 end=3', '  a native v=100 self=0 x=0 end=3', '    b native v=100 self=100 x=0 end=3']);
});

test('a very deep stack is cut and does not overflow', () => {
  const deep = Array.from({ length: 50_000 }, (_, i) => `f${i % 7}`).join(';') + ' 1\n';
  const t = buildFlameTree(readFolded(deep));
  assert.equal(t.maxDepth, 2048);
  assert.equal(t.total, 1);
});
