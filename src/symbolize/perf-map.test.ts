import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PerfMap, ProcessPerfMap, parsePerfMap } from './perf-map.js';

test('parses "START SIZE name" lines and skips garbage', () => {
  const entries = parsePerfMap([
    '7f0000001000 40 LazyCompile:*spin /app/x.js:1:1',
    'not a line',
    '',
    '0x7f0000002000 0x10 JS:~other [eval]:2:3',
    '7f0000003000 0 zero-sized',
    'zzzz 10 bad-hex',
    '7f0000004000 20',
    '7f0000005000 8 name with  spaces   ',
  ].join('\n'));
  assert.deepEqual(entries.map((e) => [e.start.toString(16), (e.end - e.start).toString(16), e.name]), [
    ['7f0000001000', '40', 'LazyCompile:*spin /app/x.js:1:1'],
    ['7f0000002000', '10', 'JS:~other [eval]:2:3'],
    ['7f0000005000', '8', 'name with  spaces'],
  ]);
  assert.equal(parsePerfMap('1 1 a\n2 1 b\n3 1 c\n', 2).length, 2, 'entry limit');
});

test('lookup: containing entry, newest of overlapping ones', () => {
  const m = new PerfMap(parsePerfMap('1000 100 old\n2000 10 b\n1000 80 new\n1040 10 inner\n'));
  assert.equal(m.lookup(0x1000n)?.name, 'new');
  assert.equal(m.lookup(0x1045n)?.name, 'inner');
  assert.equal(m.lookup(0x1090n), undefined, 'code at the same start was replaced whole');
  assert.equal(m.lookup(0x2009n)?.name, 'b');
  assert.equal(m.lookup(0x2010n), undefined);
  assert.equal(m.lookup(0xfffn), undefined);
});

test('re-reads the file when it grows; a partial last line waits for its newline', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-perfmap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'perf-1.map');
  const m = new ProcessPerfMap(1, { path, recheckMs: 0 });
  assert.equal(m.name(0x1000n), undefined, 'no file yet');
  writeFileSync(path, '1000 10 first\n2000 10 sec');
  assert.equal(m.name(0x1000n), 'first');
  assert.equal(m.name(0x2000n), undefined, 'the line being written is not read');
  appendFileSync(path, 'ond\n3000 10 third\n');
  assert.equal(m.name(0x2000n), 'second');
  assert.equal(m.name(0x3005n), 'third');
});

test('the default path is the target\'s own /tmp, by its PID in its namespace', () => {
  assert.equal(new ProcessPerfMap(process.pid).path, `/proc/${process.pid}/root/tmp/perf-${process.pid}.map`);
});
