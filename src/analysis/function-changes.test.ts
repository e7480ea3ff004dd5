import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFolded } from '../formats/folded.js';
import { functionChanges } from './function-changes.js';

const base = readFolded('main;serve;parse 50\nmain;serve;gcd 50\n');
const target = readFolded('main;serve;parse 20\nmain;serve;gcd 60\nmain;log 20\n');

test('function changes list growers, shrinkers and functions that vanished', () => {
  const rows = functionChanges(target, base);
  const log = rows.find((r) => r.name === 'log')!;
  assert.equal(log.baseSelf, 0.2);
  assert.equal(log.targetSelf, 0);
  assert.equal(rows[0]!.name, 'parse', 'the largest change comes first');
});
