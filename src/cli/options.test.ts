import assert from 'node:assert/strict';
import test from 'node:test';
import { UsageError } from '../errors.js';
import { parseDuration, parseIntFlag, parsePid } from './options.js';

test('durations in the forms people type', () => {
  assert.equal(parseDuration('10'), 10_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2m'), 120_000);
  for (const bad of ['', 'ten', '-1s', '5h', '1e3', '0', '5ms']) {
    assert.throws(() => parseDuration(bad), UsageError, bad);
  }
});

test('whole numbers within bounds, PIDs', () => {
  assert.equal(parseIntFlag('99', '--hz', 1, 10000), 99);
  assert.throws(() => parseIntFlag('0', '--hz', 1, 10000), /--hz must be between 1 and 10000, not 0/);
  assert.throws(() => parseIntFlag('9.5', '--hz', 1, 10000), /whole number/);
  assert.throws(() => parsePid('abc'), /--pid must be a whole number/);
  assert.equal(parsePid('4242'), 4242);
});
