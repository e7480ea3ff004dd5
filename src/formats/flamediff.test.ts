import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFolded } from './folded.js';
import { flameDiff } from './flamediff.js';

const base = readFolded('main;serve;parse 50\nmain;serve;gcd 50\n');
const target = readFolded('main;serve;parse 20\nmain;serve;gcd 60\nmain;log 20\n');

function node(d: ReturnType<typeof flameDiff>, path: string[]): number {
  // Pre-order: follow the names down the tree.
  let i = 0;
  for (const name of path) {
    let j = i + 1;
    while (j < d.n.length && !(d.d[j] === d.d[i]! + 1 && d.names[d.n[j]!] === name)) j++;
    assert.ok(j < d.n.length, `node ${path.join(';')}`);
    i = j;
  }
  return i;
}

test('differential flame graph: width is the target, delta is the change of share at each path', () => {
  const d = flameDiff(base, target);
  assert.equal(d.total, 100);
  assert.equal(d.baseTotal, 100);
  const gcd = node(d, ['main', 'serve', 'gcd']);
  assert.equal(d.v[gcd], 60);
  assert.equal(d.base[gcd], 50);
  assert.ok(Math.abs(d.delta[gcd]! - 0.1) < 1e-9, 'gcd grew by ten points');
  const parse = node(d, ['main', 'serve', 'parse']);
  assert.ok(Math.abs(d.delta[parse]! + 0.3) < 1e-9, 'parse shrank by thirty points');
  const log = node(d, ['main', 'log']);
  assert.equal(d.base[log], 0, 'a new path has no base');
  assert.ok(Math.abs(d.delta[log]! - 0.2) < 1e-9);
  assert.ok(Math.abs(d.delta[node(d, ['main'])]!) < 1e-9, 'main holds everything in both');
});

test('shares, not counts: a run twice as long with the same shape shows no change', () => {
  const d = flameDiff(base, readFolded('main;serve;parse 100\nmain;serve;gcd 100\n'));
  assert.ok(d.delta.every((x) => Math.abs(x) < 1e-9));
});
