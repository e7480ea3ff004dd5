// Our compiled tables against binutils' own interpretation of the same CFI (readelf -wF), row by
// row, on the real libraries the profiler meets first.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { unwindTableOf } from './file-unwind-table.js';
import { CfaKind, RaKind, RbpKind } from './unwind-table.js';

const REGS = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function compare(path: string): { rows: number; expressions: number } {
  // readelf exits non-zero when it cannot follow a debug link; its table on stdout is still complete.
  const text = spawnSync('readelf', ['-wF', path], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
  const table = unwindTableOf(path);
  let cols: string[] = [];
  let rows = 0;
  let expressions = 0;
  let inFde = false;
  for (const line of text.split('\n')) {
    if (/ (CIE|FDE) /.test(line)) inFde = line.includes(' FDE ');
    if (line.startsWith('   LOC')) {
      cols = line.trim().split(/\s+/);
      continue;
    }
    const m = /^([0-9a-f]{16}) (.*)$/.exec(line);
    if (!m || !inFde || cols.length === 0) continue;
    const pc = parseInt(m[1]!, 16);
    // Register rules print as "r9 (r9)": do not split inside them.
    const vals = m[2]!.trim().split(/\s+(?!\()/);
    const col = (name: string) => vals[cols.indexOf(name) - 1];
    const row = table.find(pc);
    const where = `${path} at 0x${pc.toString(16)}`;
    assert.ok(row, `${where}: no row`);
    const cfa = col('CFA')!;
    const reg = /^(\w+)\+(\d+)$/.exec(cfa);
    if (reg) {
      assert.equal(row.cfaKind, CfaKind.reg, where);
      assert.deepEqual([row.cfaReg, row.cfaOffset], [REGS.indexOf(reg[1]!), Number(reg[2])], where);
    } else {
      assert.equal(cfa, 'exp', where);
      assert.ok(row.cfaKind === CfaKind.plt || row.cfaKind === CfaKind.deref || row.cfaKind === CfaKind.unsupported ||
        row.cfaKind === CfaKind.signal, where);
      expressions++;
    }
    if (row.cfaKind === CfaKind.signal) continue;
    const rbp = col('rbp');
    if (rbp?.startsWith('c')) assert.deepEqual([row.rbpKind, row.rbpOffset], [RbpKind.atCfa, Number(rbp.slice(1))], where);
    else assert.notEqual(row.rbpKind, RbpKind.atCfa, where);
    const ra = col('ra')!;
    if (ra === 'u') assert.equal(row.raKind, RaKind.undefined, where);
    else if (ra.startsWith('c')) assert.deepEqual([row.raKind, row.raOffset], [RaKind.atCfa, Number(ra.slice(1))], where);
    else assert.equal(row.raKind, RaKind.unsupported, `${where}: ${ra} is a rule we do not follow`);
    rows++;
  }
  return { rows, expressions };
}

for (const path of ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/sbin/nginx', '/usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2']) {
  test(`every CFI row of ${path} matches readelf`, () => {
    const { rows } = compare(path);
    assert.ok(rows > 5000, `${rows} rows compared`);
  });
}

test("LuaJIT's interpreter is one large FDE with CFA = rsp + 80", () => {
  const t = unwindTableOf('/usr/lib/x86_64-linux-gnu/libluajit-5.1.so.2');
  const rows = [...t.entries()];
  const spans = rows.slice(0, -1).map((r, i) => ({ r, len: rows[i + 1]!.pc - r.pc }));
  const big = spans.reduce((a, b) => (b.len > a.len ? b : a));
  assert.ok(big.len > 10_000, `largest single-rule span is ${big.len} bytes`);
  assert.deepEqual([big.r.cfaKind, big.r.cfaReg, big.r.cfaOffset, big.r.raOffset], [CfaKind.reg, 7, 80, -8]);
});
